#include "local/whole_file.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

namespace pingwatch::local {

void write_whole_file(const std::filesystem::path& file, const std::string& content) {
  static std::atomic<unsigned> serial{0};   // two threads of one process may write the same file at once
  const std::filesystem::path partial =
      file.parent_path() /
      ("." + file.filename().string() + "." + std::to_string(::getpid()) + "." + std::to_string(serial++));
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (out) {
      std::error_code error;
      std::filesystem::rename(partial, file, error);
      if (!error) return;
    }
  }
  std::error_code ignored;
  std::filesystem::remove(partial, ignored);
  throw std::runtime_error("cannot write " + file.string() + ": check that its directory exists and is writable");
}

}  // namespace pingwatch::local
