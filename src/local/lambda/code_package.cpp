#include "local/lambda/code_package.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "local/sns/wire_util.h"

extern char** environ;

namespace pingwatch::local::lambda {
namespace fs = std::filesystem;

namespace {

int run_unzip(const std::string& zip_path, const std::string& dir) {
  std::vector<std::string> args = {"unzip", "-q", "-o", zip_path, "-d", dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // unzip's chatter (e.g. "skipping: ../x") would otherwise land in the stack's console unprefixed.
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "unzip", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::runtime_error(std::string("cannot run unzip (install Debian's unzip package): ") + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string default_code_base_dir() {
  return (fs::temp_directory_path() / ("pingwatch-lambda-" + std::to_string(getpid()))).string();
}

UnpackedCode unpack_code(const std::string& base_dir, const std::string& function_name, const std::string& zip_bytes) {
  if (zip_bytes.size() < 4 || zip_bytes.compare(0, 2, "PK") != 0)
    throw std::invalid_argument("Could not unzip uploaded file. Please check your file, then try to upload again.");
  UnpackedCode code;
  code.sha256_b64 = wire::sha256_base64(zip_bytes);
  code.size = static_cast<long long>(zip_bytes.size());
  const std::string hex = wire::sha256_hex(zip_bytes).substr(0, 16);
  const fs::path function_dir = fs::path(base_dir) / function_name;
  const fs::path dir = function_dir / hex;
  fs::create_directories(function_dir);
  const fs::path zip_path = function_dir / (hex + ".zip");
  {
    std::ofstream out(zip_path, std::ios::binary);
    out.write(zip_bytes.data(), static_cast<std::streamsize>(zip_bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + zip_path.string());
  }
  fs::remove_all(dir);
  fs::create_directories(dir);
  const int rc = run_unzip(zip_path.string(), dir.string());
  // The zip stays beside the tree (<dir>.zip): GetFunction's Code.Location serves it.
  // unzip: 0 ok, 1 warnings (e.g. skipped unsafe paths), anything else is a broken archive.
  if (rc != 0 && rc != 1) {
    fs::remove_all(dir);
    fs::remove(zip_path);
    throw std::invalid_argument("Could not unzip uploaded file. Please check your file, then try to upload again.");
  }
  const fs::path bootstrap = dir / "bootstrap";
  code.has_bootstrap = fs::is_regular_file(bootstrap);
  if (code.has_bootstrap) {
    // Zips made without Unix attributes lose the execute bit; Lambda would fail with Permission denied, which helps
    // no one locally, so it is restored.
    fs::permissions(bootstrap, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
  }
  code.dir = dir.string();
  return code;
}

}  // namespace pingwatch::local::lambda
