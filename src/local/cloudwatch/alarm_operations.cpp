// PutMetricAlarm, DescribeAlarms, DescribeAlarmHistory, DeleteAlarms, Enable/DisableAlarmActions,
// SetAlarmState, TagResource, UntagResource, ListTagsForResource.
#include <algorithm>
#include <cmath>
#include <regex>

#include "local/cloudwatch/cloudwatch_service.h"
#include "local/tags.h"
#include "local/cloudwatch/formatting.h"
#include "local/cloudwatch/validation.h"

namespace pingwatch::local::cloudwatch {
namespace {

using Ordered = nlohmann::ordered_json;

const std::vector<std::string> kComparisonOperators = {
    "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold"};
const std::vector<std::string> kStatistics = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"};
const std::vector<std::string> kStates = {"OK", "ALARM", "INSUFFICIENT_DATA"};
const std::vector<std::string> kUnits = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"};

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

void check_length(const std::optional<std::string>& value, const std::string& member, size_t min, size_t max) {
  if (!value) return;
  if (value->size() < min)
    errors::constraint(*value, member, "Member must have length greater than or equal to " + std::to_string(min));
  if (value->size() > max)
    errors::constraint(*value, member, "Member must have length less than or equal to " + std::to_string(max));
}

std::vector<std::string> alarm_names(const InputObject& in) {
  auto names = in.strings("AlarmNames");
  if (names.size() > 100)
    errors::constraint(errors::list_text(names), "alarmNames", "Member must have length less than or equal to 100");
  return names;
}

std::vector<std::string> actions(const InputObject& in, const std::string& key, const std::string& member) {
  auto list = in.strings(key);
  if (list.size() > 5) errors::constraint(errors::list_text(list), member, "Member must have length less than or equal to 5");
  for (const auto& arn : list)
    if (arn.rfind("arn:", 0) != 0 || std::count(arn.begin(), arn.end(), ':') < 5)
      errors::validation("Invalid arn syntax: " + arn);
  return list;
}

Ordered string_list(const std::vector<std::string>& items) {
  auto out = Ordered::array();
  for (const auto& s : items) out.push_back(s);
  return out;
}

Ordered definition_json(const AlarmDefinition& d) {
  // History data spells the configuration in lowerCamelCase, as CloudWatch's history does.
  Ordered out;
  out["alarmName"] = d.name;
  if (d.description) out["alarmDescription"] = *d.description;
  out["actionsEnabled"] = d.actions_enabled;
  out["okactions"] = string_list(d.ok_actions);
  out["alarmActions"] = string_list(d.alarm_actions);
  out["insufficientDataActions"] = string_list(d.insufficient_data_actions);
  out["metricName"] = d.metric_name;
  out["namespace"] = d.namespace_;
  if (d.statistic) out["statistic"] = *d.statistic;
  if (d.extended_statistic) out["extendedStatistic"] = *d.extended_statistic;
  auto dims = Ordered::array();
  for (const auto& [n, v] : d.dimensions) dims.push_back(Ordered{{"name", n}, {"value", v}});
  out["dimensions"] = dims;
  out["period"] = d.period;
  if (d.unit) out["unit"] = *d.unit;
  out["evaluationPeriods"] = d.evaluation_periods;
  if (d.datapoints_to_alarm) out["datapointsToAlarm"] = *d.datapoints_to_alarm;
  out["threshold"] = d.threshold;
  out["comparisonOperator"] = d.comparison_operator;
  if (d.treat_missing_data) out["treatMissingData"] = *d.treat_missing_data;
  return out;
}

// PutMetricAlarm's input, checked in CloudWatch's order (the first problem is the one reported), in five parts.
// The name, the description and the actions.
void read_naming(const InputObject& in, AlarmDefinition& d) {
  auto name = in.string("AlarmName");
  if (!name) errors::validation("1 validation error detected: Value null at 'alarmName' failed to satisfy constraint: Member must not be null");
  check_length(name, "alarmName", 1, 255);
  d.name = *name;
  d.description = in.string("AlarmDescription");
  check_length(d.description, "alarmDescription", 0, 1024);
  d.actions_enabled = in.boolean("ActionsEnabled").value_or(true);
  d.ok_actions = actions(in, "OKActions", "oKActions");
  d.alarm_actions = actions(in, "AlarmActions", "alarmActions");
  d.insufficient_data_actions = actions(in, "InsufficientDataActions", "insufficientDataActions");
}

// EvaluationPeriods and the comparison, and what the local stack does not evaluate.
void read_comparison(const InputObject& in, AlarmDefinition& d) {
  auto evaluation_periods = in.integer("EvaluationPeriods");
  if (!evaluation_periods)
    errors::validation("1 validation error detected: Value null at 'evaluationPeriods' failed to satisfy constraint: Member must not be null");
  if (*evaluation_periods < 1)
    errors::constraint(std::to_string(*evaluation_periods), "evaluationPeriods", "Member must have value greater than or equal to 1");
  d.evaluation_periods = static_cast<int>(std::min<long long>(*evaluation_periods, 1000000));
  auto op = in.string("ComparisonOperator");
  if (!op)
    errors::validation("1 validation error detected: Value null at 'comparisonOperator' failed to satisfy constraint: Member must not be null");
  if (!contains(kComparisonOperators, *op))
    errors::constraint(*op, "comparisonOperator", "Member must satisfy enum value set: " + errors::enum_text(kComparisonOperators));
  d.comparison_operator = *op;

  if (in.list_present("Metrics") && in.list_size("Metrics") > 0)
    errors::validation("Metric math alarms (Metrics) are not supported by the local stack; give MetricName, Namespace, Statistic and Period.");
  if (d.comparison_operator.find("Lower") != std::string::npos || d.comparison_operator.find("Upper") != std::string::npos)
    errors::validation("Comparison operator " + d.comparison_operator +
                       " needs an anomaly detection band (ThresholdMetricId), which the local stack does not evaluate.");
}

// The metric: name, namespace, statistic and dimensions.
void read_metric(const InputObject& in, AlarmDefinition& d) {
  auto metric_name = in.string("MetricName");
  auto ns = in.string("Namespace");
  if (!metric_name) errors::missing("MetricName");
  if (!ns) errors::missing("Namespace");
  check_length(metric_name, "metricName", 1, 255);
  check_length(ns, "namespace", 1, 255);
  d.metric_name = *metric_name;
  d.namespace_ = *ns;
  d.statistic = in.string("Statistic");
  d.extended_statistic = in.string("ExtendedStatistic");
  if (d.statistic && !contains(kStatistics, *d.statistic))
    errors::constraint(*d.statistic, "statistic", "Member must satisfy enum value set: " + errors::enum_text(kStatistics));
  if (d.statistic && d.extended_statistic)
    errors::invalid_combination("The parameters Statistic and ExtendedStatistic are mutually exclusive and you have specified both.");
  if (!d.statistic && !d.extended_statistic)
    errors::invalid_combination("Exactly one of the parameters Statistic and ExtendedStatistic must be specified.");
  if (d.extended_statistic && !std::regex_match(*d.extended_statistic, std::regex(R"(p(\d{1,2}(\.\d{1,2})?|100))")))
    errors::invalid_value("The value " + *d.extended_statistic + " for parameter ExtendedStatistic is invalid.");
  if (in.list_size("Dimensions") > 30)
    errors::constraint(std::to_string(in.list_size("Dimensions")), "dimensions", "Member must have length less than or equal to 30");
  for (const auto& dim : in.objects("Dimensions")) {
    auto dn = dim.string("Name");
    auto dv = dim.string("Value");
    if (!dn) errors::missing(dim.path("Name"));
    if (!dv) errors::missing(dim.path("Value"));
    d.dimensions.emplace_back(*dn, *dv);
  }
}

// The evaluation window: Period (and the span of the periods), Unit, DatapointsToAlarm.
void read_window(const InputObject& in, AlarmDefinition& d) {
  auto period = in.integer("Period");
  if (!period) errors::missing("Period");
  if (!(*period == 10 || *period == 20 || *period == 30 || (*period > 0 && *period % 60 == 0)))
    errors::validation("Period must be 10, 20, 30 or a multiple of 60");
  d.period = *period;
  long long span = d.period * d.evaluation_periods;
  if (d.period < 3600 && span > 86400)
    errors::validation("Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)");
  if (span > 604800)
    errors::validation("Metrics cannot be checked across more than 7 days (EvaluationPeriods * Period must be <= 604800)");
  d.unit = in.string("Unit");
  if (d.unit && !contains(kUnits, *d.unit))
    errors::constraint(*d.unit, "unit", "Member must satisfy enum value set: " + errors::enum_text(kUnits));
  if (auto m = in.integer("DatapointsToAlarm")) {
    if (*m < 1) errors::constraint(std::to_string(*m), "datapointsToAlarm", "Member must have value greater than or equal to 1");
    if (*m > d.evaluation_periods) errors::validation("DatapointsToAlarm must be less than or equal to EvaluationPeriods");
    d.datapoints_to_alarm = static_cast<int>(*m);
  }
}

// Threshold, TreatMissingData and EvaluateLowSampleCountPercentile.
void read_threshold(const InputObject& in, AlarmDefinition& d) {
  auto threshold = in.number("Threshold");
  if (!threshold) errors::validation("Comparisons with a static threshold require the Threshold parameter.");
  if (!std::isfinite(*threshold)) errors::invalid_value("The value " + decimal_format(*threshold) + " for parameter Threshold is invalid.");
  d.threshold = *threshold;
  d.treat_missing_data = in.string("TreatMissingData");
  if (d.treat_missing_data && !contains({"breaching", "notBreaching", "ignore", "missing"}, *d.treat_missing_data))
    errors::validation("The value " + *d.treat_missing_data +
                       " for parameter TreatMissingData is invalid. Valid values are breaching, notBreaching, ignore and missing.");
  d.evaluate_low_sample_count_percentile = in.string("EvaluateLowSampleCountPercentile");
  if (d.evaluate_low_sample_count_percentile && !contains({"evaluate", "ignore"}, *d.evaluate_low_sample_count_percentile))
    errors::validation("The value " + *d.evaluate_low_sample_count_percentile +
                       " for parameter EvaluateLowSampleCountPercentile is invalid. Valid values are evaluate and ignore.");
}

AlarmDefinition parse_definition(const InputObject& in) {
  AlarmDefinition d;
  read_naming(in, d);
  read_comparison(in, d);
  read_metric(in, d);
  read_window(in, d);
  read_threshold(in, d);
  return d;
}

std::vector<std::pair<std::string, std::string>> parse_tags(const InputObject& in) {
  std::vector<std::pair<std::string, std::string>> tags;
  if (in.list_size("Tags") > 50)
    errors::constraint(std::to_string(in.list_size("Tags")), "tags", "Member must have length less than or equal to 50");
  for (const auto& t : in.objects("Tags")) {
    auto key = t.string("Key");
    auto value = t.string("Value");
    if (!key) errors::missing(t.path("Key"));
    if (!value) errors::missing(t.path("Value"));
    check_length(key, "tags.member.key", 1, 128);
    check_length(value, "tags.member.value", 0, 256);
    tags.emplace_back(*key, *value);
  }
  return tags;
}

void merge_tags(std::vector<std::pair<std::string, std::string>>& into, const std::vector<std::pair<std::string, std::string>>& tags) {
  for (const auto& tag : tags) upsert_tag(into, tag);
}

}  // namespace

CloudWatchService::Ordered CloudWatchService::alarm_output(const StoredAlarm& alarm) const {
  const AlarmDefinition& d = alarm.definition;
  Ordered out;
  out["AlarmName"] = d.name;
  out["AlarmArn"] = alarm.arn;
  if (d.description) out["AlarmDescription"] = *d.description;
  out["AlarmConfigurationUpdatedTimestamp"] = alarm.configuration_updated;
  out["ActionsEnabled"] = d.actions_enabled;
  out["OKActions"] = string_list(d.ok_actions);
  out["AlarmActions"] = string_list(d.alarm_actions);
  out["InsufficientDataActions"] = string_list(d.insufficient_data_actions);
  out["StateValue"] = alarm.status.value;
  out["StateReason"] = alarm.status.reason;
  if (!alarm.status.reason_data.empty()) out["StateReasonData"] = alarm.status.reason_data;
  out["StateUpdatedTimestamp"] = alarm.status.updated;
  out["MetricName"] = d.metric_name;
  out["Namespace"] = d.namespace_;
  if (d.statistic) out["Statistic"] = *d.statistic;
  if (d.extended_statistic) out["ExtendedStatistic"] = *d.extended_statistic;
  auto dims = Ordered::array();
  for (const auto& [n, v] : d.dimensions) dims.push_back(Ordered{{"Name", n}, {"Value", v}});
  out["Dimensions"] = dims;
  out["Period"] = d.period;
  if (d.unit) out["Unit"] = *d.unit;
  out["EvaluationPeriods"] = d.evaluation_periods;
  if (d.datapoints_to_alarm) out["DatapointsToAlarm"] = *d.datapoints_to_alarm;
  out["Threshold"] = d.threshold;
  out["ComparisonOperator"] = d.comparison_operator;
  if (d.treat_missing_data) out["TreatMissingData"] = *d.treat_missing_data;
  if (d.evaluate_low_sample_count_percentile) out["EvaluateLowSampleCountPercentile"] = *d.evaluate_low_sample_count_percentile;
  out["StateTransitionedTimestamp"] = alarm.status.transitioned;
  return out;
}

CloudWatchService::Ordered CloudWatchService::put_metric_alarm(const Request& request, const InputObject& in) {
  AlarmDefinition d = parse_definition(in);
  auto tags = parse_tags(in);
  const double sim_now = now();
  auto it = alarms_.find(d.name);
  Ordered history;
  history["version"] = "1.0";
  if (it == alarms_.end()) {
    StoredAlarm alarm;
    alarm.region = request.region.empty() ? context_.default_region : request.region;
    alarm.account_id = request.account_id.empty() ? context_.account_id : request.account_id;
    alarm.arn = "arn:aws:cloudwatch:" + alarm.region + ":" + alarm.account_id + ":alarm:" + d.name;
    alarm.definition = d;
    alarm.configuration_updated = sim_now;
    alarm.status.updated = sim_now;
    alarm.status.transitioned = sim_now;
    alarm.tags = tags;
    history["type"] = "Create";
    history["createdAlarm"] = definition_json(d);
    alarms_.emplace(d.name, std::move(alarm));
    add_history({d.name, sim_now, "ConfigurationUpdate", "Alarm \"" + d.name + "\" created", history.dump()});
  } else {
    // Updating keeps the alarm's state; tags are only applied when the alarm is created.
    history["type"] = "Update";
    history["updatedAlarm"] = definition_json(d);
    history["originalAlarm"] = definition_json(it->second.definition);
    it->second.definition = d;
    it->second.configuration_updated = sim_now;
    add_history({d.name, sim_now, "ConfigurationUpdate", "Alarm \"" + d.name + "\" updated", history.dump()});
  }
  return nullptr;
}

CloudWatchService::Ordered CloudWatchService::describe_alarms(const InputObject& in) {
  auto names = alarm_names(in);
  auto prefix = in.string("AlarmNamePrefix");
  check_length(prefix, "alarmNamePrefix", 1, 255);
  auto state = in.string("StateValue");
  if (state && !contains(kStates, *state))
    errors::constraint(*state, "stateValue", "Member must satisfy enum value set: " + errors::enum_text(kStates));
  auto action_prefix = in.string("ActionPrefix");
  auto max_records = in.integer("MaxRecords");
  if (max_records && *max_records < 1)
    errors::constraint(std::to_string(*max_records), "maxRecords", "Member must have value greater than or equal to 1");
  if (max_records && *max_records > 100)
    errors::constraint(std::to_string(*max_records), "maxRecords", "Member must have value less than or equal to 100");
  if (in.has("ChildrenOfAlarmName") || in.has("ParentsOfAlarmName"))
    errors::invalid_combination("ChildrenOfAlarmName and ParentsOfAlarmName apply to composite alarms, which the local stack does not keep.");
  auto types = in.strings("AlarmTypes");
  bool want_metric = types.empty() || contains(types, "MetricAlarm");
  bool want_composite = contains(types, "CompositeAlarm");
  long long limit = max_records.value_or(50);

  auto it = alarms_.begin();
  if (auto token = in.string("NextToken")) {
    auto after = decode_token(*token);
    if (!after) throw ServiceError(400, "InvalidNextToken", "The service returned an invalid NextToken.");
    it = alarms_.upper_bound(*after);
  }
  auto list = Ordered::array();
  std::string last;
  bool more = false;
  long long count = 0;
  for (; want_metric && it != alarms_.end(); ++it) {
    const auto& [name, alarm] = *it;
    if (!names.empty() && !contains(names, name)) continue;
    if (prefix && name.rfind(*prefix, 0) != 0) continue;
    if (state && alarm.status.value != *state) continue;
    if (action_prefix) {
      bool match = false;
      for (const auto* list_of : {&alarm.definition.ok_actions, &alarm.definition.alarm_actions,
                                  &alarm.definition.insufficient_data_actions})
        for (const auto& a : *list_of)
          if (a.rfind(*action_prefix, 0) == 0) match = true;
      if (!match) continue;
    }
    if (count == limit) {
      more = true;
      break;
    }
    list.push_back(alarm_output(alarm));
    last = name;
    ++count;
  }
  Ordered out;
  if (want_composite) out["CompositeAlarms"] = Ordered::array();
  out["MetricAlarms"] = list;
  if (more) out["NextToken"] = encode_token(last);
  return out;
}

CloudWatchService::Ordered CloudWatchService::describe_alarm_history(const InputObject& in) {
  auto name = in.string("AlarmName");
  auto type = in.string("HistoryItemType");
  if (type && !contains({"ConfigurationUpdate", "StateUpdate", "Action"}, *type))
    errors::constraint(*type, "historyItemType", "Member must satisfy enum value set: [ConfigurationUpdate, StateUpdate, Action]");
  auto start = in.timestamp("StartDate");
  auto end = in.timestamp("EndDate");
  auto max_records = in.integer("MaxRecords");
  if (max_records && (*max_records < 1 || *max_records > 100))
    errors::constraint(std::to_string(*max_records), "maxRecords",
                       *max_records < 1 ? "Member must have value greater than or equal to 1"
                                        : "Member must have value less than or equal to 100");
  auto types = in.strings("AlarmTypes");
  if (!types.empty() && !contains(types, "MetricAlarm")) {
    Ordered out;
    out["AlarmHistoryItems"] = Ordered::array();
    return out;
  }
  bool ascending = in.string("ScanBy").value_or("TimestampDescending") == "TimestampAscending";
  long long limit = max_records.value_or(50);
  long long skip = 0;
  if (auto token = in.string("NextToken")) {
    auto decoded = decode_token(*token);
    if (!decoded || decoded->empty() || decoded->find_first_not_of("0123456789") != std::string::npos)
      throw ServiceError(400, "InvalidNextToken", "The service returned an invalid NextToken.");
    skip = std::stoll(*decoded);
  }
  const ClientTimes times = client_times(end ? *end : start.value_or(0));
  std::vector<const HistoryItem*> matches;
  for (const auto& item : history_) {
    if (name && item.alarm_name != *name) continue;
    if (type && item.type != *type) continue;
    if (start && item.timestamp < times.to_sim(*start)) continue;
    if (end && item.timestamp > times.to_sim(*end)) continue;
    matches.push_back(&item);
  }
  if (!ascending) std::reverse(matches.begin(), matches.end());
  auto items = Ordered::array();
  long long index = 0;
  bool more = false;
  for (const auto* item : matches) {
    if (index++ < skip) continue;
    if (static_cast<long long>(items.size()) == limit) {
      more = true;
      break;
    }
    Ordered out;
    out["AlarmName"] = item->alarm_name;
    out["AlarmType"] = "MetricAlarm";
    out["Timestamp"] = item->timestamp;
    out["HistoryItemType"] = item->type;
    out["HistorySummary"] = item->summary;
    out["HistoryData"] = item->data;
    items.push_back(out);
  }
  Ordered out;
  out["AlarmHistoryItems"] = items;
  if (more) out["NextToken"] = encode_token(std::to_string(skip + limit));
  return out;
}

CloudWatchService::Ordered CloudWatchService::delete_alarms(const InputObject& in) {
  if (!in.list_present("AlarmNames")) errors::missing("AlarmNames");
  auto names = alarm_names(in);
  // "If you specify an incorrect alarm name or make any other error in the operation, no alarms are deleted."
  for (const auto& name : names)
    if (!alarms_.count(name)) errors::not_found("The named resource does not exist.");
  const double sim_now = now();
  for (const auto& name : names) {
    auto it = alarms_.find(name);
    if (it == alarms_.end()) continue;   // the same name listed twice
    Ordered history;
    history["version"] = "1.0";
    history["type"] = "Delete";
    history["deletedAlarm"] = definition_json(it->second.definition);
    alarms_.erase(it);
    add_history({name, sim_now, "ConfigurationUpdate", "Alarm \"" + name + "\" deleted", history.dump()});
  }
  return nullptr;
}

CloudWatchService::Ordered CloudWatchService::set_actions_enabled(const InputObject& in, bool enabled) {
  if (!in.list_present("AlarmNames")) errors::missing("AlarmNames");
  for (const auto& name : alarm_names(in)) {
    auto it = alarms_.find(name);
    if (it == alarms_.end()) continue;
    if (it->second.definition.actions_enabled == enabled) continue;
    it->second.definition.actions_enabled = enabled;
    const double sim_now = now();
    it->second.configuration_updated = sim_now;
    Ordered history;
    history["version"] = "1.0";
    history["type"] = "Update";
    history["updatedAlarm"] = definition_json(it->second.definition);
    add_history({name, sim_now, "ConfigurationUpdate", "Alarm \"" + name + "\" updated", history.dump()});
  }
  return nullptr;
}

CloudWatchService::Ordered CloudWatchService::set_alarm_state(const InputObject& in, std::vector<PendingAction>& pending) {
  auto name = in.string("AlarmName");
  auto state = in.string("StateValue");
  auto reason = in.string("StateReason");
  if (!name) errors::validation("1 validation error detected: Value null at 'alarmName' failed to satisfy constraint: Member must not be null");
  if (!state) errors::validation("1 validation error detected: Value null at 'stateValue' failed to satisfy constraint: Member must not be null");
  if (!reason) errors::validation("1 validation error detected: Value null at 'stateReason' failed to satisfy constraint: Member must not be null");
  if (!contains(kStates, *state))
    errors::constraint(*state, "stateValue", "Member must satisfy enum value set: " + errors::enum_text(kStates));
  check_length(reason, "stateReason", 0, 1023);
  auto data = in.string("StateReasonData");
  check_length(data, "stateReasonData", 0, 4000);
  if (data && nlohmann::json::parse(*data, nullptr, false).is_discarded())
    throw ServiceError(400, "InvalidFormat", "Invalid JSON in StateReasonData: " + *data);
  auto it = alarms_.find(*name);
  if (it == alarms_.end()) errors::not_found("Alarm " + *name + " not found");
  change_state(it->second, *state, *reason, data.value_or(""), now(), pending);
  return nullptr;
}

StoredAlarm* CloudWatchService::alarm_by_arn(const std::string& arn) {
  auto marker = arn.find(":alarm:");
  if (arn.rfind("arn:", 0) != 0 || marker == std::string::npos)
    errors::invalid_value("The value " + arn + " for parameter ResourceARN is invalid.");
  auto it = alarms_.find(arn.substr(marker + 7));
  if (it == alarms_.end() || it->second.arn != arn)
    throw ServiceError(404, "ResourceNotFoundException", "The specified resource does not exist.");
  return &it->second;
}

CloudWatchService::Ordered CloudWatchService::tag_resource(const InputObject& in) {
  auto arn = in.string("ResourceARN");
  if (!arn) errors::missing("ResourceARN");
  if (!in.list_present("Tags")) errors::missing("Tags");
  auto tags = parse_tags(in);
  StoredAlarm* alarm = alarm_by_arn(*arn);
  merge_tags(alarm->tags, tags);
  return Ordered::object();
}

CloudWatchService::Ordered CloudWatchService::untag_resource(const InputObject& in) {
  auto arn = in.string("ResourceARN");
  if (!arn) errors::missing("ResourceARN");
  if (!in.list_present("TagKeys")) errors::missing("TagKeys");
  auto keys = in.strings("TagKeys");
  StoredAlarm* alarm = alarm_by_arn(*arn);
  auto& tags = alarm->tags;
  tags.erase(std::remove_if(tags.begin(), tags.end(), [&](const auto& t) { return contains(keys, t.first); }), tags.end());
  return Ordered::object();
}

CloudWatchService::Ordered CloudWatchService::list_tags_for_resource(const InputObject& in) {
  auto arn = in.string("ResourceARN");
  if (!arn) errors::missing("ResourceARN");
  StoredAlarm* alarm = alarm_by_arn(*arn);
  auto tags = Ordered::array();
  for (const auto& [k, v] : alarm->tags) tags.push_back(Ordered{{"Key", k}, {"Value", v}});
  Ordered out;
  out["Tags"] = tags;
  return out;
}

}  // namespace pingwatch::local::cloudwatch
