#include "local/cloudwatch/alarm_notification.h"

#include <cctype>
#include <cstdio>
#include <map>

#include "local/cloudwatch/alarm_evaluation.h"
#include "local/cloudwatch/formatting.h"
#include "local/sns/wire_util.h"

namespace pingwatch::local::cloudwatch {
namespace {

using Ordered = nlohmann::ordered_json;

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The console link percent-encodes the alarm name (UTF-8 bytes, RFC 3986 unreserved kept).
std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string bracketed(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " [" : "[") + items[i] + "]";
  return out;
}

std::string pad(const std::string& label, size_t width) {
  return label.size() >= width ? label : label + std::string(width - label.size(), ' ');
}

}  // namespace

std::string region_display_name(const std::string& region) {
  static const std::map<std::string, std::string> names = {
      {"us-east-1", "US East (N. Virginia)"},      {"us-east-2", "US East (Ohio)"},
      {"us-west-1", "US West (N. California)"},    {"us-west-2", "US West (Oregon)"},
      {"af-south-1", "Africa (Cape Town)"},        {"ap-east-1", "Asia Pacific (Hong Kong)"},
      {"ap-south-1", "Asia Pacific (Mumbai)"},     {"ap-south-2", "Asia Pacific (Hyderabad)"},
      {"ap-northeast-1", "Asia Pacific (Tokyo)"},  {"ap-northeast-2", "Asia Pacific (Seoul)"},
      {"ap-northeast-3", "Asia Pacific (Osaka)"},  {"ap-southeast-1", "Asia Pacific (Singapore)"},
      {"ap-southeast-2", "Asia Pacific (Sydney)"}, {"ap-southeast-3", "Asia Pacific (Jakarta)"},
      {"ap-southeast-4", "Asia Pacific (Melbourne)"}, {"ca-central-1", "Canada (Central)"},
      {"ca-west-1", "Canada West (Calgary)"},      {"eu-central-1", "EU (Frankfurt)"},
      {"eu-central-2", "EU (Zurich)"},             {"eu-west-1", "EU (Ireland)"},
      {"eu-west-2", "EU (London)"},                {"eu-west-3", "EU (Paris)"},
      {"eu-north-1", "EU (Stockholm)"},            {"eu-south-1", "EU (Milan)"},
      {"eu-south-2", "EU (Spain)"},                {"il-central-1", "Israel (Tel Aviv)"},
      {"me-south-1", "Middle East (Bahrain)"},     {"me-central-1", "Middle East (UAE)"},
      {"sa-east-1", "South America (Sao Paulo)"},  {"us-gov-west-1", "AWS GovCloud (US-West)"},
      {"us-gov-east-1", "AWS GovCloud (US-East)"}, {"cn-north-1", "China (Beijing)"},
      {"cn-northwest-1", "China (Ningxia)"},
  };
  auto it = names.find(region);
  return it == names.end() ? region : it->second;
}

std::string notification_subject(const StateChange& change) {
  std::string subject = change.new_state + ": \"" + change.alarm->definition.name + "\" in " + region_display_name(change.region);
  // SNS refuses subjects of 100 characters or more.
  if (subject.size() > 99) subject.resize(99);
  return subject;
}

std::string notification_json(const StateChange& change) {
  const AlarmDefinition& d = change.alarm->definition;
  Ordered message;
  message["AlarmName"] = d.name;
  message["AlarmDescription"] = d.description ? Ordered(*d.description) : Ordered(nullptr);
  message["AWSAccountId"] = change.account_id;
  message["AlarmConfigurationUpdatedTimestamp"] = wire::iso8601_millis_offset(change.alarm->configuration_updated);
  message["NewStateValue"] = change.new_state;
  message["NewStateReason"] = change.reason;
  message["StateChangeTime"] = wire::iso8601_millis_offset(change.time);
  message["Region"] = region_display_name(change.region);
  message["AlarmArn"] = change.alarm->arn;
  message["OldStateValue"] = change.old_state;
  message["OKActions"] = d.ok_actions;
  message["AlarmActions"] = d.alarm_actions;
  message["InsufficientDataActions"] = d.insufficient_data_actions;
  Ordered trigger;
  trigger["MetricName"] = d.metric_name;
  trigger["Namespace"] = d.namespace_;
  if (d.extended_statistic) {
    trigger["StatisticType"] = "ExtendedStatistic";
    trigger["ExtendedStatistic"] = *d.extended_statistic;
  } else {
    trigger["StatisticType"] = "Statistic";
    trigger["Statistic"] = upper(d.statistic.value_or("Average"));
  }
  trigger["Unit"] = d.unit ? Ordered(*d.unit) : Ordered(nullptr);
  auto dims = Ordered::array();
  for (const auto& [name, value] : d.dimensions) {
    Ordered dim;
    dim["value"] = value;
    dim["name"] = name;
    dims.push_back(dim);
  }
  trigger["Dimensions"] = dims;
  trigger["Period"] = d.period;
  trigger["EvaluationPeriods"] = d.evaluation_periods;
  if (d.datapoints_to_alarm) trigger["DatapointsToAlarm"] = *d.datapoints_to_alarm;
  trigger["ComparisonOperator"] = d.comparison_operator;
  trigger["Threshold"] = d.threshold;
  trigger["TreatMissingData"] = d.missing_data_treatment();
  trigger["EvaluateLowSampleCountPercentile"] = d.evaluate_low_sample_count_percentile.value_or("");
  message["Trigger"] = trigger;
  return message.dump();
}

