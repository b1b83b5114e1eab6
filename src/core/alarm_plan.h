#pragma once
// Reconciliation of the alarms pingwatch wants (one per managed node) with the alarms that exist:
// create the missing, rewrite only the drifted, delete pingwatch's alarms whose node is gone.
// Pure: the caller supplies both lists; the plan is deterministic (sorted by alarm name).
#include <cstddef>
#include <string>
#include <vector>

#include "core/alarm_spec.h"

namespace pingwatch::core {

struct AlarmUpdate {
  AlarmSpec desired;
  std::vector<std::string> drifted_fields;   // e.g. {"Threshold", "AlarmActions"}
  bool adopted = false;                      // the existing alarm was not pingwatch's (e.g. the post's Lambda made it)
};

struct AlarmPlan {
  std::vector<AlarmSpec> create;
  std::vector<AlarmUpdate> update;
  std::vector<std::string> remove;             // alarm names to delete
  std::vector<std::string> left_alone;         // prefix matches whose node is gone but that pingwatch did not create
  std::size_t unchanged = 0;
  bool deletes_withheld = false;               // the node inventory was incomplete: nothing deleted this time
  bool empty() const { return create.empty() && update.empty() && remove.empty(); }
};

struct PlanOptions {
  std::string alarm_prefix{kDefaultAlarmPrefix};
  // Delete only when every page of DescribeInstanceInformation was read: an absent node may just be on a
  // page that failed.
  bool inventory_complete = true;
  // An alarm with a desired name that pingwatch did not create (the post's) is rewritten and so marked as
  // pingwatch's. When false it is left exactly as it is.
  bool adopt_unmanaged = true;
};

// Names of the fields (as in PutMetricAlarm) where existing differs from desired. Action lists and
// dimensions compare as sets; an absent DatapointsToAlarm equals EvaluationPeriods (CloudWatch's default).
// Tags are not compared: DescribeAlarms does not return them.
std::vector<std::string> alarm_drift(const AlarmSpec& desired, const AlarmSpec& existing);

AlarmPlan plan_alarms(const std::vector<AlarmSpec>& desired, const std::vector<AlarmSpec>& existing,
                      const PlanOptions& options);

}  // namespace pingwatch::core
