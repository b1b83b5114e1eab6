#pragma once
// What a Lambda handler is to pingwatch's custom runtime: a job chosen by _HANDLER, built once at init
// (reading its configuration, which may fail -> /init/error), then called once per invocation.
#include <chrono>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace pingwatch::runtime {

using SystemTime = std::chrono::system_clock::time_point;

struct InvocationContext {
  std::string request_id;
  std::string function_arn;
  std::string trace_id;          // also exported as _X_AMZN_TRACE_ID for the duration of the invocation
  bool has_deadline = false;     // false when Lambda sent no (or an unparsable) Lambda-Runtime-Deadline-Ms
  SystemTime deadline{};         // when Lambda kills the invocation
  SystemTime job_deadline{};     // deadline minus a safety margin: stop paging, report what was done
};

// Thrown by a handler to choose the reported errorType and attach a JSON summary (sent as stackTrace[0]).
struct HandlerError : std::runtime_error {
  std::string type;
  nlohmann::json details;
  HandlerError(const std::string& message, std::string type_, nlohmann::json details_ = nullptr)
      : std::runtime_error(message), type(std::move(type_)), details(std::move(details_)) {}
};

// Returns the job's JSON summary, posted as the invocation's response. Throws to report an error.
using LambdaHandler = std::function<nlohmann::json(const nlohmann::json& event, const InvocationContext& context)>;

// Builds a handler at init. Throws (std::exception with a message naming the setting) on bad configuration.
using HandlerFactory = std::function<LambdaHandler()>;

// _HANDLER value -> factory.
using HandlerTable = std::map<std::string, HandlerFactory>;

// The production table: publish, sync-alarms (and watch once that job exists), built from the
// Lambda environment (lambda_jobs.cpp).
HandlerTable job_handler_table();

}  // namespace pingwatch::runtime
