#pragma once
// A function's deployment package: the ZipFile bytes written next to the code and unpacked with Debian's
// `unzip` (fork/exec, no shell), as Lambda unpacks it into /var/task.
#include <string>

namespace pingwatch::local::lambda {

struct UnpackedCode {
  std::string dir;          // the unpacked tree (LAMBDA_TASK_ROOT)
  std::string sha256_b64;   // CodeSha256 as Lambda reports it
  long long size = 0;       // CodeSize: bytes of the zip
  bool has_bootstrap = false;
};

// Unpacks `zip_bytes` into base_dir/<function>/<sha prefix>. Throws std::invalid_argument when the bytes are not a
// zip file unzip can read, std::runtime_error when unzip cannot be run.
UnpackedCode unpack_code(const std::string& base_dir, const std::string& function_name, const std::string& zip_bytes);

// The default code directory when the stack was given none: a per-process folder under the temp directory.
std::string default_code_base_dir();

}  // namespace pingwatch::local::lambda
