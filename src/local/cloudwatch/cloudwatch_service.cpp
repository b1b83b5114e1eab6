#include "local/cloudwatch/cloudwatch_service.h"

#include <algorithm>
#include <cmath>

#include "local/cloudwatch/alarm_evaluation.h"
#include "local/cloudwatch/alarm_notification.h"
#include "local/cloudwatch/formatting.h"
#include "local/cloudwatch/validation.h"
#include "local/cloudwatch/wire_output.h"
#include "local/services.h"

namespace pingwatch::local::cloudwatch {
namespace {

constexpr double kTickStep = 10;           // high-resolution alarms (10/20/30 s) are evaluated every 10 s

}  // namespace

CloudWatchService::CloudWatchService(StackContext& context) : context_(context) {}

double CloudWatchService::now() const { return context_.clock ? context_.clock->now() : SimClock::wall_now(); }

ClientTimes CloudWatchService::client_times(double anchor_epoch_seconds) const {
  return context_.clock ? context_.clock->client_times(anchor_epoch_seconds) : ClientTimes();
}

Response CloudWatchService::handle(const Request& request) {
  Json query_input;
  const Json* input = &request.json;
  if (request.protocol == WireProtocol::Query) {
    query_input = query_params_to_json(request.params);
    input = &query_input;
  }
  InputObject in(*input, "");
  const std::string& op = request.operation;
  Ordered output;
  std::vector<PendingAction> pending;
  {
    std::lock_guard lock(mutex_);
    if (op == "PutMetricData") output = put_metric_data(request, in);
    else if (op == "ListMetrics") output = list_metrics(in);
    else if (op == "GetMetricStatistics") output = get_metric_statistics(in);
    else if (op == "GetMetricData") output = get_metric_data(in);
    else if (op == "PutMetricAlarm") output = put_metric_alarm(request, in);
    else if (op == "DescribeAlarms") output = describe_alarms(in);
    else if (op == "DescribeAlarmHistory") output = describe_alarm_history(in);
    else if (op == "DeleteAlarms") output = delete_alarms(in);
    else if (op == "EnableAlarmActions") output = set_actions_enabled(in, true);
    else if (op == "DisableAlarmActions") output = set_actions_enabled(in, false);
    else if (op == "SetAlarmState") output = set_alarm_state(in, pending);
    else if (op == "TagResource") output = tag_resource(in);
    else if (op == "UntagResource") output = untag_resource(in);
    else if (op == "ListTagsForResource") output = list_tags_for_resource(in);
    else if (request.protocol == WireProtocol::Query)
      throw ServiceError(400, "InvalidAction", "The action " + op + " is not valid for this web service.");
    else
      throw ServiceError(400, "UnknownOperationException", "");
  }
  dispatch(pending);
  return render_output(request, output);
}

void CloudWatchService::tick(double sim_now) {
  std::vector<PendingAction> pending;
  {
    std::lock_guard lock(mutex_);
    double boundary = std::floor(sim_now / kTickStep) * kTickStep;
    if (boundary <= last_tick_boundary_) return;
    last_tick_boundary_ = boundary;
    evaluate_alarms(sim_now, pending);
    if (sim_now - last_expiry_ >= 60) {
      store_.expire(sim_now);
      expire_history(sim_now);
      last_expiry_ = sim_now;
    }
  }
  dispatch(pending);
}

void CloudWatchService::evaluate_alarms(double sim_now, std::vector<PendingAction>& pending) {
  for (auto& [name, alarm] : alarms_) {
    // Periods of a minute or more are evaluated every minute; 10/20/30-second alarms every period.
    double cadence = static_cast<double>(std::min<long long>(alarm.definition.period, 60));
    double boundary = std::floor(sim_now / cadence) * cadence;
    if (boundary <= alarm.last_evaluated) continue;
    // An alarm created after the boundary waits for the next one.
    if (boundary < alarm.configuration_updated && alarm.last_evaluated < 0) {
      alarm.last_evaluated = boundary;
      continue;
    }
    alarm.last_evaluated = boundary;
    evaluate_alarm_at(alarm, boundary, sim_now, pending);
  }
}

void CloudWatchService::evaluate_alarm_at(StoredAlarm& alarm, double boundary, double sim_now,
                                          std::vector<PendingAction>& pending) {
  const AlarmDefinition& d = alarm.definition;
  MetricKey key = MetricKey::make(d.namespace_, d.metric_name, d.dimensions);
  auto statistic = d.statistic ? parse_statistic(*d.statistic) : std::nullopt;
  const int range_size = evaluation_range_size(d.evaluation_periods);
  const double period = static_cast<double>(d.period);
  std::vector<PeriodDatapoint> range;
  range.reserve(static_cast<size_t>(range_size));
  for (int k = 1; k <= range_size; ++k) {
    PeriodDatapoint point;
    point.start = boundary - k * period;
    // Percentiles need raw values, which the store does not keep: such periods count as missing.
    if (statistic) {
      if (auto agg = store_.aggregate(key, point.start, point.start + period, d.unit.value_or(""))) {
        point.value = statistic_value(*agg, *statistic);
        point.sample_count = agg->sample_count;
      }
    }
    range.push_back(point);
  }
  Evaluation result = evaluate_alarm(d, range, alarm.status.value, sim_now);
  if (result.keep_state || result.state == alarm.status.value) return;
  change_state(alarm, result.state, result.reason, result.reason_data, sim_now, pending);
}

void CloudWatchService::change_state(StoredAlarm& alarm, const std::string& state, const std::string& reason,
                                     const std::string& reason_data, double when, std::vector<PendingAction>& pending) {
  const std::string old_state = alarm.status.value;
  const std::string old_reason = alarm.status.reason;
  const std::string old_data = alarm.status.reason_data;
  alarm.status.reason = reason;
  alarm.status.reason_data = reason_data;
  alarm.status.updated = when;
  if (old_state == state) return;   // SetAlarmState to the same state: no transition, no actions
  alarm.status.value = state;
  alarm.status.transitioned = when;

  nlohmann::ordered_json history;
  history["version"] = "1.0";
  auto state_json = [](const std::string& value, const std::string& why, const std::string& data) {
    nlohmann::ordered_json s;
    s["stateValue"] = value;
    s["stateReason"] = why;
    if (!data.empty()) {
      auto parsed = nlohmann::ordered_json::parse(data, nullptr, false);
      if (!parsed.is_discarded()) s["stateReasonData"] = parsed;
    }
    return s;
  };
  history["oldState"] = state_json(old_state, old_reason, old_data);
  history["newState"] = state_json(state, reason, reason_data);
  add_history({alarm.definition.name, when, "StateUpdate", "Alarm updated from " + old_state + " to " + state, history.dump()});

  if (!alarm.definition.actions_enabled) return;
  const auto& actions = state == "ALARM" ? alarm.definition.alarm_actions
                        : state == "OK"  ? alarm.definition.ok_actions
                                         : alarm.definition.insufficient_data_actions;
  if (actions.empty()) return;
  StateChange change{&alarm, alarm.account_id, alarm.region, old_state, state, reason, when};
  std::string subject = notification_subject(change);
  std::string message = notification_message_structure(change);
  for (const auto& arn : actions) pending.push_back({alarm.definition.name, arn, subject, message, when});
}

void CloudWatchService::dispatch(std::vector<PendingAction>& pending) {
  for (auto& action : pending) {
    nlohmann::ordered_json data;
    std::string summary;
    if (action.action_arn.rfind("arn:aws:sns:", 0) == 0 && context_.sns) {
      try {
        std::string id = context_.sns->publish(action.action_arn, action.subject, action.message, true, nlohmann::json::object());
        data["actionState"] = "Succeeded";
        data["stateUpdateTimestamp"] = static_cast<long long>(std::llround(action.state_change_time * 1000));
        data["notificationResource"] = action.action_arn;
        data["publishedMessage"] = {{"messageId", id}};
        summary = "Successfully executed action " + action.action_arn;
      } catch (const std::exception& e) {
        data["actionState"] = "Failed";
        data["stateUpdateTimestamp"] = static_cast<long long>(std::llround(action.state_change_time * 1000));
        data["notificationResource"] = action.action_arn;
        data["error"] = e.what();
        summary = "Failed to execute action " + action.action_arn;
      }
    } else {
      data["actionState"] = "Failed";
      data["stateUpdateTimestamp"] = static_cast<long long>(std::llround(action.state_change_time * 1000));
      data["error"] = context_.sns ? "the local stack runs SNS topic actions only" : "SNS is not running in this stack";
      summary = "Failed to execute action " + action.action_arn;
    }
    std::lock_guard lock(mutex_);
    add_history({action.alarm_name, action.state_change_time, "Action", summary, data.dump()});
  }
  pending.clear();
}

void CloudWatchService::add_history(HistoryItem item) {
  history_.push_back(std::move(item));
  while (history_.size() > kAlarmHistoryLimit) history_.pop_front();
}

void CloudWatchService::expire_history(double sim_now) {
  // Items are appended in time order (an action's item carries its state change's time, a few ms earlier at
  // most), so the expired ones are at the front.
  const double oldest_kept = sim_now - kAlarmHistoryRetentionSeconds;
  while (!history_.empty() && history_.front().timestamp < oldest_kept) history_.pop_front();
}

size_t CloudWatchService::history_size() const {
  std::lock_guard lock(mutex_);
  return history_.size();
}

size_t CloudWatchService::metric_count() const {
  std::lock_guard lock(mutex_);
  return store_.metric_count();
}

size_t CloudWatchService::bucket_count() const {
  std::lock_guard lock(mutex_);
  return store_.bucket_count();
}

std::vector<HistoryItem> CloudWatchService::history_of(const std::string& alarm_name) const {
  std::lock_guard lock(mutex_);
  std::vector<HistoryItem> out;
  for (const auto& item : history_)
    if (item.alarm_name == alarm_name) out.push_back(item);
  return out;
}

namespace {

// A stored alarm's fields under their keys in the saved state, visited as visit(key, member): save() and load()
// walk this one list, so a new field is one line here. The keys are the state file's: renaming one loses saved
// alarms. last_evaluated is not here: states saved before it existed lack it (load() gives it a default).
template <class StoredAlarmRef, class Visit>
void for_each_saved_field(StoredAlarmRef& a, Visit&& visit) {
  auto& d = a.definition;
  visit("name", d.name);
  visit("description", d.description);
  visit("actions_enabled", d.actions_enabled);
  visit("ok_actions", d.ok_actions);
  visit("alarm_actions", d.alarm_actions);
  visit("insufficient_data_actions", d.insufficient_data_actions);
  visit("metric_name", d.metric_name);
  visit("namespace", d.namespace_);
  visit("statistic", d.statistic);
  visit("extended_statistic", d.extended_statistic);
  visit("dimensions", d.dimensions);   // [[name, value], ...]
  visit("period", d.period);
  visit("unit", d.unit);
  visit("evaluation_periods", d.evaluation_periods);
  visit("datapoints_to_alarm", d.datapoints_to_alarm);
  visit("threshold", d.threshold);
  visit("comparison_operator", d.comparison_operator);
  visit("treat_missing_data", d.treat_missing_data);
  visit("evaluate_low_sample_count_percentile", d.evaluate_low_sample_count_percentile);
  visit("arn", a.arn);
  visit("region", a.region);
  visit("account_id", a.account_id);
  visit("configuration_updated", a.configuration_updated);
  visit("state", a.status.value);
  visit("reason", a.status.reason);
  visit("reason_data", a.status.reason_data);
  visit("state_updated", a.status.updated);
  visit("state_transitioned", a.status.transitioned);
  visit("tags", a.tags);   // [[key, value], ...]
}

// An optional field is saved as null when unset; a missing or null one loads as unset. Any other field must be there.
template <class T>
nlohmann::json saved(const T& value) { return value; }
template <class T>
nlohmann::json saved(const std::optional<T>& value) { return value ? nlohmann::json(*value) : nlohmann::json(); }
template <class T>
void restore(const nlohmann::json& j, const char* key, T& value) { j.at(key).get_to(value); }
template <class T>
void restore(const nlohmann::json& j, const char* key, std::optional<T>& value) {
  if (j.contains(key) && !j[key].is_null()) value = j[key].get<T>();
  else value.reset();
}

}  // namespace

nlohmann::json CloudWatchService::save() const {
  std::lock_guard lock(mutex_);
  nlohmann::json alarms = nlohmann::json::array();
  for (const auto& entry : alarms_) {
    nlohmann::json j = nlohmann::json::object();
    for_each_saved_field(entry.second, [&j](const char* key, const auto& value) { j[key] = saved(value); });
    j["last_evaluated"] = entry.second.last_evaluated;
    alarms.push_back(std::move(j));
  }
  nlohmann::json history = nlohmann::json::array();
  for (const auto& h : history_) history.push_back({h.alarm_name, h.timestamp, h.type, h.summary, h.data});
  return {{"version", 1}, {"metrics", store_.save()}, {"alarms", alarms}, {"history", history}};
}

void CloudWatchService::load(const nlohmann::json& state) {
  std::lock_guard lock(mutex_);
  if (!state.is_object() || state.empty()) return;
  store_.load(state.value("metrics", nlohmann::json::array()));
  alarms_.clear();
  for (const auto& j : state.value("alarms", nlohmann::json::array())) {
    StoredAlarm a;
    for_each_saved_field(a, [&j](const char* key, auto& value) { restore(j, key, value); });
    a.last_evaluated = j.value("last_evaluated", -1.0);
    alarms_[a.definition.name] = std::move(a);
  }
  history_.clear();
  for (const auto& h : state.value("history", nlohmann::json::array()))
    add_history({h.at(0), h.at(1), h.at(2), h.at(3), h.at(4)});   // a state saved with a larger bound is cut to this one
}

}  // namespace pingwatch::local::cloudwatch

namespace pingwatch::local {

std::unique_ptr<Service> make_cloudwatch_service(StackContext& context) {
  return std::make_unique<cloudwatch::CloudWatchService>(context);
}

}  // namespace pingwatch::local
