#pragma once
// Which Lambda runtimes the local stack runs, and how: custom runtimes (provided.*) start the package's own
// `bootstrap`; the managed python3.x runtimes start the machine's Python with the runtime interface client the binary
// carries (python_runtime.h). Everything else is refused at CreateFunction/UpdateFunctionConfiguration.
#include <string>

namespace pingwatch::local::lambda {

enum class RuntimeKind { Custom, Python };

// The kind of `runtime`; throws ServiceError (AWS's ValidationException / InvalidParameterValueException texts) for a
// runtime Lambda does not know, one it no longer accepts, or one this stack cannot run.
RuntimeKind runtime_kind(const std::string& runtime);

// The interpreter Python functions run on: $PINGWATCH_LAMBDA_PYTHON when set, else Debian's /usr/bin/python3 (a fixed
// path that does not depend on the caller's shell or pyenv, with boto3 importable as in Lambda's Python runtimes),
// else the first python3 on the stack's PATH. Empty when there is none.
std::string python_interpreter();

}  // namespace pingwatch::local::lambda
