#pragma once
// The alarm pingwatch keeps for one managed node: the post's LambdaCreateCWAlarm parameters by default
// (ssm-agent-<id>, SSM Agent/Status/Per-Instance Metrics, Maximum, 60 s, 1 of 1, >= 1.0, missing),
// plus a description that marks the alarm as pingwatch's so orphans can be deleted safely.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metric_batch.h"

namespace pingwatch::core {

inline constexpr std::string_view kDefaultAlarmPrefix = "ssm-agent-";

// The metric publish writes and the alarms watch (the post's names): one default for both ([metric]).
struct NodeMetric {
  std::string namespace_ = "SSM Agent";
  std::string metric_name = "Status";
  std::string dimension_name = "Per-Instance Metrics";
};

// How an alarm judges the metric: the post's LambdaCreateCWAlarm parameters are the defaults, one place for them
// ([alarm] in monitor/config.h is this, read from the config).
struct AlarmRule {
  std::string statistic = "Maximum";
  int period = 60;
  int evaluation_periods = 1;
  int datapoints_to_alarm = 1;
  double threshold = 1.0;
  std::string comparison_operator = "GreaterThanOrEqualToThreshold";
  std::string treat_missing_data = "missing";
};

// The fields of an alarm that pingwatch sets and that DescribeAlarms returns (so drift is comparable).
// A new field: its member here and one line in for_each_alarm_field (and, if it has a default, in AlarmRule).
struct AlarmSpec {
  std::string alarm_name;
  std::string alarm_description;
  bool actions_enabled = true;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  std::string namespace_;
  std::string metric_name;
  std::vector<MetricDimension> dimensions;
  std::string statistic;
  int period = 0;
  int evaluation_periods = 0;
  std::optional<int> datapoints_to_alarm;
  double threshold = 0;
  std::string comparison_operator;
  std::string treat_missing_data;
  std::vector<std::pair<std::string, std::string>> tags;   // only sent on create; DescribeAlarms does not return them
};

// The rule's fields, visited in pairs of like-named members of `a` and `b` (any two types that have them):
// visit(PutMetricAlarm's name for the field, a's member, b's member).
template <class A, class B, class Visit>
void for_each_rule_field(A& a, B& b, Visit&& visit) {
  visit("Statistic", a.statistic, b.statistic);
  visit("Period", a.period, b.period);
  visit("EvaluationPeriods", a.evaluation_periods, b.evaluation_periods);
  visit("DatapointsToAlarm", a.datapoints_to_alarm, b.datapoints_to_alarm);
  visit("Threshold", a.threshold, b.threshold);
  visit("ComparisonOperator", a.comparison_operator, b.comparison_operator);
  visit("TreatMissingData", a.treat_missing_data, b.treat_missing_data);
}

// Every AlarmSpec field but tags, in PutMetricAlarm's order: drift, the memo's fingerprint and the translations
// to and from CloudWatch's types (monitor/sync_alarms.cpp) all walk this one list.
template <class A, class B, class Visit>
void for_each_alarm_field(A& a, B& b, Visit&& visit) {
  visit("AlarmName", a.alarm_name, b.alarm_name);
  visit("AlarmDescription", a.alarm_description, b.alarm_description);
  visit("ActionsEnabled", a.actions_enabled, b.actions_enabled);
  visit("OKActions", a.ok_actions, b.ok_actions);
  visit("AlarmActions", a.alarm_actions, b.alarm_actions);
  visit("InsufficientDataActions", a.insufficient_data_actions, b.insufficient_data_actions);
  visit("Namespace", a.namespace_, b.namespace_);
  visit("MetricName", a.metric_name, b.metric_name);
  visit("Dimensions", a.dimensions, b.dimensions);
  for_each_rule_field(a, b, visit);
}

// What one node's alarm is made of: the rule, the metric, the name prefix and whom it notifies.
struct AlarmSpecOptions : AlarmRule, NodeMetric {
  std::string alarm_prefix{kDefaultAlarmPrefix};
  std::string topic_arn;                    // AlarmActions = [topic_arn] (the post's CWAlarmSNSTopic)
  std::vector<std::string> ok_actions;      // e.g. [topic_arn] for recovery mails; empty as in the post
};

// Every alarm pingwatch creates starts its description with this and carries the tag managed-by=pingwatch.
inline constexpr std::string_view kManagedDescriptionPrefix = "Managed by pingwatch: ";
inline constexpr std::string_view kManagedTagKey = "managed-by";
inline constexpr std::string_view kManagedTagValue = "pingwatch";

std::string alarm_name_for(std::string_view instance_id, std::string_view prefix);
// The instance id an alarm name refers to, or nullopt when the name lacks the prefix.
std::optional<std::string> instance_id_from_alarm_name(std::string_view alarm_name, std::string_view prefix);
// Decided from the description alone, so no ListTagsForResource call per alarm is needed.
bool is_managed_by_pingwatch(std::string_view alarm_description);

AlarmSpec alarm_spec_for(std::string_view instance_id, const AlarmSpecOptions& options);

}  // namespace pingwatch::core
