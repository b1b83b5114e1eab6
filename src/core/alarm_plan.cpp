#include "core/alarm_plan.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace pingwatch::core {
namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::vector<MetricDimension> sorted(std::vector<MetricDimension> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.name != b.name ? a.name < b.name : a.value < b.value;
  });
  return v;
}

bool same_number(double a, double b) {
  // CloudWatch stores thresholds as doubles and echoes them back; allow only representation noise.
  return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

}  // namespace

std::vector<std::string> alarm_drift(const AlarmSpec& d, const AlarmSpec& e) {
  std::vector<std::string> out;
  if (d.alarm_description != e.alarm_description) out.emplace_back("AlarmDescription");
  if (d.actions_enabled != e.actions_enabled) out.emplace_back("ActionsEnabled");
  if (sorted(d.ok_actions) != sorted(e.ok_actions)) out.emplace_back("OKActions");
  if (sorted(d.alarm_actions) != sorted(e.alarm_actions)) out.emplace_back("AlarmActions");
  if (sorted(d.insufficient_data_actions) != sorted(e.insufficient_data_actions)) {
    out.emplace_back("InsufficientDataActions");
  }
  if (d.namespace_ != e.namespace_) out.emplace_back("Namespace");
  if (d.metric_name != e.metric_name) out.emplace_back("MetricName");
  if (sorted(d.dimensions) != sorted(e.dimensions)) out.emplace_back("Dimensions");
  if (d.statistic != e.statistic) out.emplace_back("Statistic");
  if (d.period != e.period) out.emplace_back("Period");
  if (d.evaluation_periods != e.evaluation_periods) out.emplace_back("EvaluationPeriods");
  const int d_m = d.datapoints_to_alarm.value_or(d.evaluation_periods);
  const int e_m = e.datapoints_to_alarm.value_or(e.evaluation_periods);
  if (d_m != e_m) out.emplace_back("DatapointsToAlarm");
  if (!same_number(d.threshold, e.threshold)) out.emplace_back("Threshold");
  if (d.comparison_operator != e.comparison_operator) out.emplace_back("ComparisonOperator");
  // CloudWatch reports an alarm created without TreatMissingData as absent; its behaviour is "missing".
  const auto tmd = [](const std::string& v) { return v.empty() ? std::string("missing") : v; };
  if (tmd(d.treat_missing_data) != tmd(e.treat_missing_data)) out.emplace_back("TreatMissingData");
  return out;
}

AlarmPlan plan_alarms(const std::vector<AlarmSpec>& desired, const std::vector<AlarmSpec>& existing,
                      const PlanOptions& options) {
  AlarmPlan plan;
  std::unordered_map<std::string, const AlarmSpec*> existing_by_name;
  existing_by_name.reserve(existing.size());
  for (const auto& a : existing) existing_by_name.emplace(a.alarm_name, &a);

  std::unordered_map<std::string, bool> wanted;
  wanted.reserve(desired.size());
  for (const auto& want : desired) {
    if (!wanted.emplace(want.alarm_name, true).second) continue;   // a node listed twice (page overlap)
    const auto it = existing_by_name.find(want.alarm_name);
    if (it == existing_by_name.end()) {
      plan.create.push_back(want);
      continue;
    }
    const AlarmSpec& have = *it->second;
    const bool ours = is_managed_by_pingwatch(have.alarm_description);
    if (!ours && !options.adopt_unmanaged) {
      ++plan.unchanged;
      continue;
    }
    auto fields = alarm_drift(want, have);
    if (fields.empty()) {
      ++plan.unchanged;
    } else {
      plan.update.push_back(AlarmUpdate{want, std::move(fields), !ours});
    }
  }

  for (const auto& have : existing) {
    if (wanted.count(have.alarm_name) != 0) continue;
    if (!instance_id_from_alarm_name(have.alarm_name, options.alarm_prefix)) continue;   // not in our name space
    if (!is_managed_by_pingwatch(have.alarm_description)) {
      plan.left_alone.push_back(have.alarm_name);
    } else if (!options.inventory_complete) {
      plan.deletes_withheld = true;
    } else {
      plan.remove.push_back(have.alarm_name);
    }
  }

  const auto by_name = [](const auto& a, const auto& b) { return a.alarm_name < b.alarm_name; };
  std::sort(plan.create.begin(), plan.create.end(), by_name);
  std::sort(plan.update.begin(), plan.update.end(),
            [](const AlarmUpdate& a, const AlarmUpdate& b) { return a.desired.alarm_name < b.desired.alarm_name; });
  std::sort(plan.remove.begin(), plan.remove.end());
  std::sort(plan.left_alone.begin(), plan.left_alone.end());
  return plan;
}

}  // namespace pingwatch::core
