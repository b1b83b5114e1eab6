#pragma once
// The custom runtime's event loop, independent of how the Runtime API is reached (tests pass a fake).
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "runtime/lambda_handler.h"
#include "runtime/lambda_log.h"
#include "runtime/lambda_runtime_api.h"

namespace pingwatch::runtime {

struct RuntimeLoopOptions {
  std::string handler_name;                                    // the value of _HANDLER
  std::function<SystemTime()> clock = std::chrono::system_clock::now;
  // Jobs must stop this long before Lambda's deadline to page no further, post their summary and return:
  // min(max_margin, remaining time x margin_fraction), so short test timeouts still leave the job most of it.
  std::chrono::milliseconds max_margin{5000};
  double margin_fraction = 0.2;
  std::optional<long> max_invocations;                         // tests: return 0 after this many
  bool export_trace_id = true;                                 // set/unset _X_AMZN_TRACE_ID per invocation
};

// The job deadline for an invocation whose Lambda deadline is `deadline`, seen at `now`.
SystemTime job_deadline_for(SystemTime deadline, SystemTime now, const RuntimeLoopOptions& options);

// Error reported for an exception thrown by a handler or a factory (AwsError -> "Aws.<code>", ...).
LambdaError lambda_error_from_current_exception();

// Init (look up _HANDLER, build the handler; failure -> POST /init/error and return 1), then serve
// invocations until the Runtime API fails (return 1: Lambda restarts the environment) or max_invocations.
int run_runtime_loop(RuntimeApi& api, const HandlerTable& table, const RuntimeLoopOptions& options, LambdaLog& log);

}  // namespace pingwatch::runtime
