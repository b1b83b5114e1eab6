#include "local/cloudwatch/alarm_evaluation.h"

#include <algorithm>

#include "local/cloudwatch/formatting.h"
#include "local/sns/wire_util.h"

namespace pingwatch::local::cloudwatch {
namespace {

using Ordered = nlohmann::ordered_json;

std::string datapoints_word(long long n) { return n == 1 ? "datapoint" : "datapoints"; }
std::string was_were(long long n) { return n == 1 ? "was" : "were"; }

std::string list_points(const std::vector<const PeriodDatapoint*>& points) {
  std::string out = "[";
  for (size_t i = 0; i < points.size(); ++i) {
    if (i) out += ", ";
    out += java_double(*points[i]->value) + " (" + reason_timestamp(points[i]->start) + ")";
  }
  return out + "]";
}

std::string fill_clause(long long filled, const std::string& treatment) {
  if (filled <= 0 || (treatment != "breaching" && treatment != "notBreaching")) return "";
  return " and " + std::to_string(filled) + " missing " + datapoints_word(filled) + " " + was_were(filled) +
         " treated as [" + (treatment == "breaching" ? "Breaching" : "NonBreaching") + "]";
}

std::string reason_data(const AlarmDefinition& alarm, const std::vector<const PeriodDatapoint*>& evaluated,
                        const std::vector<const PeriodDatapoint*>& missing, double query_date) {
  Ordered data;
  data["version"] = "1.0";
  data["queryDate"] = wire::iso8601_millis_offset(query_date);
  std::vector<const PeriodDatapoint*> real = evaluated;
  std::sort(real.begin(), real.end(), [](auto* a, auto* b) { return a->start < b->start; });
  if (!real.empty()) data["startDate"] = wire::iso8601_millis_offset(real.front()->start);
  if (alarm.extended_statistic) data["extendedStatistic"] = *alarm.extended_statistic;
  else data["statistic"] = alarm.statistic.value_or("Average");
  data["period"] = alarm.period;
  auto recent = Ordered::array();
  for (auto* p : real) recent.push_back(*p->value);
  data["recentDatapoints"] = recent;
  data["threshold"] = alarm.threshold;
  std::vector<const PeriodDatapoint*> all = evaluated;
  all.insert(all.end(), missing.begin(), missing.end());
  std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->start > b->start; });
  auto points = Ordered::array();
  for (auto* p : all) {
    Ordered item;
    item["timestamp"] = wire::iso8601_millis_offset(p->start);
    if (p->value) {
      item["sampleCount"] = p->sample_count;
      item["value"] = *p->value;
    }
    points.push_back(item);
  }
  data["evaluatedDatapoints"] = points;
  return data.dump();
}

}  // namespace

int evaluation_range_size(int evaluation_periods) { return evaluation_periods + 2; }

std::string comparison_words(const std::string& op) {
  if (op == "GreaterThanOrEqualToThreshold") return "greater than or equal to";
  if (op == "GreaterThanThreshold") return "greater than";
  if (op == "LessThanThreshold") return "less than";
  if (op == "LessThanOrEqualToThreshold") return "less than or equal to";
  return op;
}

bool breaches(const std::string& op, double value, double threshold) {
  if (op == "GreaterThanOrEqualToThreshold") return value >= threshold;
  if (op == "GreaterThanThreshold") return value > threshold;
  if (op == "LessThanThreshold") return value < threshold;
  if (op == "LessThanOrEqualToThreshold") return value <= threshold;
  return false;
}

