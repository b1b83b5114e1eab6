#include "local/lambda/python_runtime.h"

#include <filesystem>

#include "local/whole_file.h"

namespace pingwatch::local::lambda {

std::string install_python_runtime(const std::string& runtime_dir) {
  namespace fs = std::filesystem;
  fs::create_directories(runtime_dir);
  const fs::path target = fs::path(runtime_dir) / "lambda_runtime_client.py";
  write_whole_file(target, std::string(kPythonRuntimeSource));
  return target.string();
}

}  // namespace pingwatch::local::lambda
