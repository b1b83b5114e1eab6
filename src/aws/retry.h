#pragma once
// The SDKs' "standard" retry mode: max 3 attempts (AWS_MAX_ATTEMPTS), delay rand(0,1) x min(2^(n-1) s, 20 s),
// a 500-token retry quota (5 per retry, 10 for timeouts, 1 back per success), throttling/transient codes,
// 5xx and connection errors retried; clock-skew errors retried after correcting the clock.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace pingwatch::aws {

struct AwsError;

bool is_throttling_error_code(std::string_view code);
bool is_transient_error_code(std::string_view code);
bool is_clock_skew_error_code(std::string_view code);

struct RetryConfig {
  int max_attempts = 3;
  std::chrono::milliseconds max_backoff{20000};
  std::chrono::milliseconds base_delay{1000};
  std::function<double()> random;   // uniform [0,1); default std::random_device-seeded
  // false: never send again a request that may already have taken effect (a timeout, a reset, a 5xx), so a
  // non-idempotent call (SNS Publish under at-most-once delivery) happens at most once. Refusals still retry.
  bool retry_unknown_outcome = true;
};

class RetryQuota {   // shared by every client of one process, as in the SDKs
 public:
  explicit RetryQuota(int capacity = 500);
  bool acquire(bool is_timeout);     // false when the bucket is empty: do not retry
  void on_success();                 // refund as the SDKs do
  int available() const;
 private:
  mutable std::mutex mutex_;
  int capacity_;
  int available_;
  int last_cost_ = 0;
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
};

// attempt is 1-based (the attempt that just failed). error is nullptr for transport failures.
RetryDecision decide_retry(const RetryConfig& config, RetryQuota& quota, int attempt, const AwsError* error,
                           bool transport_failure, bool transport_timeout);

// Sets error.retryable and error.throttling from its code and HTTP status (standard-mode classification).
void classify_error(AwsError& error);

// RetryConfig with max_attempts from AWS_MAX_ATTEMPTS (1..); throws std::runtime_error on a bad value.
RetryConfig retry_config_from_env(const std::function<std::optional<std::string>(const std::string&)>& getenv);

}  // namespace pingwatch::aws
