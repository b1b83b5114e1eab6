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

// The fields of an alarm that pingwatch sets and that DescribeAlarms returns (so drift is comparable).
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

struct AlarmSpecOptions {
  std::string alarm_prefix = "ssm-agent-";
  std::string namespace_ = "SSM Agent";
  std::string metric_name = "Status";
  std::string dimension_name = "Per-Instance Metrics";
  std::string topic_arn;                    // AlarmActions = [topic_arn] (the post's CWAlarmSNSTopic)
  std::vector<std::string> ok_actions;      // e.g. [topic_arn] for recovery mails; empty as in the post
  std::string statistic = "Maximum";
  int period = 60;
  int evaluation_periods = 1;
  int datapoints_to_alarm = 1;
  double threshold = 1.0;
  std::string comparison_operator = "GreaterThanOrEqualToThreshold";
  std::string treat_missing_data = "missing";
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
