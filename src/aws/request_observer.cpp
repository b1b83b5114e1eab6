#include "aws/request_observer.h"

#include <atomic>

namespace pingwatch::aws {
namespace {

// Read on every attempt by job threads, written once at start: an atomic shared_ptr, no lock on the hot path.
std::atomic<std::shared_ptr<RequestObserver>>& installed() {
  static std::atomic<std::shared_ptr<RequestObserver>> observer;
  return observer;
}

}  // namespace

std::string_view to_string(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::Ok: return "ok";
    case AttemptOutcome::Throttled: return "throttled";
    case AttemptOutcome::Retried: return "retried";
    case AttemptOutcome::Error: return "error";
  }
  return "error";
}

void set_request_observer(std::shared_ptr<RequestObserver> observer) { installed().store(std::move(observer)); }

void notify_request_observer(std::string_view service, std::string_view operation, AttemptOutcome outcome) noexcept {
  if (auto observer = installed().load()) observer->on_attempt(service, operation, outcome);
}

}  // namespace pingwatch::aws
