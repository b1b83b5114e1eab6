#pragma once
// The pure heart of `watch`: previous per-node state + what SSM showed this cycle + policy -> next state
// and the transitions to report. No clocks (the server time travels in the observation), no I/O.
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/managed_node.h"
#include "core/watch_policy.h"

namespace pingwatch::core {

// A node's condition as watch judges it. Stale = SSM still says Online but the last ping is too old.
enum class Condition { Healthy, Stale, Lost, Absent };
std::string_view to_string(Condition condition);   // "healthy", "stale", "lost", "absent"
std::optional<Condition> parse_condition(std::string_view text);
inline bool is_unhealthy(Condition c) { return c != Condition::Healthy; }

// What a notice about a node shows of it: a record keeps it (so a vanished node can still be described) and
// each transition carries it.
struct NodeDescription {
  std::string name_tag;
  std::string computer_name;
  std::string ip_address;
  std::string platform;
  std::string agent_version;
  bool operator==(const NodeDescription&) const = default;
};

// What watch remembers of one node between cycles.
struct NodeRecord : NodeDescription {
  std::string instance_id;
  Condition condition = Condition::Healthy;      // confirmed (after flap suppression)
  std::string ssm_status;                        // last PingStatus text seen
  EpochSeconds since = 0;                        // server time the confirmed condition was first seen
  std::optional<EpochSeconds> last_ping;         // LastPingDateTime last seen
  EpochSeconds last_seen = 0;                    // server time of the last listing that showed the node
  // Flap suppression: a candidate condition and how many consecutive observations showed it.
  std::optional<Condition> pending;
  int pending_count = 0;
  EpochSeconds pending_since = 0;
  // Notification bookkeeping for the current unhealthy episode.
  std::string episode;       // deterministic key of the episode ("" while healthy)
  bool alerted = false;      // a down notice was queued for this episode
  std::optional<TransitionKind> held_kind;   // a down transition withheld by a tag/maintenance window, sent when they lift
  std::string vanished_reason;
  bool ignored = false;      // carries the ignore tag (as of the last full inventory)
  bool operator==(const NodeRecord&) const = default;
};

// A healthy node with nothing in progress (no pending change, no withheld notice): all that a partial
// cycle needs of it is whether it had missed a ping when last listed and what to count it as. Stores load
// such nodes in this form on partial cycles (~100 bytes instead of ~600: 100,000 nodes in ~10 MB); the
// few that a cycle lists or asks about are then loaded in full (StateStore::load_records).
struct QuietNode {
  std::string instance_id;
  std::optional<EpochSeconds> last_ping;
  EpochSeconds last_seen = 0;
  PingStatus status = PingStatus::Online;
  bool operator==(const QuietNode&) const = default;
};
bool is_quiet(const NodeRecord& record);
QuietNode quiet_node(const NodeRecord& record);

// When last listed, its ping was already older than one health interval + grace: it missed a ping, and a
// partial cycle asks about it (ids_to_verify).
bool missed_a_ping(const std::optional<EpochSeconds>& last_ping, EpochSeconds last_seen, const WatchPolicy& policy);
// A quiet node that had not missed a ping: until the next full inventory a partial cycle needs nothing of it
// but that it exists (it is counted healthy and Online). The DynamoDB store keeps such records apart and
// does not read them on partial cycles.
bool is_cold(const NodeRecord& record, const WatchPolicy& policy);


struct WatchState {
  std::map<std::string, NodeRecord> nodes;
  bool baseline = false;        // a complete full inventory has been seen (new nodes after it "appeared")
  long cycle = 0;               // cycles evaluated
  long last_full_cycle = -1;    // cycle number of the last full inventory
  bool operator==(const WatchState&) const = default;
};

// Stored last pings of cold nodes move in buckets of this size: between full inventories a cold node's
// record is rewritten only when its condition, its facts or its ping bucket moved, or it stops being cold.
// Nothing a cycle decides depends on a cold node's exact last ping (ids_to_verify needs only "missed a
// ping", which a rewrite keeps exact); a vanished notice shows the last ping stored, at most this old.
inline constexpr double kPingBucketSeconds = 6 * 3600.0;
// `next` with every cold record whose only change since `previous` is a last ping (and last seen) in the
// same bucket put back as it was stored: those records are not rewritten. Decisions are unchanged.
void keep_unmoved_records(const WatchState& previous, WatchState& next, const WatchPolicy& policy);

// What one cycle saw. A full inventory lists every managed node (when snapshot.complete); a partial one
// lists the nodes not Online and the ids asked for by InstanceIds (queried_ids: absent there = not listed).
struct Observation {
  FleetSnapshot snapshot;
  bool full = true;
  std::set<std::string> queried_ids;
  std::optional<std::set<std::string>> ignored_ids;             // tag lookup done this cycle
  std::map<std::string, VanishedReason> vanished_reasons;       // ec2:DescribeInstances answers
  std::map<std::string, std::map<std::string, std::string>> tags;   // e.g. Name tags looked up
  // Server time of the page that listed each node (a long inventory spans minutes of server time: a node
  // is judged against the clock of its own page). Missing: snapshot.server_time.
  std::map<std::string, EpochSeconds> observed_at;
};

struct Transition : NodeDescription {   // the node as the notice describes it
  TransitionKind kind = TransitionKind::Lost;
  std::string instance_id;
  Condition from = Condition::Healthy;
  Condition to = Condition::Healthy;
  std::string previous_status;          // PingStatus before ("" on first sight)
  std::string status;                   // PingStatus now ("" when absent)
  EpochSeconds since = 0;               // when the new condition was first seen (server time)
  EpochSeconds observed_at = 0;         // this cycle's server time
  std::optional<EpochSeconds> last_ping;
  VanishedReason vanished_reason = VanishedReason::Unknown;
  bool deferred = false;                // withheld earlier (tag, maintenance window), reported now
  bool notify = false;
  std::string suppressed_by;            // why not notified: "policy", "ignore tag", "maintenance window NAME", "no alert sent"
  std::string key;                      // deterministic: same episode and kind -> same key, across restarts
};

struct CycleOutcome {
  WatchState state;
  std::vector<Transition> transitions;   // every transition, notified or not, in instance-id order
  std::size_t held = 0;                  // candidate changes still inside flap suppression
};

// Judge one node's condition at server time `now`.
Condition condition_of(const ManagedNode& node, EpochSeconds now, const WatchPolicy& policy);

// The cycle's decision. Incomplete or partial observations never produce `vanished` for nodes they did
// not explicitly cover.
CycleOutcome evaluate_cycle(const WatchState& previous, const Observation& observation, const WatchPolicy& policy);

// Polling plan. A full inventory is due on the first cycle and every policy.full_inventory_every cycles.
bool full_inventory_due(const WatchState& state, const WatchPolicy& policy);

// On a partial cycle, after listing the nodes not Online (`unhealthy_listed`, complete), the ids to ask
// about by InstanceIds: lost nodes no longer listed (recovered or gone), stale nodes (recovered?), nodes in
// flap suppression, and healthy nodes whose ping was already older than one health interval + grace when
// they were last listed (they missed a ping: check them every cycle so staleness is caught at the threshold). Most urgent first,
// at most policy.max_verify_ids.
// `quiet`: nodes known only as QuietNode (not in state.nodes); judged exactly as their full records would be.
std::vector<std::string> ids_to_verify(const WatchState& state, const std::set<std::string>& unhealthy_listed,
                                       EpochSeconds now, const WatchPolicy& policy,
                                       const std::vector<QuietNode>& quiet = {});

// Counts for aggregate metrics: nodes per PingStatus/condition and transitions per kind.
struct FleetCounts {
  std::map<std::string, long> by_status;       // Online, ConnectionLost, Inactive, Unknown, Vanished
  std::map<std::string, long> by_condition;    // healthy, stale, lost, absent
  std::map<std::string, long> by_transition;   // every kind, 0 included
};
// `quiet`: nodes not in state.nodes, counted as healthy with their status.
// `cold`: further quiet nodes known only by number (healthy, Online).
FleetCounts count_fleet(const WatchState& state, const std::vector<Transition>& transitions,
                        const std::vector<QuietNode>& quiet = {}, long cold = 0);

// 64-bit FNV-1a as 16 hex digits: the deterministic ids of episodes and notices.
std::string stable_hash(std::string_view text);

}  // namespace pingwatch::core
