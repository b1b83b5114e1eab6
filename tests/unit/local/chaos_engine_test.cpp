// Fault injection decisions: rule matching, AWS error codes per protocol, token-bucket quotas, seeded RNG.
#include <gtest/gtest.h>

#include "aws/http_date.h"
#include "local/chaos.h"

namespace pingwatch::local {
namespace {

Request request_of(const std::string& service, const std::string& operation, WireProtocol protocol) {
  Request r;
  r.service = service;
  r.operation = operation;
  r.protocol = protocol;
  return r;
}

TEST(ChaosEngine, NoRulesInjectsNothing) {
  ChaosEngine chaos({});
  const auto r = request_of("monitoring", "PutMetricData", WireProtocol::Query);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(chaos.before(r).has_value());
  EXPECT_EQ(chaos.counters()["throttled"], 0);
}

TEST(ChaosEngine, ThrottlingCodesFollowTheProtocol) {
  EXPECT_EQ(ChaosEngine::throttling_error(request_of("monitoring", "X", WireProtocol::Query)).code, "Throttling");
  EXPECT_EQ(ChaosEngine::throttling_error(request_of("monitoring", "X", WireProtocol::Json10)).code, "Throttling");
  EXPECT_EQ(ChaosEngine::throttling_error(request_of("sns", "Publish", WireProtocol::Query)).code, "Throttled");
  EXPECT_EQ(ChaosEngine::throttling_error(request_of("sns", "Publish", WireProtocol::Query)).status, 429);
  EXPECT_EQ(ChaosEngine::throttling_error(request_of("ssm", "X", WireProtocol::Json11)).code, "ThrottlingException");
  EXPECT_EQ(ChaosEngine::throttling_error(request_of("ec2", "X", WireProtocol::Query)).code, "RequestLimitExceeded");
  const auto lambda = ChaosEngine::throttling_error(request_of("lambda", "Invoke", WireProtocol::RestJson));
  EXPECT_EQ(lambda.code, "TooManyRequestsException");
  EXPECT_EQ(lambda.status, 429);
  const auto e500 = ChaosEngine::server_error(request_of("monitoring", "X", WireProtocol::Query), false);
  EXPECT_EQ(e500.code, "InternalFailure");
  EXPECT_EQ(e500.status, 500);
  const auto e503 = ChaosEngine::server_error(request_of("ssm", "X", WireProtocol::Json11), true);
  EXPECT_EQ(e503.code, "ServiceUnavailable");
  EXPECT_EQ(e503.status, 503);
}

TEST(ChaosEngine, RatesAreRoughlyHonouredAndSeeded) {
  auto run = [](std::uint64_t seed) {
    ChaosEngine chaos({});
    chaos.configure({{"seed", seed}, {"rules", {{{"service", "ssm"}, {"throttle_rate", 0.3}, {"error_rate", 0.05}}}}});
    std::string pattern;
    const auto r = request_of("ssm", "DescribeInstanceInformation", WireProtocol::Json11);
    for (int i = 0; i < 2000; ++i) {
      const auto fault = chaos.before(r);
      pattern += !fault ? '.' : fault->code == "ThrottlingException" ? 'T' : 'E';
    }
    return pattern;
  };
  const std::string a = run(42), b = run(42), c = run(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  const auto throttled = std::count(a.begin(), a.end(), 'T');
  const auto errors = std::count(a.begin(), a.end(), 'E');
  EXPECT_GT(throttled, 480);
  EXPECT_LT(throttled, 720);
  EXPECT_GT(errors, 40);    // 5% of the 70% not throttled ~ 70
  EXPECT_LT(errors, 120);
}

TEST(ChaosEngine, MostSpecificRuleWins) {
  ChaosEngine chaos({});
  chaos.configure(nlohmann::json::array({{{"service", "*"}, {"throttle_rate", 1.0}},
                                         {{"service", "monitoring"}, {"operation", "ListMetrics"}}}));
  EXPECT_FALSE(chaos.before(request_of("monitoring", "ListMetrics", WireProtocol::Query)).has_value());
  EXPECT_TRUE(chaos.before(request_of("monitoring", "GetMetricData", WireProtocol::Query)).has_value());
  EXPECT_TRUE(chaos.before(request_of("sns", "Publish", WireProtocol::Query)).has_value());
}

TEST(ChaosEngine, AwsQuotasThrottleAboveTheRate) {
  ChaosOptions options;
  options.aws_quotas = true;
  ChaosEngine chaos(options);
  const auto put = request_of("monitoring", "PutMetricAlarm", WireProtocol::Query);
  int ok = 0;
  for (int i = 0; i < 10; ++i) ok += chaos.before(put).has_value() ? 0 : 1;
  EXPECT_EQ(ok, 3);   // burst = 3 TPS, the rest within the same instant throttled
  EXPECT_EQ(chaos.counters()["quota_throttled"], 7);
  // Unlimited operations pass.
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(chaos.before(request_of("sns", "Publish", WireProtocol::Query)));
}

TEST(ChaosEngine, PostedQuotaAndClear) {
  ChaosEngine chaos({});
  chaos.configure({{"quotas", {{{"service", "ssm"}, {"operation", "*"}, {"tps", 2}}}}});
  const auto r = request_of("ssm", "DescribeInstanceInformation", WireProtocol::Json11);
  EXPECT_FALSE(chaos.before(r));
  EXPECT_FALSE(chaos.before(r));
  EXPECT_TRUE(chaos.before(r));
  chaos.clear();
  EXPECT_FALSE(chaos.before(r));
  EXPECT_TRUE(chaos.to_json()["quotas"].empty());
}

TEST(ChaosEngine, BadRulesAreRefusedWithTheField) {
  ChaosEngine chaos({});
  try {
    chaos.configure({{"rules", {{{"throttle_rate", 2}}}}});
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("throttle_rate"), std::string::npos);
  }
  EXPECT_THROW(chaos.configure({{"rules", {{{"bogus", 1}}}}}), std::invalid_argument);
  EXPECT_THROW(chaos.configure("text"), std::invalid_argument);
  EXPECT_THROW(chaos.configure({{"quotas", {{{"service", "ssm"}, {"tps", 0}}}}}), std::invalid_argument);
}

TEST(ChaosEngine, AfterSkewsTruncatesAndCorrupts) {
  ChaosEngine chaos({});
  chaos.configure({{"rules", {{{"skew_seconds", -900}, {"malformed_rate", 1.0}}}}});
  const auto r = request_of("ssm", "X", WireProtocol::Json11);
  Response response;
  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  response.headers.emplace_back("Date", aws::format_http_date(t0));
  response.body = R"({"InstanceInformationList":[]})";
  chaos.after(r, response);
  EXPECT_EQ(*aws::find_header(response.headers, "Date"), aws::format_http_date(t0 - std::chrono::seconds(900)));
  EXPECT_TRUE(nlohmann::json::parse(response.body, nullptr, false).is_discarded());

  chaos.configure({{"rules", {{{"drop_rate", 1.0}}}}});
  Response dropped;
  dropped.body = "x";
  chaos.after(r, dropped);
  EXPECT_EQ(*aws::find_header(dropped.headers, kChaosConnectionHeader), "drop");
  const auto counters = chaos.counters();
  EXPECT_EQ(counters["skewed"], 1);
  EXPECT_EQ(counters["malformed"], 1);
  EXPECT_EQ(counters["dropped"], 1);
}

TEST(ChaosEngine, LatencyFromFlagsDelays) {
  ChaosOptions options;
  options.latency_ms = 20;
  ChaosEngine chaos(options);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(chaos.before(request_of("ssm", "X", WireProtocol::Json11)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(20));
  EXPECT_EQ(chaos.counters()["delayed"], 1);
}

}  // namespace
}  // namespace pingwatch::local
