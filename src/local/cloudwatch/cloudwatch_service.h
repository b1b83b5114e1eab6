#pragma once
// The local stack's CloudWatch (signing name `monitoring`): metrics, alarms evaluated on the simulated
// clock as CloudWatch evaluates them, and SNS notifications on state changes. Both wire protocols are
// served; each operation reads one input shape (see request_input.h) and writes one output tree
// (see wire_output.h).
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "local/cloudwatch/alarm_model.h"
#include "local/cloudwatch/metric_store.h"
#include "local/cloudwatch/request_input.h"
#include "local/service.h"
#include "local/sim_clock.h"

namespace pingwatch::local::cloudwatch {

// Opaque NextToken values (hex of the position to continue after).
std::string encode_token(const std::string& plain);
std::optional<std::string> decode_token(const std::string& token);

// Alarm history is bounded the way CloudWatch bounds it, plus a count so a long run at a high time scale
// (10,000 alarms flapping every simulated minute) cannot grow the stack without limit: items older than two
// weeks of simulated time are dropped (AWS: "CloudWatch retains the history of an alarm for two weeks"), and
// only the newest kAlarmHistoryLimit items are kept across all alarms (about 1.3 KB each: ~26 MB at most).
inline constexpr std::size_t kAlarmHistoryLimit = 20000;
inline constexpr double kAlarmHistoryRetentionSeconds = 14 * 86400.0;

struct HistoryItem {
  std::string alarm_name;
  double timestamp = 0;
  std::string type;       // ConfigurationUpdate | StateUpdate | Action
  std::string summary;
  std::string data;       // JSON text
};

struct StoredAlarm : Alarm {
  std::string region;
  std::string account_id;
};

class CloudWatchService : public Service {
 public:
  explicit CloudWatchService(StackContext& context);
  std::string signing_name() const override { return "monitoring"; }
  Response handle(const Request& request) override;
  void tick(double sim_now) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

  // For tests and stats.
  size_t metric_count() const;
  size_t bucket_count() const;
  std::vector<HistoryItem> history_of(const std::string& alarm_name) const;
  size_t history_size() const;

 private:
  using Ordered = nlohmann::ordered_json;

  // A notification to publish once the lock is released.
  struct PendingAction {
    std::string alarm_name;
    std::string action_arn;
    std::string subject;
    std::string message;      // {"default":…,"email":…}
    double state_change_time = 0;
  };

  double now() const;
  // How one request's timestamps map onto the simulated clock, judged by its newest one (SimClock::client_times).
  ClientTimes client_times(double anchor_epoch_seconds) const;

  Ordered put_metric_data(const Request& request, const InputObject& in);
  Ordered list_metrics(const InputObject& in);
  Ordered get_metric_statistics(const InputObject& in);
  Ordered get_metric_data(const InputObject& in);
  Ordered put_metric_alarm(const Request& request, const InputObject& in);
  Ordered describe_alarms(const InputObject& in);
  Ordered describe_alarm_history(const InputObject& in);
  Ordered delete_alarms(const InputObject& in);
  Ordered set_actions_enabled(const InputObject& in, bool enabled);
  Ordered set_alarm_state(const InputObject& in, std::vector<PendingAction>& pending);
  Ordered tag_resource(const InputObject& in);
  Ordered untag_resource(const InputObject& in);
  Ordered list_tags_for_resource(const InputObject& in);

  void evaluate_alarms(double now, std::vector<PendingAction>& pending);
  void evaluate_alarm_at(StoredAlarm& alarm, double boundary, double now, std::vector<PendingAction>& pending);
  void change_state(StoredAlarm& alarm, const std::string& state, const std::string& reason,
                    const std::string& reason_data, double when, std::vector<PendingAction>& pending);
  void dispatch(std::vector<PendingAction>& pending);   // call without the lock
  void add_history(HistoryItem item);
  void expire_history(double sim_now);
  StoredAlarm* alarm_by_arn(const std::string& arn);
  Ordered alarm_output(const StoredAlarm& alarm) const;

  StackContext& context_;
  mutable std::mutex mutex_;
  MetricStore store_;
  std::map<std::string, StoredAlarm> alarms_;
  std::deque<HistoryItem> history_;
  double last_tick_boundary_ = -1;   // latest 10-second boundary handled by tick()
  double last_expiry_ = 0;
};

}  // namespace pingwatch::local::cloudwatch
