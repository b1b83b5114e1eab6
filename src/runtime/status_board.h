#pragma once
// What the daemon's status server shows: the watch state of each account-region as the last cycle left it
// (loaded from the state store), the recent transitions, each job's health, and the counters of /metrics.
// Job threads record into it (cheap, short locks); the server reads immutable snapshots, so a slow HTTP
// client never holds anything a cycle needs.
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/transitions.h"
#include "monitor/jobs.h"
#include "monitor/watch.h"
#include "runtime/metrics_text.h"

namespace pingwatch::runtime {

// One node as the status pages show it.
struct NodeView {
  std::string instance_id;
  std::string name;            // Name tag, else the computer name
  std::string scope;           // "<account>/<region>" ("default/<region>" for the default credentials)
  core::Condition condition = core::Condition::Healthy;
  std::string ping_status;     // the last PingStatus SSM reported
  double since = 0;            // when the condition began (server time, epoch seconds)
  std::optional<double> last_ping;
  std::string platform;
  std::string ip;
  std::string agent_version;
};
NodeView node_view(const core::NodeRecord& record, const std::string& scope);

struct TransitionView {
  double at = 0;               // the cycle's server time
  std::string scope;
  std::string instance_id;
  std::string name;
  std::string kind;            // lost, unhealthy-at-start, vanished, stale, recovered, appeared
  std::string from;
  std::string to;
  std::string status;          // PingStatus now ("" when absent)
  bool notified = false;
};

struct JobHealth {
  std::string name;
  int interval_seconds = 60;
  long cycles = 0;
  long failed_cycles = 0;
  std::optional<double> last_end;       // wall clock, epoch seconds
  std::optional<double> last_success;
  double last_duration = 0;
  bool last_ok = false;
  std::string last_error;
};

struct ScopeNodes {
  std::string scope;
  double loaded_at = 0;                 // wall clock of the load
  std::vector<NodeView> nodes;          // instance-id order
};

// The AWS clock of a scope: the server time of its last cycle and the wall clock when it was recorded. Ages
// ("lost for 3m") are measured on the clock the times came from, so a skewed host (or the local stack's
// accelerated clock) shows true ages.
struct ScopeClock {
  double server_time = 0;
  double wall_time = 0;
};

struct StatusSnapshot {
  std::map<std::string, std::shared_ptr<const ScopeNodes>> scopes;
  std::map<std::string, ScopeClock> clocks;
  std::vector<TransitionView> transitions;   // oldest first
  std::vector<JobHealth> jobs;               // in the order the daemon added them
};

// readyz: every job's last cycle succeeded within two of its intervals.
struct Readiness {
  bool ready = true;
  std::vector<std::string> reasons;     // why not, one per late or failing job
};
Readiness readiness(const StatusSnapshot& snapshot, double now);
// "Now" on the scope's AWS clock (wall_now when no cycle of it was recorded).
double scope_now(const StatusSnapshot& snapshot, const std::string& scope, double wall_now);

class StatusBoard {
 public:
  explicit StatusBoard(std::size_t transitions_kept = 1000);

  void add_job(const std::string& name, int interval_seconds);
  // The job's summary at the end of a cycle; ended_at is the wall clock.
  void job_finished(const std::string& name, const monitor::JobResult& result, double ended_at);
  // A watch cycle of one account-region: its transitions and notice deliveries.
  // recorded_at: the wall clock (for the scope's clock).
  void record_watch_cycle(const std::string& scope, const monitor::WatchCycleResult& cycle, double recorded_at);
  void set_scope_nodes(ScopeNodes nodes);
  // One AWS HTTP attempt (aws::RequestObserver): outcome ok | throttled | retried | error.
  void count_aws_attempt(std::string_view service, std::string_view operation, std::string_view outcome);

  std::shared_ptr<const StatusSnapshot> snapshot() const;
  // The counters and the histogram (the node gauges come from the snapshot: status_metrics.cpp).
  void write_counters(MetricsText& out) const;

 private:
  std::size_t transitions_kept_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ScopeNodes>> scopes_;
  std::map<std::string, ScopeClock> clocks_;
  std::deque<TransitionView> transitions_;
  std::vector<JobHealth> jobs_;
  CounterFamily transitions_total_;
  CounterFamily notices_total_;
  CounterFamily aws_requests_total_;
  HistogramFamily cycle_duration_;
};

}  // namespace pingwatch::runtime
