// Standard retry mode, as botocore/retries/standard.py and quota.py implement it (botocore 1.29), with the
// backoff the contract in retry.h states: rand(0,1) x min(base x 2^(attempt-1), max_backoff). With the default
// 3 attempts this equals botocore's min(rand x 2^(attempt-1), 20 s): the cap only matters from attempt 6 on.
#include "aws/retry.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include "aws/error.h"

namespace pingwatch::aws {

namespace {

// botocore ThrottledRetryableChecker._THROTTLED_ERROR_CODES.
constexpr std::array<std::string_view, 14> kThrottlingCodes = {
    "Throttling",           "ThrottlingException",   "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown",
    "PriorRequestNotComplete", "EC2ThrottledException",
};

// botocore TransientRetryableChecker codes (RequestTimeout, RequestTimeoutException, PriorRequestNotComplete),
// plus the server-fault codes the Java SDK v2 retries (they normally arrive with a 5xx status anyway) and
// STS's IDPCommunicationError, which botocore retries as a special case.
constexpr std::array<std::string_view, 7> kTransientCodes = {
    "RequestTimeout",  "RequestTimeoutException", "PriorRequestNotComplete", "InternalError",
    "InternalFailure", "ServiceUnavailable",      "IDPCommunicationError",
};

// Errors that mean "your clock is off": the caller corrects its clock from the response's Date and retries.
constexpr std::array<std::string_view, 6> kClockSkewCodes = {
    "RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException",
    "SignatureDoesNotMatch", "AuthFailure",  "RequestInTheFuture",
};

constexpr int kRetryCost = 5;
constexpr int kTimeoutRetryCost = 10;
constexpr int kNoRetryIncrement = 1;

template <size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view code) {
  return std::find(list.begin(), list.end(), code) != list.end();
}

bool transient_status(int status) { return status == 500 || status == 502 || status == 503 || status == 504; }

double default_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

bool is_throttling_error_code(std::string_view code) { return contains(kThrottlingCodes, code); }
bool is_transient_error_code(std::string_view code) { return contains(kTransientCodes, code); }
bool is_clock_skew_error_code(std::string_view code) { return contains(kClockSkewCodes, code); }

RetryQuota::RetryQuota(int capacity) : capacity_(capacity), available_(capacity) {
  if (capacity < 0) throw std::invalid_argument("retry quota capacity must be >= 0");
}

bool RetryQuota::acquire(bool is_timeout) {
  const int cost = is_timeout ? kTimeoutRetryCost : kRetryCost;
  std::lock_guard lock(mutex_);
  if (cost > available_) return false;
  available_ -= cost;
  last_cost_ = cost;
  return true;
}

void RetryQuota::on_success() {
  // botocore release_retry_quota: a call that needed no retry gives back 1; a call that was retried gives
  // back what its last retry took. The quota never exceeds its capacity.
  std::lock_guard lock(mutex_);
  const int refund = last_cost_ > 0 ? last_cost_ : kNoRetryIncrement;
  last_cost_ = 0;
  available_ = std::min(capacity_, available_ + refund);
}

int RetryQuota::available() const {
  std::lock_guard lock(mutex_);
  return available_;
}

void classify_error(AwsError& error) {
  error.throttling = is_throttling_error_code(error.code) || error.http_status == 429;
  error.retryable = error.throttling || is_transient_error_code(error.code) || transient_status(error.http_status) ||
                    is_clock_skew_error_code(error.code);
}

RetryDecision decide_retry(const RetryConfig& config, RetryQuota& quota, int attempt, const AwsError* error,
                           bool transport_failure, bool transport_timeout) {
  RetryDecision decision;
  if (attempt >= config.max_attempts) return decision;

  bool retryable = transport_failure || transport_timeout;
  if (error != nullptr) {
    // 429 is not in botocore's list, but the JS v3 and Java v2 SDKs treat it as throttling.
    retryable = retryable || is_throttling_error_code(error->code) || error->http_status == 429 ||
                is_transient_error_code(error->code) || transient_status(error->http_status) ||
                is_clock_skew_error_code(error->code);
  }
  if (!retryable) return decision;
  if (!quota.acquire(transport_timeout)) return decision;   // quota exhausted: fail fast, as the SDKs do

  const double r = config.random ? config.random() : default_random();
  const double exponential = static_cast<double>(config.base_delay.count()) * std::ldexp(1.0, std::max(0, attempt - 1));
  const double capped = std::min(exponential, static_cast<double>(config.max_backoff.count()));
  decision.retry = true;
  decision.delay = std::chrono::milliseconds(static_cast<long long>(std::clamp(r, 0.0, 1.0) * capped));
  return decision;
}

RetryConfig retry_config_from_env(const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  RetryConfig config;
  if (!getenv) return config;
  if (auto value = getenv("AWS_MAX_ATTEMPTS"); value && !value->empty()) {
    int n = 0;
    try {
      size_t used = 0;
      n = std::stoi(*value, &used);
      if (used != value->size()) n = 0;
    } catch (const std::exception&) {
      n = 0;
    }
    if (n < 1) {
      throw std::runtime_error("AWS_MAX_ATTEMPTS='" + *value + "' is not a positive integer: set it to 1 or more");
    }
    config.max_attempts = n;
  }
  return config;
}

}  // namespace pingwatch::aws
