#include "core/transitions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

namespace pingwatch::core {

std::string_view to_string(Condition condition) {
  switch (condition) {
    case Condition::Healthy: return "healthy";
    case Condition::Stale: return "stale";
    case Condition::Lost: return "lost";
    case Condition::Absent: return "absent";
  }
  return "healthy";
}

std::optional<Condition> parse_condition(std::string_view text) {
  for (Condition c : {Condition::Healthy, Condition::Stale, Condition::Lost, Condition::Absent}) {
    if (to_string(c) == text) return c;
  }
  return std::nullopt;
}

std::string stable_hash(std::string_view text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

Condition condition_of(const ManagedNode& node, EpochSeconds now, const WatchPolicy& policy) {
  // Anything but Online (ConnectionLost, Inactive, or a value AWS adds later) means SSM cannot reach the agent.
  if (node.ping_status != PingStatus::Online) return Condition::Lost;
  if (node.last_ping && now - *node.last_ping > policy.stale_threshold_seconds()) return Condition::Stale;
  return Condition::Healthy;
}

namespace {

std::string format_time_key(EpochSeconds t) { return fmt::format("{:.3f}", t); }

// The episode starts at the last contact SSM recorded (stable when a cycle is recomputed after a crash),
// or at the first observation when SSM never recorded a ping.
std::string episode_key(const NodeRecord& record, EpochSeconds fallback) {
  return record.instance_id + "@" + format_time_key(record.last_ping.value_or(fallback));
}

std::string transition_key(const std::string& instance_id, TransitionKind kind, const std::string& episode) {
  return stable_hash(instance_id + "|" + std::string(to_string(kind)) + "|" + episode);
}

void describe(NodeRecord& record, const ManagedNode& node, const std::map<std::string, std::string>& tags) {
  record.ssm_status = node.ping_status_raw.empty() ? std::string(to_string(node.ping_status)) : node.ping_status_raw;
  if (node.last_ping) record.last_ping = node.last_ping;
  if (!node.computer_name.empty()) record.computer_name = node.computer_name;
  if (!node.ip_address.empty()) record.ip_address = node.ip_address;
  std::string platform = node.platform_name.empty() ? node.platform_type : node.platform_name;
  if (!node.platform_version.empty() && !platform.empty()) platform += " " + node.platform_version;
  if (!platform.empty()) record.platform = platform;
  if (!node.agent_version.empty()) record.agent_version = node.agent_version;
  if (auto it = tags.find("Name"); it != tags.end()) record.name_tag = it->second;
  else if (!node.name.empty() && record.name_tag.empty()) record.name_tag = node.name;   // hybrid nodes' Name
}

Transition make_transition(TransitionKind kind, const NodeRecord& record, Condition from, Condition to,
                           std::string previous_status, EpochSeconds since, EpochSeconds now,
                           const std::string& episode) {
  Transition t;
  t.kind = kind;
  t.instance_id = record.instance_id;
  t.from = from;
  t.to = to;
  t.previous_status = std::move(previous_status);
  t.status = to == Condition::Absent ? std::string() : record.ssm_status;
  t.since = since;
  t.observed_at = now;
  t.last_ping = record.last_ping;
  t.vanished_reason = parse_vanished_reason(record.vanished_reason).value_or(VanishedReason::Unknown);
  t.key = transition_key(record.instance_id, kind, episode);
  static_cast<NodeDescription&>(t) = record;
  return t;
}

TransitionKind down_kind(Condition from, Condition to) {
  if (to == Condition::Absent) return TransitionKind::Vanished;
  if (to == Condition::Stale) return TransitionKind::Stale;
  (void)from;
  return TransitionKind::Lost;
}

bool policy_allows(const WatchPolicy& policy, const Transition& t) {
  if (t.kind == TransitionKind::Vanished) return policy.notifies_vanished(t.vanished_reason);
  return policy.notifies(t.kind);
}

class CycleEvaluator {
 public:
  CycleEvaluator(const Observation& observation, const WatchPolicy& policy)
      : obs_(observation), policy_(policy), now_(observation.snapshot.server_time) {}

  std::string suppression(const NodeRecord& record, const std::map<std::string, std::string>& tags) const {
    if (record.ignored) return "ignore tag " + policy_.ignore_tag_key + "=" + policy_.ignore_tag_value;
    for (const auto& w : policy_.maintenance_windows) {
      if (window_active(w, now_) && window_applies(w, record.instance_id, tags)) {
        return "maintenance window " + (w.name.empty() ? std::string("(unnamed)") : w.name);
      }
    }
    return {};
  }

  // Decide whether a down transition is notified, and keep the episode's bookkeeping.
  void settle_down(NodeRecord& record, Transition& t, const std::map<std::string, std::string>& tags) {
    if (record.alerted) {
      t.suppressed_by = "already alerted for this episode";
      return;
    }
    if (!policy_allows(policy_, t)) {
      t.suppressed_by = "policy";
      return;
    }
    if (auto why = suppression(record, tags); !why.empty()) {
      t.suppressed_by = why;
      record.held_kind = t.kind;
      return;
    }
    t.notify = true;
    record.alerted = true;
    record.held_kind.reset();
  }

  void change(NodeRecord& record, Condition to, EpochSeconds since, const std::string& previous_status,
              const std::map<std::string, std::string>& tags, std::vector<Transition>& out) {
    const Condition from = record.condition;
    if (to == Condition::Healthy) {
      Transition t = make_transition(TransitionKind::Recovered, record, from, to, previous_status, since, now_,
                                     record.episode);
      if (!record.alerted) {
        t.suppressed_by = "no alert sent";
      } else if (!policy_.notify_recovered) {
        t.suppressed_by = "policy";
      } else if (record.ignored) {
        t.suppressed_by = "ignore tag " + policy_.ignore_tag_key + "=" + policy_.ignore_tag_value;
      } else {
        t.notify = true;   // the person was told it went down: always tell them it came back
      }
      record.condition = to;
      record.since = since;
      record.episode.clear();
      record.alerted = false;
      record.held_kind.reset();
      record.vanished_reason.clear();
      out.push_back(std::move(t));
      return;
    }
    if (from == Condition::Healthy) {
      record.episode = episode_key(record, since);
      record.alerted = false;
      record.held_kind.reset();
    }
    if (to != Condition::Absent) record.vanished_reason.clear();
    record.condition = to;
    record.since = since;
    Transition t = make_transition(down_kind(from, to), record, from, to, previous_status, since, now_, record.episode);
    settle_down(record, t, tags);
    out.push_back(std::move(t));
  }

  // Apply one observation of `seen` to an existing record, with flap suppression.
  void observe(NodeRecord& record, Condition seen, const std::string& previous_status,
               const std::map<std::string, std::string>& tags, std::vector<Transition>& out, std::size_t& held) {
    if (seen == record.condition) {
      record.pending.reset();
      record.pending_count = 0;
      return;
    }
    EpochSeconds since = now_;
    if (policy_.hold_cycles > 1) {
      if (record.pending == seen) {
        ++record.pending_count;
      } else {
        record.pending = seen;
        record.pending_count = 1;
        record.pending_since = now_;
      }
      if (record.pending_count < policy_.hold_cycles) {
        ++held;
        return;
      }
      since = record.pending_since;
    }
    record.pending.reset();
    record.pending_count = 0;
    change(record, seen, since, previous_status, tags, out);
  }

  // A withheld down notice goes out once the tag or window that held it has lifted.
  void release_held(NodeRecord& record, const std::map<std::string, std::string>& tags, std::vector<Transition>& out) {
    if (!record.held_kind || record.alerted || !is_unhealthy(record.condition)) return;
    if (!suppression(record, tags).empty()) return;
    Transition t = make_transition(*record.held_kind, record, record.condition, record.condition, record.ssm_status, record.since,
                                   now_, record.episode);
    t.deferred = true;
    if (!policy_allows(policy_, t)) return;
    t.notify = true;
    record.alerted = true;
    record.held_kind.reset();
    out.push_back(std::move(t));
  }

  std::map<std::string, std::string> tags_of(const std::string& id, const ManagedNode* node) const {
    std::map<std::string, std::string> tags;
    if (node) tags = node->tags;
    if (auto it = obs_.tags.find(id); it != obs_.tags.end()) {
      for (const auto& [k, v] : it->second) tags[k] = v;
    }
    return tags;
  }

  void refresh_ignored(NodeRecord& record, const std::map<std::string, std::string>& tags) const {
    if (obs_.ignored_ids) record.ignored = obs_.ignored_ids->count(record.instance_id) > 0;
    if (auto it = tags.find(policy_.ignore_tag_key); it != tags.end()) {
      record.ignored = it->second == policy_.ignore_tag_value;
    }
  }

  CycleOutcome run(const WatchState& previous) {
    CycleOutcome outcome;
    outcome.state = previous;
    WatchState& state = outcome.state;
    ++state.cycle;
    const bool full_and_complete = obs_.full && obs_.snapshot.complete;
    if (obs_.full) state.last_full_cycle = state.cycle;

    std::map<std::string, const ManagedNode*> seen;
    for (const auto& node : obs_.snapshot.nodes) seen[node.instance_id] = &node;

    std::vector<Transition> out;
    for (const auto& [id, node] : seen) listed(state, previous.baseline, id, *node, out, outcome.held);
    not_listed(state, seen, full_and_complete, out, outcome.held);

    if (full_and_complete) state.baseline = true;
    std::stable_sort(out.begin(), out.end(),
                     [](const Transition& a, const Transition& b) { return a.instance_id < b.instance_id; });
    outcome.transitions = std::move(out);
    return outcome;
  }

 private:
  // A node listed this cycle: a first sighting, or the next observation of a known one.
  void listed(WatchState& state, bool had_baseline, const std::string& id, const ManagedNode& node,
              std::vector<Transition>& out, std::size_t& held) {
    const auto tags = tags_of(id, &node);
    const auto at = obs_.observed_at.find(id);
    const EpochSeconds seen_at = at == obs_.observed_at.end() ? now_ : at->second;
    const Condition c = condition_of(node, seen_at, policy_);
    auto it = state.nodes.find(id);
    if (it == state.nodes.end()) {
      state.nodes.emplace(id, first_sighting(had_baseline, id, node, tags, seen_at, c, out));
      return;
    }
    NodeRecord& record = it->second;
    const std::string previous_status = record.condition == Condition::Absent ? std::string() : record.ssm_status;
    describe(record, node, tags);
    refresh_ignored(record, tags);
    record.last_seen = seen_at;
    observe(record, c, previous_status, tags, out, held);
    release_held(record, tags, out);
  }

  // A node not known before: it appeared (after the first complete inventory), or is unhealthy at start.
  NodeRecord first_sighting(bool had_baseline, const std::string& id, const ManagedNode& node,
                            const std::map<std::string, std::string>& tags, EpochSeconds seen_at, Condition c,
                            std::vector<Transition>& out) {
    NodeRecord record;
    record.instance_id = id;
    describe(record, node, tags);
    refresh_ignored(record, tags);
    record.last_seen = seen_at;
    record.condition = c;
    record.since = now_;
    if (c == Condition::Healthy) {
      if (had_baseline) {
        Transition t = make_transition(TransitionKind::Appeared, record, c, c, "", now_, now_,
                                       id + "@appeared@" + format_time_key(node.registration_date.value_or(now_)));
        if (!policy_.notify_appeared) t.suppressed_by = "policy";
        else if (auto why = suppression(record, tags); !why.empty()) t.suppressed_by = why;
        else t.notify = true;
        out.push_back(std::move(t));
      }
    } else {
      record.episode = episode_key(record, now_);
      Transition t = make_transition(TransitionKind::UnhealthyAtStart, record, c, c, "", now_, now_, record.episode);
      settle_down(record, t, tags);
      out.push_back(std::move(t));
    }
    return record;
  }

  // Nodes not listed: absent only where this observation covered them completely; forgotten long after.
  void not_listed(WatchState& state, const std::map<std::string, const ManagedNode*>& seen, bool full_and_complete,
                  std::vector<Transition>& out, std::size_t& held) {
    std::vector<std::string> forget;
    for (auto& [id, record] : state.nodes) {
      if (seen.count(id)) continue;
      const auto tags = tags_of(id, nullptr);
      const bool covered = full_and_complete || obs_.queried_ids.count(id) > 0;
      if (covered) {
        if (auto name = tags.find("Name"); name != tags.end()) record.name_tag = name->second;
        if (obs_.ignored_ids) record.ignored = obs_.ignored_ids->count(id) > 0;
        if (auto r = obs_.vanished_reasons.find(id); r != obs_.vanished_reasons.end()) {
          record.vanished_reason = std::string(to_string(r->second));
        }
        observe(record, Condition::Absent, record.condition == Condition::Absent ? "" : record.ssm_status, tags, out,
                held);
        if (record.condition == Condition::Absent && now_ - record.since > policy_.forget_vanished_after_seconds) {
          forget.push_back(id);
          continue;
        }
      }
      release_held(record, tags, out);
    }
    for (const auto& id : forget) state.nodes.erase(id);
  }

  const Observation& obs_;
  const WatchPolicy& policy_;
  EpochSeconds now_;
};

}  // namespace

CycleOutcome evaluate_cycle(const WatchState& previous, const Observation& observation, const WatchPolicy& policy) {
  return CycleEvaluator(observation, policy).run(previous);
}

bool full_inventory_due(const WatchState& state, const WatchPolicy& policy) {
  if (!state.baseline || state.last_full_cycle < 0) return true;
  const int every = std::max(1, policy.full_inventory_every);
  return state.cycle + 1 - state.last_full_cycle >= every;
}

bool is_quiet(const NodeRecord& r) {
  return r.condition == Condition::Healthy && !r.pending && !r.held_kind;
}

QuietNode quiet_node(const NodeRecord& r) {
  return {r.instance_id, r.last_ping, r.last_seen, parse_ping_status(r.ssm_status)};
}

namespace {

double suspect_age(const WatchPolicy& policy) { return policy.health_interval_seconds + policy.stale_grace_seconds; }

// Nodes that were fresh when last listed are not asked about until the next full inventory (that is what
// keeps a steady cycle at a few calls; docs/watch.md shows staleness is still caught in time).
bool missed_a_ping(const std::optional<EpochSeconds>& last_ping, EpochSeconds last_seen, EpochSeconds now,
                   double age) {
  return last_ping && last_seen - *last_ping > age && now - *last_ping > age;
}

// Everything of a record but the last ping and last seen.
bool same_but_times(NodeRecord a, const NodeRecord& b) {
  a.last_ping = b.last_ping;
  a.last_seen = b.last_seen;
  return a == b;
}

// Each node's buckets start at its own offset (from its id), so a fleet's rewrites spread evenly over time
// instead of all coming at one boundary.
std::optional<long long> ping_bucket(const std::string& instance_id, const std::optional<EpochSeconds>& last_ping) {
  if (!last_ping) return std::nullopt;
  std::uint64_t h = 1469598103934665603ULL;   // FNV-1a, as stable_hash
  for (unsigned char ch : instance_id) h = (h ^ ch) * 1099511628211ULL;
  const double offset = static_cast<double>(h % static_cast<std::uint64_t>(kPingBucketSeconds));
  return static_cast<long long>(std::floor((*last_ping + offset) / kPingBucketSeconds));
}

}  // namespace

bool missed_a_ping(const std::optional<EpochSeconds>& last_ping, EpochSeconds last_seen, const WatchPolicy& policy) {
  return last_ping && last_seen - *last_ping > suspect_age(policy);
}

bool is_cold(const NodeRecord& r, const WatchPolicy& policy) {
  return is_quiet(r) && !missed_a_ping(r.last_ping, r.last_seen, policy);
}

void keep_unmoved_records(const WatchState& previous, WatchState& next, const WatchPolicy& policy) {
  for (auto& [id, record] : next.nodes) {
    auto it = previous.nodes.find(id);
    if (it == previous.nodes.end()) continue;
    const NodeRecord& stored = it->second;
    if (is_cold(stored, policy) && is_cold(record, policy) && same_but_times(record, stored) &&
        ping_bucket(id, record.last_ping) == ping_bucket(id, stored.last_ping)) {
      record = stored;
    }
  }
}

std::vector<std::string> ids_to_verify(const WatchState& state, const std::set<std::string>& unhealthy_listed,
                                       EpochSeconds now, const WatchPolicy& policy, const std::vector<QuietNode>& quiet) {
  // Urgency classes: 0 = lost but no longer listed as such (recovered or gone), 1 = stale (recovered?),
  // 2 = inside flap suppression, 3 = healthy but had missed a ping when last listed (oldest ping first).
  struct Candidate {
    int urgency;
    double order;
    std::string id;
  };
  std::vector<Candidate> candidates;
  const double age = suspect_age(policy);
  for (const auto& [id, record] : state.nodes) {
    if (unhealthy_listed.count(id)) continue;
    const double ping = record.last_ping.value_or(record.last_seen);
    if (record.condition == Condition::Lost) {
      candidates.push_back({0, ping, id});
    } else if (record.condition == Condition::Stale) {
      candidates.push_back({1, ping, id});
    } else if (record.pending) {
      candidates.push_back({2, ping, id});
    } else if (record.condition == Condition::Healthy && missed_a_ping(record.last_ping, record.last_seen, now, age)) {
      candidates.push_back({3, ping, id});
    }
  }
  for (const auto& q : quiet) {
    if (unhealthy_listed.count(q.instance_id)) continue;
    if (missed_a_ping(q.last_ping, q.last_seen, now, age)) candidates.push_back({3, *q.last_ping, q.instance_id});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.urgency != b.urgency) return a.urgency < b.urgency;
    if (a.order != b.order) return a.order < b.order;
    return a.id < b.id;
  });
  std::vector<std::string> ids;
  for (const auto& c : candidates) {
    if (ids.size() >= policy.max_verify_ids) break;
    ids.push_back(c.id);
  }
  return ids;
}

