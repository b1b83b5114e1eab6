// write_whole_file: the file appears with its whole content and nothing else is left in the directory; a file that
// cannot be written is an error naming it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "local/whole_file.h"

namespace fs = std::filesystem;

TEST(WholeFile, ReplacesTheFileAndLeavesNoTemporaryBehind) {
  const fs::path dir = fs::temp_directory_path() / ("pingwatch-whole-file-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  pingwatch::local::write_whole_file(dir / "a.eml", "first");
  pingwatch::local::write_whole_file(dir / "a.eml", std::string(100000, 'x'));
  std::ifstream in(dir / "a.eml", std::ios::binary);
  std::stringstream read;
  read << in.rdbuf();
  EXPECT_EQ(read.str(), std::string(100000, 'x'));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(WholeFile, AnUnwritableFileIsAnErrorNamingIt) {
  const fs::path missing = fs::temp_directory_path() / "pingwatch-no-such-dir" / "a.eml";
  try {
    pingwatch::local::write_whole_file(missing, "x");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
}
