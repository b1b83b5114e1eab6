// Alarm evaluation against the examples of the CloudWatch user guide and the reasons AWS writes
// (shared/docs/aws-facts.md, "Alarm evaluation").
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "local/cloudwatch/alarm_evaluation.h"

using namespace pingwatch::local::cloudwatch;

namespace {

constexpr double kMinute = 60;
constexpr double k0828 = 1712910480;   // 2024-04-12T08:28:00Z

AlarmDefinition alarm_with(int n, std::optional<int> m, const std::string& treatment) {
  AlarmDefinition d;
  d.name = "ssm-agent-i-0572676272d863124";
  d.namespace_ = "SSM Agent";
  d.metric_name = "Status";
  d.statistic = "Maximum";
  d.dimensions = {{"Per-Instance Metrics", "i-0572676272d863124"}};
  d.period = 60;
  d.evaluation_periods = n;
  d.datapoints_to_alarm = m;
  d.threshold = 1.0;
  d.comparison_operator = "GreaterThanOrEqualToThreshold";
  d.treat_missing_data = treatment;
  return d;
}

// pattern: oldest period first, as the user guide draws it; '0' = not breaching (0.0), 'X' = breaching (1.0),
// '-' = missing. The newest period is the one that ended at `boundary`.
std::vector<PeriodDatapoint> range_of(const std::string& pattern, double boundary = k0828) {
  std::vector<PeriodDatapoint> range;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[pattern.size() - 1 - i];
    PeriodDatapoint p;
    p.start = boundary - static_cast<double>(i + 1) * kMinute;
    if (c != '-') {
      p.value = c == 'X' ? 1.0 : 0.0;
      p.sample_count = 1;
    }
    range.push_back(p);
  }
  return range;
}

std::string outcome(const std::string& pattern, const std::string& treatment, const std::string& current = "OK") {
  auto e = evaluate_alarm(alarm_with(3, 3, treatment), range_of(pattern), current, k0828 + 5);
  return e.keep_state ? "retain" : e.state;
}

}  // namespace

TEST(CloudWatchEvaluation, UserGuideTableMissing) {
  EXPECT_EQ(outcome("0-X-X", "missing"), "OK");
  EXPECT_EQ(outcome("-----", "missing"), "INSUFFICIENT_DATA");
  EXPECT_EQ(outcome("0XX-X", "missing"), "ALARM");
  EXPECT_EQ(outcome("--X--", "missing"), "ALARM");   // premature-alarm rule
}

TEST(CloudWatchEvaluation, UserGuideTableIgnore) {
  EXPECT_EQ(outcome("0-X-X", "ignore"), "OK");
  EXPECT_EQ(outcome("-----", "ignore"), "retain");
  EXPECT_EQ(outcome("0XX-X", "ignore"), "ALARM");
  EXPECT_EQ(outcome("--X--", "ignore"), "retain");
}

TEST(CloudWatchEvaluation, UserGuideTableBreaching) {
  EXPECT_EQ(outcome("0-X-X", "breaching"), "OK");
  EXPECT_EQ(outcome("-----", "breaching"), "ALARM");
  EXPECT_EQ(outcome("0XX-X", "breaching"), "ALARM");
  EXPECT_EQ(outcome("--X--", "breaching"), "ALARM");
}

TEST(CloudWatchEvaluation, UserGuideTableNotBreaching) {
  EXPECT_EQ(outcome("0-X-X", "notBreaching"), "OK");
  EXPECT_EQ(outcome("-----", "notBreaching"), "OK");
  EXPECT_EQ(outcome("0XX-X", "notBreaching"), "ALARM");
  EXPECT_EQ(outcome("--X--", "notBreaching"), "OK");
}

TEST(CloudWatchEvaluation, OneNonBreachingPointMakesAlarmUnreachable) {
  // "0----": even if both missing points breached, 3 of 3 is out of reach.
  EXPECT_EQ(outcome("0----", "missing"), "OK");
  EXPECT_EQ(outcome("0----", "ignore"), "OK");
}

TEST(CloudWatchEvaluation, PrematureAlarmNeedsTheOldestBreachToBeMPeriodsOld) {
  EXPECT_EQ(outcome("----X", "missing", "OK"), "retain");   // 1 period old: too early to alarm
  EXPECT_EQ(outcome("---X-", "missing", "OK"), "retain");   // 2 periods old
  EXPECT_EQ(outcome("-X-X-", "missing", "OK"), "ALARM");    // oldest 4 periods old, newer ones breach or are missing
  EXPECT_EQ(outcome("-XX0-", "ignore", "OK"), "OK");        // real points 3 >= N: newest three are X X 0
}

TEST(CloudWatchEvaluation, NewestNRealDatapointsAreUsedWhenThereAreEnough) {
  // Five real points: only the newest three count.
  EXPECT_EQ(outcome("XX000", "missing"), "OK");
  EXPECT_EQ(outcome("00XXX", "missing"), "ALARM");
}

