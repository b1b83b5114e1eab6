#include "runtime/status_board.h"

#include <fmt/format.h>

namespace pingwatch::runtime {

NodeView node_view(const core::NodeRecord& r, const std::string& scope) {
  NodeView v;
  v.instance_id = r.instance_id;
  v.name = r.name_tag.empty() ? r.computer_name : r.name_tag;
  v.scope = scope;
  v.condition = r.condition;
  v.ping_status = r.ssm_status;
  v.since = r.since;
  v.last_ping = r.last_ping;
  v.platform = r.platform;
  v.ip = r.ip_address;
  v.agent_version = r.agent_version;
  return v;
}

Readiness readiness(const StatusSnapshot& snapshot, double now) {
  Readiness r;
  for (const auto& job : snapshot.jobs) {
    const double limit = 2.0 * job.interval_seconds;
    if (!job.last_success) {
      r.reasons.push_back(job.cycles == 0
                              ? fmt::format("job {}: no cycle has finished yet", job.name)
                              : fmt::format("job {}: no cycle has succeeded yet (last error: {})", job.name, job.last_error));
    } else if (now - *job.last_success > limit) {
      r.reasons.push_back(fmt::format("job {}: last successful cycle {:.0f} s ago, more than two intervals ({} s){}",
                                      job.name, now - *job.last_success, static_cast<long>(limit),
                                      job.last_ok ? "" : " (last error: " + job.last_error + ")"));
    }
  }
  r.ready = r.reasons.empty();
  return r;
}

StatusBoard::StatusBoard(std::size_t transitions_kept)
    : transitions_kept_(transitions_kept),
      transitions_total_("pingwatch_transitions_total", "Node transitions watch decided, by account/region and kind.",
                         {"scope", "kind"}),
      notices_total_("pingwatch_notices_total",
                     "Outbox deliveries: sent, failed (SNS refused; retried), in_doubt, resent_in_doubt, dropped_in_doubt, skipped.",
                     {"outcome"}),
      aws_requests_total_("pingwatch_aws_requests_total",
                          "AWS HTTP attempts by signing service, operation and outcome (ok, throttled, retried, error).",
                          {"service", "operation", "outcome"}),
      cycle_duration_("pingwatch_cycle_duration_seconds", "Wall time of each job cycle.", {"job"},
                      {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}) {
  for (const char* outcome : {"sent", "failed", "in_doubt", "resent_in_doubt", "dropped_in_doubt", "skipped"}) {
    notices_total_.touch({outcome});
  }
}

void StatusBoard::add_job(const std::string& name, int interval_seconds) {
  std::lock_guard lock(mutex_);
  JobHealth j;
  j.name = name;
  j.interval_seconds = interval_seconds;
  jobs_.push_back(std::move(j));
}

void StatusBoard::job_finished(const std::string& name, const monitor::JobResult& result, double ended_at) {
  cycle_duration_.observe({name}, result.duration_seconds);
  std::lock_guard lock(mutex_);
  for (auto& j : jobs_) {
    if (j.name != name) continue;
    ++j.cycles;
    j.last_end = ended_at;
    j.last_duration = result.duration_seconds;
    j.last_ok = result.ok();
    if (result.ok()) {
      j.last_success = ended_at;
      j.last_error.clear();
    } else {
      ++j.failed_cycles;
      j.last_error = !result.errors.empty() ? result.errors.front()
                     : result.deadline_reached ? "deadline reached"
                     : result.stopped          ? "stopped"
                                               : "node inventory incomplete";
    }
  }
}

double scope_now(const StatusSnapshot& snapshot, const std::string& scope, double wall_now) {
  const auto it = snapshot.clocks.find(scope);
  if (it == snapshot.clocks.end() || it->second.server_time == 0) return wall_now;
  return it->second.server_time + (wall_now - it->second.wall_time);
}

void StatusBoard::record_watch_cycle(const std::string& scope, const monitor::WatchCycleResult& cycle,
                                     double recorded_at) {
  for (const auto kind : core::kAllTransitionKinds) transitions_total_.touch({scope, std::string(core::to_string(kind))});
  for (const auto& t : cycle.transitions) transitions_total_.add({scope, std::string(core::to_string(t.kind))});
  const auto& d = cycle.delivery;
  const std::pair<const char*, int> outcomes[] = {{"sent", d.sent},         {"failed", d.failed},
                                                  {"in_doubt", d.in_doubt}, {"resent_in_doubt", d.resent_in_doubt},
                                                  {"dropped_in_doubt", d.dropped_in_doubt}, {"skipped", d.skipped}};
  for (const auto& [outcome, n] : outcomes) {
    if (n > 0) notices_total_.add({outcome}, n);
  }
  std::lock_guard lock(mutex_);
  if (cycle.server_time > 0) clocks_[scope] = ScopeClock{cycle.server_time, recorded_at};
  for (const auto& t : cycle.transitions) {
    TransitionView v;
    v.at = t.observed_at != 0 ? t.observed_at : cycle.server_time;
    v.scope = scope;
    v.instance_id = t.instance_id;
    v.name = t.name_tag.empty() ? t.computer_name : t.name_tag;
    v.kind = std::string(core::to_string(t.kind));
    v.from = std::string(core::to_string(t.from));
    v.to = std::string(core::to_string(t.to));
    v.status = t.status;
    v.notified = t.notify;
    transitions_.push_back(std::move(v));
  }
  while (transitions_.size() > transitions_kept_) transitions_.pop_front();
}

void StatusBoard::set_scope_nodes(ScopeNodes nodes) {
  auto shared = std::make_shared<const ScopeNodes>(std::move(nodes));
  std::lock_guard lock(mutex_);
  scopes_[shared->scope] = std::move(shared);
}

void StatusBoard::count_aws_attempt(std::string_view service, std::string_view operation, std::string_view outcome) {
  aws_requests_total_.add({std::string(service), std::string(operation), std::string(outcome)});
}

std::shared_ptr<const StatusSnapshot> StatusBoard::snapshot() const {
  auto s = std::make_shared<StatusSnapshot>();
  std::lock_guard lock(mutex_);
  s->scopes = scopes_;   // shared node lists: no copy of the nodes
  s->clocks = clocks_;
  s->transitions.assign(transitions_.begin(), transitions_.end());
  s->jobs = jobs_;
  return s;
}

void StatusBoard::write_counters(MetricsText& out) const {
  transitions_total_.write(out);
  notices_total_.write(out);
  aws_requests_total_.write(out);
  cycle_duration_.write(out);
}

}  // namespace pingwatch::runtime