std::string notification_email(const StateChange& change) {
  const AlarmDefinition& d = change.alarm->definition;
  const std::string region_name = region_display_name(change.region);
  const std::string when = email_timestamp(change.time);
  std::string dims;
  for (size_t i = 0; i < d.dimensions.size(); ++i)
    dims += (i ? " [" : "[") + d.dimensions[i].first + " = " + d.dimensions[i].second + "]";
  const size_t detail = 30;   // "- Reason for State Change:    " is 30 wide
  const size_t metric = 39;   // "- MetricNamespace:                     " is 39 wide

  std::string out;
  out += "You are receiving this email because your Amazon CloudWatch Alarm \"" + d.name + "\" in the " + region_name +
         " region has entered the " + change.new_state + " state, because \"" + change.reason + "\" at \"" + when + "\".\n\n";
  out += "View this alarm in the AWS Management Console:\n";
  out += "https://" + change.region + ".console.aws.amazon.com/cloudwatch/deeplink.js?region=" + change.region +
         "#alarmsV2:alarm/" + url_encode(d.name) + "\n\n";
  out += "Alarm Details:\n";
  out += pad("- Name:", detail) + d.name + "\n";
  out += pad("- Description:", detail) + d.description.value_or("") + "\n";
  out += pad("- State Change:", detail) + change.old_state + " -> " + change.new_state + "\n";
  out += pad("- Reason for State Change:", detail) + change.reason + "\n";
  out += pad("- Timestamp:", detail) + when + "\n";
  out += pad("- AWS Account:", detail) + change.account_id + "\n";
  out += pad("- Alarm Arn:", detail) + change.alarm->arn + "\n\n";
  out += "Threshold:\n";
  out += "- The alarm is in the ALARM state when the metric is " + d.comparison_operator + " " + java_double(d.threshold) +
         " for at least " + std::to_string(d.datapoints_required()) + " of the last " + std::to_string(d.evaluation_periods) +
         " period(s) of " + std::to_string(d.period) + " seconds.\n\n";
  out += "Monitored Metric:\n";
  out += pad("- MetricNamespace:", metric) + d.namespace_ + "\n";
  out += pad("- MetricName:", metric) + d.metric_name + "\n";
  out += pad("- Dimensions:", metric) + dims + "\n";
  out += pad("- Period:", metric) + std::to_string(d.period) + " seconds\n";
  out += pad("- Statistic:", metric) + (d.extended_statistic ? *d.extended_statistic : d.statistic.value_or("Average")) + "\n";
  out += pad("- Unit:", metric) + (d.unit ? *d.unit : std::string("not specified")) + "\n";
  out += pad("- TreatMissingData:", metric) + d.missing_data_treatment() + "\n\n\n";
  out += "State Change Actions:\n";
  out += "- OK: " + bracketed(d.ok_actions) + "\n";
  out += "- ALARM: " + bracketed(d.alarm_actions) + "\n";
  out += "- INSUFFICIENT_DATA: " + bracketed(d.insufficient_data_actions) + "\n";
  return out;
}

std::string notification_message_structure(const StateChange& change) {
  Ordered structure;
  structure["default"] = notification_json(change);
  structure["email"] = notification_email(change);
  return structure.dump();
}

}  // namespace pingwatch::local::cloudwatch
