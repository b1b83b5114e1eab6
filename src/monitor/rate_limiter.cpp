#include "monitor/rate_limiter.h"

#include <cmath>
#include <stdexcept>
#include <thread>

namespace pingwatch::monitor {

RateLimiter::RateLimiter(double rate_per_second, double burst, Clock clock, Sleep sleep)
    : rate_(rate_per_second), clock_(std::move(clock)), sleep_(std::move(sleep)) {
  if (!(rate_per_second > 0) || !std::isfinite(rate_per_second)) {
    throw std::invalid_argument("rate limiter: rate must be a positive number of calls per second");
  }
  if (!(burst >= 1)) throw std::invalid_argument("rate limiter: burst must be at least 1");
  spacing_ = std::chrono::nanoseconds(static_cast<long long>(std::ceil(1e9 / rate_per_second)));
  burst_allowance_ = std::chrono::nanoseconds(static_cast<long long>((burst - 1) * static_cast<double>(spacing_.count())));
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  if (!sleep_) sleep_ = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
}

std::optional<std::chrono::steady_clock::time_point> RateLimiter::reserve(
    std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  const auto tat = next_.value_or(now);
  // The earliest moment this call may go: the theoretical arrival time, less what a burst may borrow.
  const auto allowed = tat - burst_allowance_;
  const auto at = allowed > now ? allowed : now;
  if (deadline && at > *deadline) return std::nullopt;
  next_ = (tat > now ? tat : now) + spacing_;
  return at;
}

std::chrono::nanoseconds RateLimiter::acquire() {
  const auto before = clock_();
  const auto at = *reserve(std::nullopt);
  if (at > before) sleep_(at - before);
  return at > before ? at - before : std::chrono::nanoseconds(0);
}

std::optional<std::chrono::nanoseconds> RateLimiter::acquire_before(std::chrono::steady_clock::time_point deadline) {
  const auto before = clock_();
  const auto at = reserve(deadline);
  if (!at) return std::nullopt;
  if (*at > before) sleep_(*at - before);
  return *at > before ? *at - before : std::chrono::nanoseconds(0);
}

}  // namespace pingwatch::monitor
