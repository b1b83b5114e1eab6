// CloudWatch reads client timestamps by SimClock::client_times at --time-scale 60 (docs/local-stack.md "Time"):
// a wall-clock range or datum keeps its distance from now, a simulated one is taken as it is, and AWS's
// limits (1,440 datapoints, two weeks back, two hours ahead) count in the client's own distances.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "local/cloudwatch/cloudwatch_service.h"
#include "local/services.h"

using namespace pingwatch::local;
using nlohmann::json;

namespace {

constexpr double kHour = 3600;
constexpr double kDay = 86400;

// The stack started 10 wall minutes ago with sim start = now: the simulated clock is ~9 h 50 min ahead.
class CloudWatchClientTimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const double wall0 = SimClock::wall_now() - 600;
    context_.clock = std::make_shared<SimClock>(wall0, 60, wall0);
    context_.default_region = "us-east-1";
    service_ = make_cloudwatch_service(context_);
  }

  static double wall() { return SimClock::wall_now(); }
  double sim() const { return context_.clock->now(); }

  Request request(const std::string& op, json body) {
    Request r;
    r.method = "POST";
    r.path = "/";
    r.service = "monitoring";
    r.operation = op;
    r.protocol = WireProtocol::Json10;
    r.json = std::move(body);
    r.body = r.json.dump();
    r.region = "us-east-1";
    r.account_id = "123456789012";
    r.request_id = "req";
    return r;
  }

  json call(const std::string& op, json body) {
    Response response = service_->handle(request(op, std::move(body)));
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body);
  }

  std::string error_of(const std::string& op, json body) {
    try {
      service_->handle(request(op, std::move(body)));
    } catch (const ServiceError& e) {
      return e.what();
    }
    return "";
  }

  void put(double value, std::optional<double> timestamp) {
    json datum = {{"MetricName", "m"}, {"Value", value}};
    if (timestamp) datum["Timestamp"] = *timestamp;
    call("PutMetricData", {{"Namespace", "ns"}, {"MetricData", json::array({datum})}});
  }

  json statistics(double start, double end, int period) {
    return call("GetMetricStatistics", {{"Namespace", "ns"}, {"MetricName", "m"}, {"StartTime", start}, {"EndTime", end},
                                        {"Period", period}, {"Statistics", json::array({"Maximum"})}});
  }

  StackContext context_;
  std::unique_ptr<Service> service_;
};

}  // namespace

TEST_F(CloudWatchClientTimeTest, TheLastWallHourAtPeriod60IsAcceptedAndHoldsTheHoursData) {
  put(1, std::nullopt);               // stamped on receipt: simulated now
  put(2, wall() - 30 * 60);           // half an hour ago on the client's clock
  put(3, wall() - 2 * kHour);         // outside the hour
  auto out = statistics(wall() - kHour, wall(), 60);   // 60 datapoints, not 3,600
  std::vector<double> values;
  for (const auto& p : out["Datapoints"]) values.push_back(p["Maximum"].get<double>());
  EXPECT_EQ(values, (std::vector<double>{2, 1}));
  ASSERT_EQ(out["Datapoints"].size(), 2u);
  EXPECT_NEAR(out["Datapoints"][0]["Timestamp"].get<double>(), sim() - 30 * 60, 120);
}

TEST_F(CloudWatchClientTimeTest, GetMetricDataReadsTheWallRangeTheSameWay) {
  put(5, wall() - 20 * 60);
  auto out = call("GetMetricData", {{"StartTime", wall() - kHour}, {"EndTime", wall() + 60},
                                    {"MetricDataQueries", json::array({{{"Id", "q"},
                                                                        {"MetricStat", {{"Metric", {{"Namespace", "ns"}, {"MetricName", "m"}}},
                                                                                        {"Period", 60}, {"Stat", "Maximum"}}}}})}});
  auto result = out["MetricDataResults"].at(0);
  ASSERT_EQ(result["Values"], json::array({5.0}));
  EXPECT_NEAR(result["Timestamps"][0].get<double>(), sim() - 20 * 60, 120);
}

TEST_F(CloudWatchClientTimeTest, ADatumSixWallHoursOldLandsSixHoursBeforeSimulatedNow) {
  put(7, wall() - 6 * kHour);
  auto out = statistics(wall() - 7 * kHour, wall(), 300);
  ASSERT_EQ(out["Datapoints"].size(), 1u) << out.dump();
  EXPECT_NEAR(out["Datapoints"][0]["Timestamp"].get<double>(), sim() - 6 * kHour, 300 + 60);
}

TEST_F(CloudWatchClientTimeTest, TwoWeeksBackAndTwoHoursAheadCountInTheClientsDistances) {
  json data = json::array({{{"MetricName", "a"}, {"Value", 1}, {"Timestamp", wall() - 15 * kDay}},
                           {{"MetricName", "b"}, {"Value", 1}, {"Timestamp", wall() + 3 * kHour}}});
  EXPECT_EQ(error_of("PutMetricData", {{"Namespace", "ns"}, {"MetricData", data}}),
            "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.\n"
            "The parameter MetricData.member.2.Timestamp must specify a time no more than two hours in the future.");
  put(1, wall() - 13 * kDay);
  put(1, wall() + 1 * kHour);
}

TEST_F(CloudWatchClientTimeTest, SimulatedTimestampsAreTakenAsTheyAre) {
  put(4, sim() - 2 * kHour);   // a client stamping the stack's clock (its Date header)
  auto out = statistics(sim() - 3 * kHour, sim(), 60);
  ASSERT_EQ(out["Datapoints"].size(), 1u) << out.dump();
  EXPECT_NEAR(out["Datapoints"][0]["Timestamp"].get<double>(), sim() - 2 * kHour, 120);
}

TEST_F(CloudWatchClientTimeTest, AlarmHistoryRangesFollowTheSameRule) {
  call("PutMetricAlarm", {{"AlarmName", "a"}, {"MetricName", "m"}, {"Namespace", "ns"}, {"Statistic", "Maximum"},
                          {"Period", 60}, {"EvaluationPeriods", 1}, {"Threshold", 1.0},
                          {"ComparisonOperator", "GreaterThanOrEqualToThreshold"}});
  auto items = [&](double start, double end) {
    return call("DescribeAlarmHistory", {{"AlarmName", "a"}, {"StartDate", start}, {"EndDate", end}})["AlarmHistoryItems"].size();
  };
  EXPECT_EQ(items(wall() - 5 * 60, wall() + 60), 1u);        // wall clock: the last five minutes
  EXPECT_EQ(items(sim() - 5 * 60, sim() + 60), 1u);          // simulated clock: the same five minutes
  EXPECT_EQ(items(wall() - 2 * kHour, wall() - kHour), 0u);  // an hour before the creation
}

TEST_F(CloudWatchClientTimeTest, AlarmsEvaluateWallStampedDataAtSimulatedNow) {
  call("PutMetricAlarm", {{"AlarmName", "a"}, {"MetricName", "m"}, {"Namespace", "ns"}, {"Statistic", "Maximum"},
                          {"Period", 60}, {"EvaluationPeriods", 1}, {"Threshold", 1.0},
                          {"ComparisonOperator", "GreaterThanOrEqualToThreshold"}});
  put(1, wall());   // boto3 stamping datetime.now()
  const double minute_end = (std::floor(sim() / 60) + 1) * 60;
  service_->tick(minute_end + 1);
  auto alarm = call("DescribeAlarms", {{"AlarmNames", json::array({"a"})}})["MetricAlarms"].at(0);
  EXPECT_EQ(alarm["StateValue"], "ALARM") << alarm.dump();
}
