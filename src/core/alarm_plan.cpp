#include "core/alarm_plan.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <type_traits>
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

// How each kind of field compares: lists as sets, numbers up to representation noise.
bool same_value(const std::vector<std::string>& a, const std::vector<std::string>& b) { return sorted(a) == sorted(b); }
bool same_value(const std::vector<MetricDimension>& a, const std::vector<MetricDimension>& b) {
  return sorted(a) == sorted(b);
}
bool same_value(double a, double b) { return same_number(a, b); }
template <class T>
bool same_value(const T& a, const T& b) { return a == b; }

}  // namespace

std::vector<std::string> alarm_drift(const AlarmSpec& d, const AlarmSpec& e) {
  std::vector<std::string> out;
  for_each_alarm_field(d, e, [&](std::string_view field, const auto& want, const auto& have) {
    bool same;
    if constexpr (std::is_same_v<std::decay_t<decltype(want)>, std::optional<int>>) {
      // DatapointsToAlarm: absent is EvaluationPeriods, CloudWatch's default.
      same = want.value_or(d.evaluation_periods) == have.value_or(e.evaluation_periods);
    } else if constexpr (std::is_same_v<std::decay_t<decltype(want)>, std::string>) {
      // CloudWatch reports an alarm created without TreatMissingData as absent; its behaviour is "missing".
      const bool tmd = field == "TreatMissingData";
      same = (tmd && want.empty() ? "missing" : want) == (tmd && have.empty() ? "missing" : have);
    } else {
      same = same_value(want, have);
    }
    if (!same && field != "AlarmName") out.emplace_back(field);
  });
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
