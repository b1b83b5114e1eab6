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

namespace {

// One evaluation of one alarm over its range of periods (newest first), as CloudWatch words it.
class AlarmEvaluator {
 public:
  AlarmEvaluator(const AlarmDefinition& alarm, const std::vector<PeriodDatapoint>& range, const std::string& current_state,
                 double query_date)
      : alarm_(alarm), range_(range), current_state_(current_state), query_date_(query_date),
        n_(alarm.evaluation_periods), m_(alarm.datapoints_required()), treatment_(alarm.missing_data_treatment()),
        words_(comparison_words(alarm.comparison_operator)), threshold_(java_double(alarm.threshold)) {
    for (const auto& p : range_)
      if (p.value) real_.push_back(&p);
    select_evaluated();
    for (auto* p : evaluated_) (is_breaching(p) ? breaching_points_ : clear_points_).push_back(p);
  }

  Evaluation run() const {
    if (real_.empty()) return without_datapoints();
    if (filled_ > 0 && (treatment_ == "breaching" || treatment_ == "notBreaching")) return with_filled_datapoints();
    return on_real_datapoints();
  }

 private:
  bool is_breaching(const PeriodDatapoint* p) const {
    return breaches(alarm_.comparison_operator, *p->value, alarm_.threshold);
  }
  long long breaching() const { return static_cast<long long>(breaching_points_.size()); }

  // The newest N real datapoints; with fewer, all of them and the newest periods without one, which are filled.
  void select_evaluated() {
    const auto real_count = static_cast<long long>(real_.size());
    if (real_count >= n_) {
      evaluated_.assign(real_.begin(), real_.begin() + n_);
      return;
    }
    evaluated_ = real_;
    for (size_t i = 0; i < range_.size() && static_cast<long long>(i) < n_ + real_count; ++i)
      if (!range_[i].value && static_cast<long long>(missing_slots_.size()) < n_ - real_count)
        missing_slots_.push_back(&range_[i]);
    filled_ = n_ - real_count;
  }

  std::string alarm_reason(long long count, const std::string& fill) const {
    return "Threshold Crossed: " + std::to_string(count) + " out of the last " + std::to_string(n_) + " datapoints " +
           list_points(breaching_points_) + " " + was_were(count) + " " + words_ + " the threshold (" + threshold_ + ")" +
           fill + " (minimum " + std::to_string(m_) + " " + datapoints_word(m_) + " for OK -> ALARM transition).";
  }

  std::string ok_reason(const std::string& fill) const {
    const auto clear = static_cast<long long>(clear_points_.size());
    if (current_state_ == "ALARM") {
      const long long needed = n_ - m_ + 1;
      return "Threshold Crossed: " + std::to_string(clear) + " out of the last " + std::to_string(n_) + " datapoints " +
             list_points(clear_points_) + " " + was_were(clear) + " not " + words_ + " the threshold (" + threshold_ +
             ")" + fill + " (minimum " + std::to_string(needed) + " " + datapoints_word(needed) +
             " for ALARM -> OK transition).";
    }
    return "Threshold Crossed: " + std::to_string(clear) + " " + datapoints_word(clear) + " " +
           list_points(clear_points_) + " " + was_were(clear) + " not " + words_ + " the threshold (" + threshold_ +
           ")" + fill + ".";
  }

  Evaluation decided(std::string state, std::string reason) const {
    Evaluation result;
    result.state = std::move(state);
    result.reason = std::move(reason);
    result.reason_data = reason_data(alarm_, evaluated_, missing_slots_, query_date_);
    return result;
  }

  Evaluation kept() const {
    Evaluation result;
    result.keep_state = true;
    result.state = current_state_;
    return result;
  }

  Evaluation without_datapoints() const {
    if (treatment_ == "ignore") return kept();
    const std::string no_data = "no datapoints were received for " + std::to_string(n_) +
                                (n_ == 1 ? " period" : " periods") + " and " + std::to_string(n_) + " missing " +
                                datapoints_word(n_) + " " + was_were(n_) + " treated as [";
    if (treatment_ == "breaching") return decided("ALARM", "Threshold Crossed: " + no_data + "Breaching].");
    if (treatment_ == "notBreaching") return decided("OK", "Threshold Crossed: " + no_data + "NonBreaching].");
    return decided("INSUFFICIENT_DATA", "Insufficient Data: " + std::to_string(n_) + " " + datapoints_word(n_) + " " +
                                            was_were(n_) + " unknown.");
  }

  // Missing periods treated as breaching or not: they count with the real datapoints.
  Evaluation with_filled_datapoints() const {
    const long long total = breaching() + (treatment_ == "breaching" ? filled_ : 0);
    const std::string fill = fill_clause(filled_, treatment_);
    if (total >= m_) return decided("ALARM", alarm_reason(total, fill));
    return decided("OK", ok_reason(fill));
  }

  Evaluation on_real_datapoints() const {
    if (breaching() >= m_) return decided("ALARM", alarm_reason(breaching(), ""));
    // Enough real datapoints, or ALARM is out of reach even if every missing one breached.
    if (filled_ == 0 || breaching() + filled_ < m_) return decided("OK", ok_reason(""));
    // Fewer than N real datapoints, and the missing ones could still make it an ALARM.
    if (premature_alarm()) return decided("ALARM", alarm_reason(breaching(), ""));
    return kept();
  }

  // With missing data treated as missing: the oldest breaching datapoint at least M periods old, and nothing
  // newer that does not breach, is an ALARM before all N periods are in.
  bool premature_alarm() const {
    if (treatment_ != "missing" || breaching() == 0) return false;
    size_t oldest_breaching = 0;
    for (size_t i = 0; i < range_.size(); ++i)
      if (range_[i].value && is_breaching(&range_[i])) oldest_breaching = i + 1;
    for (size_t i = 0; i + 1 < oldest_breaching; ++i)
      if (range_[i].value && !is_breaching(&range_[i])) return false;
    return static_cast<long long>(oldest_breaching) >= m_;
  }

  const AlarmDefinition& alarm_;
  const std::vector<PeriodDatapoint>& range_;
  const std::string& current_state_;
  const double query_date_;
  const long long n_;   // evaluation periods
  const long long m_;   // datapoints to alarm
  const std::string treatment_;
  const std::string words_;
  const std::string threshold_;
  std::vector<const PeriodDatapoint*> real_;
  std::vector<const PeriodDatapoint*> evaluated_;
  std::vector<const PeriodDatapoint*> missing_slots_;   // missing periods counted in the evaluation
  long long filled_ = 0;
  std::vector<const PeriodDatapoint*> breaching_points_;
  std::vector<const PeriodDatapoint*> clear_points_;
};

}  // namespace

Evaluation evaluate_alarm(const AlarmDefinition& alarm, const std::vector<PeriodDatapoint>& range,
                          const std::string& current_state, double query_date) {
  return AlarmEvaluator(alarm, range, current_state, query_date).run();
}

}  // namespace pingwatch::local::cloudwatch
