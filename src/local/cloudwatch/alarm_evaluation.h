#pragma once
// CloudWatch's alarm evaluation as a pure function: given the statistic of each period of the
// evaluation range (newest first), the alarm's definition and its current state, the state it moves to
// with the reason and StateReasonData exactly as CloudWatch writes them.
//
// Rules (CloudWatch user guide, "Configuring how CloudWatch alarms treat missing data"):
// - the evaluation range holds more periods than EvaluationPeriods (N); with at least N real datapoints
//   in it, the newest N real ones are evaluated and missing ones are ignored;
// - otherwise missing datapoints are filled as TreatMissingData says, as few times as possible:
//   breaching / notBreaching fill; missing: all missing -> INSUFFICIENT_DATA; ignore: keep the state;
// - ALARM when at least M (DatapointsToAlarm) evaluated datapoints breach;
// - with missing/ignore and fewer than N real points the state is OK only when ALARM is out of reach
//   (breaching + missing < M); `missing` also alarms prematurely when the oldest breaching datapoint is
//   at least M periods old and every newer datapoint breaches or is missing; otherwise the state is kept.
#include <optional>
#include <string>
#include <vector>

#include "local/cloudwatch/alarm_model.h"

namespace pingwatch::local::cloudwatch {

struct PeriodDatapoint {
  double start = 0;                     // period start, simulated epoch seconds
  std::optional<double> value;          // the alarm's statistic; nullopt = missing
  double sample_count = 0;
};

struct Evaluation {
  bool keep_state = false;              // `ignore` (or undecided): leave the alarm as it is
  std::string state;                    // OK | ALARM | INSUFFICIENT_DATA
  std::string reason;
  std::string reason_data;              // JSON text
};

// range: the evaluation range, newest period first. query_date: when the evaluation runs.
Evaluation evaluate_alarm(const AlarmDefinition& alarm, const std::vector<PeriodDatapoint>& range,
                          const std::string& current_state, double query_date);

// Number of periods CloudWatch fetches for N evaluation periods (the "evaluation range").
int evaluation_range_size(int evaluation_periods);

// "greater than or equal to" etc. for the comparison operators that compare with a static threshold.
std::string comparison_words(const std::string& comparison_operator);
bool breaches(const std::string& comparison_operator, double value, double threshold);

}  // namespace pingwatch::local::cloudwatch
