#pragma once
// A process-wide listener for every HTTP attempt a ServiceClient makes, so the daemon can count AWS requests
// (its /metrics) without the aws layer knowing who listens or how they are exported.
#include <memory>
#include <string>
#include <string_view>

namespace pingwatch::aws {

// One outcome per attempt:
//   ok         the service answered 2xx;
//   throttled  the service throttled it (ThrottlingException, 429, ...), whether retried or not;
//   retried    any other failure that the standard retry policy retries;
//   error      any other failure that ends the call (the operation throws).
enum class AttemptOutcome { Ok, Throttled, Retried, Error };
std::string_view to_string(AttemptOutcome outcome);   // "ok", "throttled", "retried", "error"

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // Called on the thread that made the attempt, after it; must be cheap and must not throw.
  virtual void on_attempt(std::string_view service, std::string_view operation, AttemptOutcome outcome) noexcept = 0;
};

// Installs (or, with nullptr, removes) the observer every ServiceClient reports to.
void set_request_observer(std::shared_ptr<RequestObserver> observer);
// What ServiceClient calls: forwards to the installed observer, if any.
void notify_request_observer(std::string_view service, std::string_view operation, AttemptOutcome outcome) noexcept;

}  // namespace pingwatch::aws
