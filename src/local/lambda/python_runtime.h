#pragma once
// The runtime interface client for Python functions (src/local/lambda/python_runtime.py), compiled into the binary
// by src/CMakeLists.txt so `pingwatch local` runs Python functions from any directory.
#include <string>

namespace pingwatch::local::lambda {

const char* python_runtime_source();   // the file's text (generated python_runtime_source.cpp)

// Writes the client to <runtime_dir>/lambda_runtime_client.py (atomically: a starting interpreter never reads half a
// file) and returns that path. Throws std::runtime_error when the folder cannot be written.
std::string install_python_runtime(const std::string& runtime_dir);

}  // namespace pingwatch::local::lambda