TEST(CloudWatchEvaluation, ThePostsAlarmReasonExactly) {
  auto d = alarm_with(1, 1, "missing");
  // Status 1.0 in the period 08:27:00-08:28:00, evaluated just after 08:28.
  auto e = evaluate_alarm(d, range_of("--X"), "OK", 1712910506.456);
  EXPECT_EQ(e.state, "ALARM");
  EXPECT_EQ(e.reason,
            "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/04/24 08:27:00)] was greater than or equal to "
            "the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).");
  auto data = nlohmann::json::parse(e.reason_data);
  EXPECT_EQ(e.reason_data,
            "{\"version\":\"1.0\",\"queryDate\":\"2024-04-12T08:28:26.456+0000\",\"startDate\":\"2024-04-12T08:27:00.000+0000\","
            "\"statistic\":\"Maximum\",\"period\":60,\"recentDatapoints\":[1.0],\"threshold\":1.0,"
            "\"evaluatedDatapoints\":[{\"timestamp\":\"2024-04-12T08:27:00.000+0000\",\"sampleCount\":1.0,\"value\":1.0}]}");
}

TEST(CloudWatchEvaluation, OkReasonFromInsufficientData) {
  auto d = alarm_with(1, 1, "missing");
  double boundary = 1712910960;   // 08:36:00, the period 08:35 is the newest
  auto e = evaluate_alarm(d, range_of("--0", boundary), "INSUFFICIENT_DATA", boundary + 3);
  EXPECT_EQ(e.state, "OK");
  EXPECT_EQ(e.reason, "Threshold Crossed: 1 datapoint [0.0 (12/04/24 08:35:00)] was not greater than or equal to the threshold (1.0).");
}

TEST(CloudWatchEvaluation, OkReasonFromAlarmNamesTheAlarmToOkTransition) {
  auto d = alarm_with(1, 1, "missing");
  auto e = evaluate_alarm(d, range_of("--0"), "ALARM", k0828 + 3);
  EXPECT_EQ(e.state, "OK");
  EXPECT_EQ(e.reason,
            "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (12/04/24 08:27:00)] was not greater than or equal to "
            "the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).");
}

TEST(CloudWatchEvaluation, BreachingMissingDataReason) {
  auto d = alarm_with(2, std::nullopt, "breaching");
  auto e = evaluate_alarm(d, range_of("----"), "OK", k0828 + 3);
  EXPECT_EQ(e.state, "ALARM");
  EXPECT_EQ(e.reason, "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].");
  auto ok = evaluate_alarm(alarm_with(2, std::nullopt, "notBreaching"), range_of("----"), "ALARM", k0828 + 3);
  EXPECT_EQ(ok.state, "OK");
  EXPECT_EQ(ok.reason, "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching].");
}

TEST(CloudWatchEvaluation, InsufficientDataReason) {
  auto e = evaluate_alarm(alarm_with(1, 1, "missing"), range_of("---"), "ALARM", k0828 + 3);
  EXPECT_EQ(e.state, "INSUFFICIENT_DATA");
  EXPECT_EQ(e.reason, "Insufficient Data: 1 datapoint was unknown.");
  auto five = evaluate_alarm(alarm_with(5, std::nullopt, "missing"), range_of("-------"), "OK", k0828 + 3);
  EXPECT_EQ(five.reason, "Insufficient Data: 5 datapoints were unknown.");
  auto data = nlohmann::json::parse(five.reason_data);
  EXPECT_EQ(data["recentDatapoints"].size(), 0u);
  EXPECT_EQ(data["evaluatedDatapoints"].size(), 5u);
  EXPECT_FALSE(data.contains("startDate"));
}

TEST(CloudWatchEvaluation, MOfNReasonListsTheBreachingDatapointsNewestFirst) {
  auto d = alarm_with(4, 2, "missing");
  // oldest -> newest: 0 X 0 X (periods 08:24 .. 08:27)
  auto e = evaluate_alarm(d, range_of("--0X0X"), "OK", k0828 + 3);
  EXPECT_EQ(e.state, "ALARM");
  EXPECT_EQ(e.reason,
            "Threshold Crossed: 2 out of the last 4 datapoints [1.0 (12/04/24 08:27:00), 1.0 (12/04/24 08:25:00)] were greater "
            "than or equal to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).");
}

TEST(CloudWatchEvaluation, PartialFillReasonNamesTheTreatedDatapoints) {
  auto d = alarm_with(3, 1, "notBreaching");
  auto e = evaluate_alarm(d, range_of("----X"), "OK", k0828 + 3);
  EXPECT_EQ(e.state, "ALARM");
  EXPECT_EQ(e.reason,
            "Threshold Crossed: 1 out of the last 3 datapoints [1.0 (12/04/24 08:27:00)] was greater than or equal to the "
            "threshold (1.0) and 2 missing datapoints were treated as [NonBreaching] (minimum 1 datapoint for OK -> ALARM transition).");
}

TEST(CloudWatchEvaluation, ComparisonOperatorsAndAverageFormatting) {
  auto d = alarm_with(1, 1, "missing");
  d.comparison_operator = "LessThanThreshold";
  d.statistic = "Average";
  std::vector<PeriodDatapoint> range = range_of("---");
  range[0].value = 54.4 / 15.0;
  range[0].sample_count = 15;
  auto e = evaluate_alarm(d, range, "ALARM", k0828 + 3);
  EXPECT_EQ(e.state, "OK");
  EXPECT_EQ(e.reason,
            "Threshold Crossed: 1 out of the last 1 datapoints [3.6266666666666665 (12/04/24 08:27:00)] was not less than the "
            "threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).");
  EXPECT_TRUE(breaches("GreaterThanThreshold", 2, 1));
  EXPECT_FALSE(breaches("GreaterThanThreshold", 1, 1));
  EXPECT_TRUE(breaches("LessThanOrEqualToThreshold", 1, 1));
  EXPECT_EQ(evaluation_range_size(3), 5);
}
