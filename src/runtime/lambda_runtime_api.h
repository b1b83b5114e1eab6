#pragma once
// The Lambda Runtime API (version 2018-06-01), as a custom runtime on provided.al2023 sees it:
//   GET  /2018-06-01/runtime/invocation/next                  blocks until an event arrives (never time it out)
//   POST /2018-06-01/runtime/invocation/{RequestId}/response  the function's result
//   POST /2018-06-01/runtime/invocation/{RequestId}/error     {errorMessage, errorType, stackTrace}
//   POST /2018-06-01/runtime/init/error                       the runtime could not start; then exit
// Error posts carry the header Lambda-Runtime-Function-Error-Type.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pingwatch::runtime {

// One event handed out by /next, with the headers that describe it.
struct Invocation {
  std::string request_id;        // Lambda-Runtime-Aws-Request-Id
  std::int64_t deadline_ms = 0;  // Lambda-Runtime-Deadline-Ms: Unix epoch milliseconds; 0 when absent
  std::string function_arn;      // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;          // Lambda-Runtime-Trace-Id (X-Ray); empty when absent
  std::string client_context;    // Lambda-Runtime-Client-Context (mobile SDK invocations only)
  std::string cognito_identity;  // Lambda-Runtime-Cognito-Identity (mobile SDK invocations only)
  std::string payload;           // the event, a JSON document
};

// What the runtime reports to /error and /init/error.
struct LambdaError {
  std::string type;                      // errorType, also sent as Lambda-Runtime-Function-Error-Type
  std::string message;                   // errorMessage
  std::vector<std::string> stack_trace;  // stackTrace
  nlohmann::json to_json() const;
};

// The Runtime API answered with an unexpected status, or could not be reached.
struct RuntimeApiError : std::runtime_error {
  int http_status;   // 0: no HTTP response at all
  RuntimeApiError(int status, const std::string& what) : std::runtime_error(what), http_status(status) {}
};

class RuntimeApi {
 public:
  virtual ~RuntimeApi() = default;
  virtual Invocation next() = 0;                                              // blocks
  virtual void post_response(const std::string& request_id, const std::string& body) = 0;
  virtual void post_error(const std::string& request_id, const LambdaError& error) = 0;
  virtual void post_init_error(const LambdaError& error) = 0;
};

// One keep-alive HTTP/1.1 connection to host:port (the value of AWS_LAMBDA_RUNTIME_API), on plain sockets
// (lambda_http.h): no libcurl before the first /next. /next has a connect timeout only: it legitimately blocks
// while the environment is frozen.
std::unique_ptr<RuntimeApi> make_runtime_api(const std::string& host_port);

}  // namespace pingwatch::runtime