FleetCounts count_fleet(const WatchState& state, const std::vector<Transition>& transitions,
                        const std::vector<QuietNode>& quiet, long cold) {
  FleetCounts counts;
  for (const char* s : {"Online", "ConnectionLost", "Inactive", "Unknown", "Vanished"}) counts.by_status[s] = 0;
  for (Condition c : {Condition::Healthy, Condition::Stale, Condition::Lost, Condition::Absent}) {
    counts.by_condition[std::string(to_string(c))] = 0;
  }
  for (TransitionKind k : kAllTransitionKinds) counts.by_transition[std::string(to_string(k))] = 0;
  for (const auto& [id, record] : state.nodes) {
    ++counts.by_condition[std::string(to_string(record.condition))];
    if (record.condition == Condition::Absent) {
      ++counts.by_status["Vanished"];
    } else {
      const auto status = parse_ping_status(record.ssm_status);
      ++counts.by_status[std::string(to_string(status))];
    }
  }
  counts.by_condition[std::string(to_string(Condition::Healthy))] += static_cast<long>(quiet.size());
  for (const auto& q : quiet) ++counts.by_status[std::string(to_string(q.status))];
  counts.by_condition[std::string(to_string(Condition::Healthy))] += cold;
  counts.by_status[std::string(to_string(PingStatus::Online))] += cold;
  for (const auto& t : transitions) ++counts.by_transition[std::string(to_string(t.kind))];
  return counts;
}

}  // namespace pingwatch::core
