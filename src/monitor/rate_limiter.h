#pragma once
// Client-side token bucket (GCRA form) that keeps calls under a per-second quota, e.g. PutMetricAlarm's
// 3 TPS. Thread-safe: a caller reserves the next free slot under a lock and sleeps outside it.
// Clock and sleep are injected so tests run on a fake clock.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

namespace pingwatch::monitor {

class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  using Sleep = std::function<void(std::chrono::nanoseconds)>;

  // rate: calls per second (> 0). burst: calls allowed back to back after idling (>= 1); 1 keeps every
  // one-second window at or under `rate`, which is how AWS counts the quota.
  RateLimiter(double rate_per_second, double burst = 1, Clock clock = {}, Sleep sleep = {});

  // Waits for a slot and returns how long it waited.
  std::chrono::nanoseconds acquire();
  // Waits for a slot only if it comes before the deadline; otherwise reserves nothing and returns nullopt.
  std::optional<std::chrono::nanoseconds> acquire_before(std::chrono::steady_clock::time_point deadline);

  double rate() const { return rate_; }

 private:
  std::optional<std::chrono::steady_clock::time_point> reserve(
      std::optional<std::chrono::steady_clock::time_point> deadline);

  double rate_;
  std::chrono::nanoseconds spacing_;
  std::chrono::nanoseconds burst_allowance_;
  Clock clock_;
  Sleep sleep_;
  std::mutex mutex_;
  std::optional<std::chrono::steady_clock::time_point> next_;   // theoretical arrival time of the next call
};

}  // namespace pingwatch::monitor
