#pragma once
// A metric alarm as PutMetricAlarm defines it and as DescribeAlarms reports it.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "local/cloudwatch/metric_store.h"

namespace pingwatch::local::cloudwatch {

struct AlarmDefinition {
  std::string name;
  std::optional<std::string> description;
  bool actions_enabled = true;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  std::string metric_name;
  std::string namespace_;
  std::optional<std::string> statistic;            // SampleCount | Average | Sum | Minimum | Maximum
  std::optional<std::string> extended_statistic;   // pNN(.NN)
  Dimensions dimensions;                           // in the order given
  long long period = 60;
  std::optional<std::string> unit;
  int evaluation_periods = 1;
  std::optional<int> datapoints_to_alarm;
  double threshold = 0;
  std::string comparison_operator;
  std::optional<std::string> treat_missing_data;
  std::optional<std::string> evaluate_low_sample_count_percentile;

  int datapoints_required() const { return datapoints_to_alarm.value_or(evaluation_periods); }
  std::string missing_data_treatment() const { return treat_missing_data.value_or("missing"); }
};

struct AlarmStatus {
  std::string value = "INSUFFICIENT_DATA";
  std::string reason = "Unchecked: Initial alarm creation";
  std::string reason_data;        // JSON text, empty when none
  double updated = 0;             // StateUpdatedTimestamp
  double transitioned = 0;        // StateTransitionedTimestamp
};

struct Alarm {
  AlarmDefinition definition;
  std::string arn;
  double configuration_updated = 0;
  AlarmStatus status;
  std::vector<std::pair<std::string, std::string>> tags;
  double last_evaluated = -1;     // the boundary (simulated epoch seconds) of the latest evaluation
};

}  // namespace pingwatch::local::cloudwatch
