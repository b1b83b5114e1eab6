#pragma once
// The sync-alarms job's translation layer, exposed for tests: settings -> alarm options, CloudWatch's
// alarm -> AlarmSpec (for drift), AlarmSpec -> PutMetricAlarm, plan -> JSON. run_sync_alarms is in jobs.h.
#include <nlohmann/json.hpp>

#include "aws/cloudwatch_client.h"
#include "core/alarm_plan.h"
#include "monitor/config.h"

namespace pingwatch::monitor {

core::AlarmSpecOptions alarm_options(const Settings& settings);
core::AlarmSpec spec_from_alarm(const aws::MetricAlarm& alarm);
// Tags go only with a create: CloudWatch ignores Tags when PutMetricAlarm overwrites an alarm.
aws::PutMetricAlarmRequest put_request_for(const core::AlarmSpec& spec, bool with_tags);
// {"create":[names], "update":[{"name":..., "drift":[fields], "adopted":bool}], "delete":[names],
//  "left_alone":[names], "unchanged":N, "deletes_withheld":bool}
nlohmann::json plan_to_json(const core::AlarmPlan& plan);

}  // namespace pingwatch::monitor
