#include "local/lambda/python_runtime.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace pingwatch::local::lambda {

std::string install_python_runtime(const std::string& runtime_dir) {
  namespace fs = std::filesystem;
  fs::create_directories(runtime_dir);
  const fs::path target = fs::path(runtime_dir) / "lambda_runtime_client.py";
  static std::atomic<unsigned> serial{0};   // two stacks in one process may install at the same time
  const fs::path temporary = fs::path(runtime_dir) / (".lambda_runtime_client.py." + std::to_string(::getpid()) + "." +
                                                      std::to_string(serial++));
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << kPythonRuntimeSource;
    if (!out) throw std::runtime_error("cannot write the Python runtime client to " + temporary.string());
  }
  fs::rename(temporary, target);
  return target.string();
}

}  // namespace pingwatch::local::lambda
