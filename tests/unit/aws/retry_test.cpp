// Standard retry mode: classification, attempts, backoff and the retry quota, with a fake random source.
#include <gtest/gtest.h>

#include "aws/error.h"
#include "aws/retry.h"

using namespace pingwatch::aws;
using std::chrono::milliseconds;

namespace {
RetryConfig fixed_random(double r, int max_attempts = 3) {
  RetryConfig c;
  c.max_attempts = max_attempts;
  c.random = [r] { return r; };
  return c;
}
}  // namespace

TEST(RetryCodes, ThrottlingListMatchesBotocore) {
  for (const char* code : {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
                           "TooManyRequestsException", "ProvisionedThroughputExceededException",
                           "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
                           "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
                           "EC2ThrottledException"}) {
    EXPECT_TRUE(is_throttling_error_code(code)) << code;
  }
  EXPECT_FALSE(is_throttling_error_code("AccessDeniedException"));
  EXPECT_FALSE(is_throttling_error_code("throttlingexception"));   // codes are case-sensitive
}

TEST(RetryCodes, TransientAndClockSkew) {
  for (const char* code : {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError"}) {
    EXPECT_TRUE(is_transient_error_code(code)) << code;
  }
  for (const char* code : {"RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException",
                           "SignatureDoesNotMatch", "AuthFailure", "RequestInTheFuture"}) {
    EXPECT_TRUE(is_clock_skew_error_code(code)) << code;
  }
  EXPECT_FALSE(is_transient_error_code("ValidationException"));
  EXPECT_FALSE(is_clock_skew_error_code("AccessDenied"));
}

TEST(DecideRetry, ThrottlingIsRetriedWithJitteredExponentialDelay) {
  RetryQuota quota;
  AwsError err("ThrottlingException", "Rate exceeded", 400);
  auto d1 = decide_retry(fixed_random(0.5), quota, 1, &err, false, false);
  EXPECT_TRUE(d1.retry);
  EXPECT_EQ(d1.delay, milliseconds(500));    // 0.5 x 1 s
  auto d2 = decide_retry(fixed_random(0.5), quota, 2, &err, false, false);
  EXPECT_TRUE(d2.retry);
  EXPECT_EQ(d2.delay, milliseconds(1000));   // 0.5 x 2 s
  EXPECT_EQ(quota.available(), 490);
}

TEST(DecideRetry, StopsAtMaxAttempts) {
  RetryQuota quota;
  AwsError err("ThrottlingException", "", 400);
  EXPECT_FALSE(decide_retry(fixed_random(0.5), quota, 3, &err, false, false).retry);
  EXPECT_EQ(quota.available(), 500);   // a refused retry costs nothing
}

TEST(DecideRetry, BackoffIsCappedAtTwentySeconds) {
  RetryQuota quota;
  AwsError err("SlowDown", "", 503);
  auto d = decide_retry(fixed_random(1.0, 10), quota, 8, &err, false, false);   // 2^7 s > 20 s
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, milliseconds(20000));
  auto zero = decide_retry(fixed_random(0.0, 10), quota, 8, &err, false, false);
  EXPECT_EQ(zero.delay, milliseconds(0));
}

TEST(DecideRetry, NonRetryableErrorsFailAtOnce) {
  RetryQuota quota;
  AwsError denied("AccessDeniedException", "not authorized", 400);
  EXPECT_FALSE(decide_retry(fixed_random(0.5), quota, 1, &denied, false, false).retry);
  AwsError validation("ValidationException", "bad", 400);
  EXPECT_FALSE(decide_retry(fixed_random(0.5), quota, 1, &validation, false, false).retry);
}

TEST(DecideRetry, FiveHundredsAndTransportFailuresAreRetried) {
  RetryQuota quota;
  for (int status : {500, 502, 503, 504}) {
    AwsError err("", "", status);
    EXPECT_TRUE(decide_retry(fixed_random(0.1), quota, 1, &err, false, false).retry) << status;
  }
  AwsError not_impl("", "", 501);
  EXPECT_FALSE(decide_retry(fixed_random(0.1), quota, 1, &not_impl, false, false).retry);
  EXPECT_TRUE(decide_retry(fixed_random(0.1), quota, 1, nullptr, true, false).retry);   // reset/connect
  EXPECT_EQ(quota.available(), 500 - 5 * 5);
  EXPECT_TRUE(decide_retry(fixed_random(0.1), quota, 1, nullptr, true, true).retry);    // timeout costs 10
  EXPECT_EQ(quota.available(), 500 - 5 * 5 - 10);
}

TEST(DecideRetry, ClockSkewIsRetried) {
  RetryQuota quota;
  AwsError skew("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403);
  EXPECT_TRUE(decide_retry(fixed_random(0.0), quota, 1, &skew, false, false).retry);
}

TEST(RetryQuota, EmptyQuotaRefusesRetriesThenSuccessRefills) {
  RetryQuota quota(12);
  AwsError err("Throttling", "", 400);
  EXPECT_TRUE(decide_retry(fixed_random(0.5), quota, 1, &err, false, false).retry);   // 12 -> 7
  EXPECT_TRUE(decide_retry(fixed_random(0.5), quota, 1, &err, false, false).retry);   // 7 -> 2
  EXPECT_FALSE(decide_retry(fixed_random(0.5), quota, 1, &err, false, false).retry);  // 2 < 5
  EXPECT_EQ(quota.available(), 2);
  quota.on_success();   // the retried call succeeded: its last retry cost (5) comes back
  EXPECT_EQ(quota.available(), 7);
  quota.on_success();   // a call with no retry gives back 1
  EXPECT_EQ(quota.available(), 8);
}

TEST(RetryQuota, NeverExceedsCapacity) {
  RetryQuota quota;
  quota.on_success();
  EXPECT_EQ(quota.available(), 500);
  EXPECT_TRUE(quota.acquire(true));
  EXPECT_EQ(quota.available(), 490);
  quota.on_success();
  EXPECT_EQ(quota.available(), 500);
  quota.on_success();
  EXPECT_EQ(quota.available(), 500);
}

TEST(ClassifyError, SetsFlags) {
  AwsError t("ThrottlingException", "", 400);
  classify_error(t);
  EXPECT_TRUE(t.throttling);
  EXPECT_TRUE(t.retryable);
  AwsError d("AccessDeniedException", "", 400);
  classify_error(d);
  EXPECT_FALSE(d.throttling);
  EXPECT_FALSE(d.retryable);
  AwsError s("", "", 503);
  classify_error(s);
  EXPECT_TRUE(s.retryable);
}

TEST(RetryConfigFromEnv, ReadsAwsMaxAttempts) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_MAX_ATTEMPTS") return "5";
    return std::nullopt;
  };
  EXPECT_EQ(retry_config_from_env(env).max_attempts, 5);
  auto none = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_EQ(retry_config_from_env(none).max_attempts, 3);
  auto bad = [](const std::string&) -> std::optional<std::string> { return "zero"; };
  EXPECT_THROW(retry_config_from_env(bad), std::runtime_error);
}

TEST(DecideRetry, DefaultRandomStaysWithinBounds) {
  RetryConfig config;   // no fake: std::random_device-seeded
  RetryQuota quota;
  AwsError err("Throttling", "", 400);
  for (int i = 0; i < 50; ++i) {
    auto d = decide_retry(config, quota, 2, &err, false, false);
    ASSERT_TRUE(d.retry);
    EXPECT_GE(d.delay.count(), 0);
    EXPECT_LE(d.delay.count(), 2000);
    quota.on_success();
  }
}
