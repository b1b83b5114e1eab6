// The alarm notification of the post (shared/seed, section 検証してみた) and of aws-facts.md, byte for byte.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "local/cloudwatch/alarm_notification.h"

using namespace pingwatch::local::cloudwatch;

namespace {

Alarm post_alarm() {
  Alarm a;
  auto& d = a.definition;
  d.name = "ssm-agent-i-0572676272d863124";
  d.alarm_actions = {"arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping"};
  d.namespace_ = "SSM Agent";
  d.metric_name = "Status";
  d.statistic = "Maximum";
  d.dimensions = {{"Per-Instance Metrics", "i-0572676272d863124"}};
  d.period = 60;
  d.evaluation_periods = 1;
  d.datapoints_to_alarm = 1;
  d.threshold = 1.0;
  d.comparison_operator = "GreaterThanOrEqualToThreshold";
  d.treat_missing_data = "missing";
  a.arn = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ssm-agent-i-0572676272d863124";
  a.configuration_updated = 1712910001.123;   // 2024-04-12T08:20:01.123Z
  return a;
}

const char* kReason =
    "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/04/24 08:27:00)] was greater than or equal to the "
    "threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).";

StateChange post_change(const Alarm& alarm) {
  return StateChange{&alarm, "123456789012", "ap-northeast-1", "OK", "ALARM", kReason, 1712910506.456};
}

std::string collapse_whitespace(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

TEST(CloudWatchNotification, SubjectAsThePostReceivedIt) {
  Alarm alarm = post_alarm();
  EXPECT_EQ(notification_subject(post_change(alarm)), "ALARM: \"ssm-agent-i-0572676272d863124\" in Asia Pacific (Tokyo)");
}

TEST(CloudWatchNotification, EmailMatchesThePostWordForWord) {
  // The post shows the email with its line breaks collapsed; compare in that form, byte for byte.
  Alarm alarm = post_alarm();
  const std::string expected =
      "You are receiving this email because your Amazon CloudWatch Alarm \"ssm-agent-i-0572676272d863124\" in the Asia "
      "Pacific (Tokyo) region has entered the ALARM state, because \"Threshold Crossed: 1 out of the last 1 datapoints "
      "[1.0 (12/04/24 08:27:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM "
      "transition).\" at \"Friday 12 April, 2024 08:28:26 UTC\". View this alarm in the AWS Management Console: "
      "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/deeplink.js?region=ap-northeast-1#alarmsV2:alarm/"
      "ssm-agent-i-0572676272d863124 Alarm Details: - Name: ssm-agent-i-0572676272d863124 - Description: - State Change: "
      "OK -> ALARM - Reason for State Change: Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/04/24 08:27:00)] "
      "was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition). - Timestamp: "
      "Friday 12 April, 2024 08:28:26 UTC - AWS Account: 123456789012 - Alarm Arn: "
      "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ssm-agent-i-0572676272d863124 Threshold: - The alarm is in the "
      "ALARM state when the metric is GreaterThanOrEqualToThreshold 1.0 for at least 1 of the last 1 period(s) of 60 "
      "seconds. Monitored Metric: - MetricNamespace: SSM Agent - MetricName: Status - Dimensions: [Per-Instance Metrics = "
      "i-0572676272d863124] - Period: 60 seconds - Statistic: Maximum - Unit: not specified - TreatMissingData: missing "
      "State Change Actions: - OK: - ALARM: [arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping] - INSUFFICIENT_DATA:";
  EXPECT_EQ(collapse_whitespace(notification_email(post_change(alarm))), expected);
}

TEST(CloudWatchNotification, EmailLayoutAsAwsRendersIt) {
  Alarm alarm = post_alarm();
  std::string email = notification_email(post_change(alarm));
  EXPECT_NE(email.find("\".\n\nView this alarm in the AWS Management Console:\nhttps://"), std::string::npos);
  EXPECT_NE(email.find("\n\nAlarm Details:\n- Name:                       ssm-agent-i-0572676272d863124\n"
                       "- Description:                \n- State Change:               OK -> ALARM\n"),
            std::string::npos);
  EXPECT_NE(email.find("- Timestamp:                  Friday 12 April, 2024 08:28:26 UTC\n"
                       "- AWS Account:                123456789012\n"),
            std::string::npos);
  EXPECT_NE(email.find("\n\nMonitored Metric:\n- MetricNamespace:                     SSM Agent\n"
                       "- MetricName:                          Status\n"),
            std::string::npos);
  EXPECT_NE(email.find("- TreatMissingData:                    missing\n\n\nState Change Actions:\n- OK: \n"
                       "- ALARM: [arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping]\n- INSUFFICIENT_DATA: \n"),
            std::string::npos);
  EXPECT_EQ(email.substr(email.size() - 22), "- INSUFFICIENT_DATA: \n");
}

TEST(CloudWatchNotification, JsonMessageFieldsAndOrderAsAwsFacts) {
  Alarm alarm = post_alarm();
  const std::string expected =
      "{\"AlarmName\":\"ssm-agent-i-0572676272d863124\",\"AlarmDescription\":null,\"AWSAccountId\":\"123456789012\","
      "\"AlarmConfigurationUpdatedTimestamp\":\"2024-04-12T08:20:01.123+0000\",\"NewStateValue\":\"ALARM\","
      "\"NewStateReason\":\"Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/04/24 08:27:00)] was greater than "
      "or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).\","
      "\"StateChangeTime\":\"2024-04-12T08:28:26.456+0000\",\"Region\":\"Asia Pacific (Tokyo)\","
      "\"AlarmArn\":\"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ssm-agent-i-0572676272d863124\","
      "\"OldStateValue\":\"OK\",\"OKActions\":[],\"AlarmActions\":[\"arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping\"],"
      "\"InsufficientDataActions\":[],"
      "\"Trigger\":{\"MetricName\":\"Status\",\"Namespace\":\"SSM Agent\",\"StatisticType\":\"Statistic\",\"Statistic\":\"MAXIMUM\","
      "\"Unit\":null,\"Dimensions\":[{\"value\":\"i-0572676272d863124\",\"name\":\"Per-Instance Metrics\"}],\"Period\":60,"
      "\"EvaluationPeriods\":1,\"DatapointsToAlarm\":1,\"ComparisonOperator\":\"GreaterThanOrEqualToThreshold\","
      "\"Threshold\":1.0,\"TreatMissingData\":\"missing\",\"EvaluateLowSampleCountPercentile\":\"\"}}";
  EXPECT_EQ(notification_json(post_change(alarm)), expected);
}

TEST(CloudWatchNotification, MessageStructureCarriesBothRenderings) {
  Alarm alarm = post_alarm();
  auto structure = nlohmann::json::parse(notification_message_structure(post_change(alarm)));
  EXPECT_EQ(structure["default"].get<std::string>(), notification_json(post_change(alarm)));
  EXPECT_EQ(structure["email"].get<std::string>(), notification_email(post_change(alarm)));
}

TEST(CloudWatchNotification, RecoveryAndLongNamesAndRegions) {
  Alarm alarm = post_alarm();
  alarm.definition.name = std::string(120, 'n');
  StateChange change{&alarm, "123456789012", "us-east-1", "ALARM", "OK", "r", 0};
  std::string subject = notification_subject(change);
  EXPECT_EQ(subject.rfind("OK: \"nnn", 0), 0u);
  EXPECT_LT(subject.size(), 100u);
  EXPECT_EQ(region_display_name("us-east-1"), "US East (N. Virginia)");
  EXPECT_EQ(region_display_name("eu-west-1"), "EU (Ireland)");
  alarm.definition.name = "a b/é";
  EXPECT_NE(notification_email(change).find("#alarmsV2:alarm/a%20b%2F%C3%A9\n"), std::string::npos);
}
