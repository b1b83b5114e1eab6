// `bootstrap` mode: the process Lambda starts on provided.al2023 (lambda_main.cpp, and main.cpp when
// AWS_LAMBDA_RUNTIME_API is set). _HANDLER (the function's Handler setting) chooses the job.
#include <cstdlib>
#include <iostream>

#include "runtime/lambda_handler.h"
#include "runtime/lambda_log.h"
#include "runtime/lambda_loop.h"
#include "runtime/lambda_runtime.h"
#include "runtime/lambda_runtime_api.h"

namespace pingwatch::runtime {

int run_lambda_runtime() {
  LambdaLog log(std::cerr);
  const char* host_port = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (host_port == nullptr || *host_port == '\0') {
    log.error("AWS_LAMBDA_RUNTIME_API is not set: bootstrap mode needs the Lambda Runtime API host:port");
    return 2;
  }
  std::unique_ptr<RuntimeApi> api;
  try {
    api = make_runtime_api(host_port);
  } catch (const std::exception& e) {
    log.error("cannot start the Runtime API client", {{"error", e.what()}});
    return 2;
  }
  RuntimeLoopOptions options;
  if (const char* handler = std::getenv("_HANDLER")) options.handler_name = handler;
  return run_runtime_loop(*api, job_handler_table(), options, log);
}

}  // namespace pingwatch::runtime
