#pragma once

namespace pingwatch::runtime {

// Lambda custom runtime (provided.al2023): what `bootstrap` runs (pingwatch-lambda's main, and pingwatch's when
// AWS_LAMBDA_RUNTIME_API is set). Returns the exit code.
int run_lambda_runtime();   // lambda_runtime.cpp

}  // namespace pingwatch::runtime
