#include "runtime/lambda_loop.h"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>

#include "aws/error.h"

namespace pingwatch::runtime {

namespace {

using Clock = std::chrono::system_clock;

std::string known_handlers(const HandlerTable& table) {
  std::string names;
  for (const auto& [name, factory] : table) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names.empty() ? "(none)" : names;
}

void export_trace_id(const std::string& trace_id) {
  // Only called between invocations, while no job thread runs, so setenv cannot race a getenv.
  if (trace_id.empty()) {
    ::unsetenv("_X_AMZN_TRACE_ID");
  } else {
    ::setenv("_X_AMZN_TRACE_ID", trace_id.c_str(), 1);
  }
}

// "std::runtime_error" rather than "St13runtime_error": the exception's type is the closest thing to a stack
// frame a C++ runtime can report without unwinding support.
std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

long long millis(std::chrono::nanoseconds d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

SystemTime job_deadline_for(SystemTime deadline, SystemTime now, const RuntimeLoopOptions& options) {
  if (deadline <= now) return deadline;
  const auto remaining = deadline - now;
  auto margin = std::chrono::duration_cast<Clock::duration>(remaining * options.margin_fraction);
  if (margin > options.max_margin) margin = std::chrono::duration_cast<Clock::duration>(options.max_margin);
  return deadline - margin;
}

LambdaError lambda_error_from_current_exception() {
  LambdaError error;
  try {
    throw;
  } catch (const aws::AwsError& e) {
    error.type = "Aws." + (e.code.empty() ? std::string("UnknownError") : e.code);
    error.message = e.what();
    if (!e.operation.empty()) error.stack_trace.push_back(e.service + ":" + e.operation);
    if (!e.request_id.empty()) error.stack_trace.push_back("RequestId: " + e.request_id);
  } catch (const HandlerError& e) {
    error.type = e.type;
    error.message = e.what();
    if (!e.details.is_null()) error.stack_trace.push_back(e.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } catch (const nlohmann::json::exception& e) {
    error.type = "Runtime.InvalidJson";
    error.message = e.what();
  } catch (const std::exception& e) {
    error.type = "Function.Error";
    error.message = e.what();
    error.stack_trace.push_back(type_name(typeid(e)));
  } catch (...) {
    error.type = "Function.UnknownError";
    error.message = "a non-standard exception was thrown";
  }
  return error;
}

namespace {

// The handler named by _HANDLER, built once; on failure the init error is reported to Lambda and null returned.
LambdaHandler init_handler(RuntimeApi& api, const HandlerTable& table, const RuntimeLoopOptions& options, LambdaLog& log) {
  LambdaHandler handler;
  const auto it = table.find(options.handler_name);
  LambdaError init_error;
  if (options.handler_name.empty()) {
    init_error = {"Runtime.HandlerNotFound",
                  "_HANDLER is not set: set the function's Handler to one of: " + known_handlers(table), {}};
  } else if (it == table.end()) {
    init_error = {"Runtime.HandlerNotFound",
                  "_HANDLER=\"" + options.handler_name + "\" is not a pingwatch job: use one of: " + known_handlers(table),
                  {}};
  } else {
    try {
      handler = it->second();
    } catch (...) {
      init_error = lambda_error_from_current_exception();
      init_error.type = "Runtime.ConfigError";
    }
  }
  if (handler) return handler;
  log.error("init failed", {{"handler", options.handler_name}, {"errorType", init_error.type},
                            {"errorMessage", init_error.message}});
  try {
    api.post_init_error(init_error);
  } catch (const std::exception& e) {
    log.error("could not report the init error", {{"error", e.what()}});
  }
  return {};
}

// The invocation's context (deadline and the job's share of it), logged as the invocation starts.
InvocationContext start_invocation(const Invocation& inv, SystemTime started, const RuntimeLoopOptions& options, LambdaLog& log) {
  InvocationContext ctx;
  ctx.request_id = inv.request_id;
  ctx.function_arn = inv.function_arn;
  ctx.trace_id = inv.trace_id;
  if (inv.deadline_ms > 0) {
    ctx.has_deadline = true;
    ctx.deadline = SystemTime(std::chrono::milliseconds(inv.deadline_ms));
    ctx.job_deadline = job_deadline_for(ctx.deadline, started, options);
  }
  if (options.export_trace_id) export_trace_id(inv.trace_id);
  nlohmann::json start_fields{{"request_id", inv.request_id}, {"handler", options.handler_name},
                              {"event_bytes", inv.payload.size()}};
  if (ctx.has_deadline) {
    start_fields["remaining_ms"] = millis(ctx.deadline - started);
    start_fields["job_budget_ms"] = millis(ctx.job_deadline - started);
  } else {
    start_fields["deadline"] = "none";
  }
  log.info("invocation start", start_fields);
  return ctx;
}

// Posts the response or the error. False when the Runtime API is unreachable (the environment must restart);
// an HTTP refusal (e.g. 413 payload too large, 400 after the deadline) concerns this invocation only.
bool report_result(RuntimeApi& api, const Invocation& inv, const std::optional<std::string>& response,
                   const LambdaError& error, long long duration_ms, LambdaLog& log) {
  try {
    if (response) {
      api.post_response(inv.request_id, *response);
      log.info("invocation done", {{"request_id", inv.request_id}, {"duration_ms", duration_ms},
                                   {"response_bytes", response->size()}});
    } else {
      log.error("invocation failed", {{"request_id", inv.request_id}, {"duration_ms", duration_ms},
                                      {"errorType", error.type}, {"errorMessage", error.message}});
      api.post_error(inv.request_id, error);
    }
  } catch (const RuntimeApiError& e) {
    if (e.http_status == 0) {
      log.error("Runtime API unreachable; exiting so Lambda restarts the environment", {{"error", e.what()}});
      return false;
    }
    log.error("Runtime API refused the result", {{"request_id", inv.request_id}, {"error", e.what()}});
  }
  return true;
}

}  // namespace

int run_runtime_loop(RuntimeApi& api, const HandlerTable& table, const RuntimeLoopOptions& options, LambdaLog& log) {
  const LambdaHandler handler = init_handler(api, table, options, log);
  if (!handler) return 1;
  log.info("runtime ready", {{"handler", options.handler_name}});

  for (long served = 0; !options.max_invocations || served < *options.max_invocations; ++served) {
    Invocation inv;
    try {
      inv = api.next();
    } catch (const std::exception& e) {
      log.error("Runtime API /next failed; exiting so Lambda restarts the environment", {{"error", e.what()}});
      return 1;
    }
    const auto started = options.clock();
    const InvocationContext ctx = start_invocation(inv, started, options, log);
    std::optional<std::string> response;
    LambdaError error;
    try {
      const nlohmann::json event = inv.payload.empty() ? nlohmann::json::object() : nlohmann::json::parse(inv.payload);
      response = handler(event, ctx).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (...) {
      error = lambda_error_from_current_exception();
    }
    if (!report_result(api, inv, response, error, millis(options.clock() - started), log)) return 1;
  }
  return 0;
}

}  // namespace pingwatch::runtime