Evaluation evaluate_alarm(const AlarmDefinition& alarm, const std::vector<PeriodDatapoint>& range,
                          const std::string& current_state, double query_date) {
  const long long n = alarm.evaluation_periods;
  const long long m = alarm.datapoints_required();
  const std::string treatment = alarm.missing_data_treatment();
  const std::string words = comparison_words(alarm.comparison_operator);
  const std::string threshold = java_double(alarm.threshold);

  std::vector<const PeriodDatapoint*> real;
  for (const auto& p : range)
    if (p.value) real.push_back(&p);

  auto is_breaching = [&](const PeriodDatapoint* p) { return breaches(alarm.comparison_operator, *p->value, alarm.threshold); };

  Evaluation result;
  std::vector<const PeriodDatapoint*> evaluated;
  std::vector<const PeriodDatapoint*> missing_slots;   // missing periods counted in the evaluation
  long long filled = 0;

  if (static_cast<long long>(real.size()) >= n) {
    evaluated.assign(real.begin(), real.begin() + n);
  } else {
    evaluated = real;
    // The newest N periods that hold no datapoint are the ones filled.
    for (size_t i = 0; i < range.size() && static_cast<long long>(i) < n + static_cast<long long>(real.size()); ++i)
      if (!range[i].value && static_cast<long long>(missing_slots.size()) < n - static_cast<long long>(real.size()))
        missing_slots.push_back(&range[i]);
    filled = n - static_cast<long long>(real.size());
  }

  std::vector<const PeriodDatapoint*> breaching_points, clear_points;
  for (auto* p : evaluated) (is_breaching(p) ? breaching_points : clear_points).push_back(p);
  long long breaching = static_cast<long long>(breaching_points.size());

  auto alarm_reason = [&](long long count, const std::string& fill) {
    return "Threshold Crossed: " + std::to_string(count) + " out of the last " + std::to_string(n) + " datapoints " +
           list_points(breaching_points) + " " + was_were(count) + " " + words + " the threshold (" + threshold + ")" +
           fill + " (minimum " + std::to_string(m) + " " + datapoints_word(m) + " for OK -> ALARM transition).";
  };
  auto ok_reason = [&](const std::string& fill) {
    long long clear = static_cast<long long>(clear_points.size());
    if (current_state == "ALARM") {
      long long needed = n - m + 1;
      return "Threshold Crossed: " + std::to_string(clear) + " out of the last " + std::to_string(n) + " datapoints " +
             list_points(clear_points) + " " + was_were(clear) + " not " + words + " the threshold (" + threshold + ")" +
             fill + " (minimum " + std::to_string(needed) + " " + datapoints_word(needed) + " for ALARM -> OK transition).";
    }
    return "Threshold Crossed: " + std::to_string(clear) + " " + datapoints_word(clear) + " " + list_points(clear_points) +
           " " + was_were(clear) + " not " + words + " the threshold (" + threshold + ")" + fill + ".";
  };

  if (real.empty()) {
    if (treatment == "ignore") {
      result.keep_state = true;
      result.state = current_state;
      return result;
    }
    std::string no_data = "no datapoints were received for " + std::to_string(n) + (n == 1 ? " period" : " periods") +
                          " and " + std::to_string(n) + " missing " + datapoints_word(n) + " " + was_were(n) + " treated as [";
    if (treatment == "breaching") {
      result.state = "ALARM";
      result.reason = "Threshold Crossed: " + no_data + "Breaching].";
    } else if (treatment == "notBreaching") {
      result.state = "OK";
      result.reason = "Threshold Crossed: " + no_data + "NonBreaching].";
    } else {
      result.state = "INSUFFICIENT_DATA";
      result.reason = "Insufficient Data: " + std::to_string(n) + " " + datapoints_word(n) + " " + was_were(n) + " unknown.";
    }
    result.reason_data = reason_data(alarm, evaluated, missing_slots, query_date);
    return result;
  }

  if (filled > 0 && (treatment == "breaching" || treatment == "notBreaching")) {
    long long total = breaching + (treatment == "breaching" ? filled : 0);
    std::string fill = fill_clause(filled, treatment);
    if (total >= m) {
      result.state = "ALARM";
      result.reason = alarm_reason(total, fill);
    } else {
      result.state = "OK";
      result.reason = ok_reason(fill);
    }
    result.reason_data = reason_data(alarm, evaluated, missing_slots, query_date);
    return result;
  }

  if (breaching >= m) {
    result.state = "ALARM";
    result.reason = alarm_reason(breaching, "");
  } else if (filled == 0 || breaching + filled < m) {
    // Enough real datapoints, or ALARM is out of reach even if every missing one breached.
    result.state = "OK";
    result.reason = ok_reason("");
  } else {
    // Fewer than N real datapoints, and the missing ones could still make it an ALARM.
    bool premature = false;
    if (treatment == "missing" && breaching > 0) {
      // Oldest breaching datapoint at least M periods old, and nothing newer that does not breach.
      size_t oldest_breaching = 0;
      bool newer_clear = false;
      for (size_t i = 0; i < range.size(); ++i) {
        if (!range[i].value) continue;
        if (is_breaching(&range[i])) oldest_breaching = i + 1;
      }
      for (size_t i = 0; i + 1 < oldest_breaching; ++i)
        if (range[i].value && !is_breaching(&range[i])) newer_clear = true;
      premature = static_cast<long long>(oldest_breaching) >= m && !newer_clear;
    }
    if (premature) {
      result.state = "ALARM";
      result.reason = alarm_reason(breaching, "");
    } else {
      result.keep_state = true;
      result.state = current_state;
      return result;
    }
  }
  result.reason_data = reason_data(alarm, evaluated, missing_slots, query_date);
  return result;
}

}  // namespace pingwatch::local::cloudwatch
