#pragma once
// The simulated fleet behind the local SSM (and EC2) APIs: managed nodes whose agents ping on the agent's
// schedule, and faults that change what SSM reports the way they do on AWS.
//
// Nodes are kept sorted by id and never move once created, so a page of DescribeInstanceInformation is a
// binary search plus a short walk (O(page), not O(fleet)). Ping status is computed from each node's
// AgentSchedule at read time, so ticking costs nothing per node.
#include <cstdint>
#include <map>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "local/fleet/agent_schedule.h"

namespace pingwatch::local::fleet {

enum class Fault { AgentStop, NetworkBlock, ImdsDisabled, RoleDetached, Stop, Terminate, Deregister, Recover };
std::optional<Fault> parse_fault(std::string_view text);   // "agent-stop", "network-block", ...
std::string_view fault_name(Fault fault);
std::string known_faults();                                 // for error messages

enum class Ec2State { Running, Stopped, Terminated };
std::string_view ec2_state_name(Ec2State state);

using Tags = std::vector<std::pair<std::string, std::string>>;   // insertion order, unique keys

struct Node {
  std::string id;                 // i-<17 hex> (EC2) or mi-<17 hex> (hybrid)
  bool hybrid = false;
  std::string platform_type;      // Linux | Windows | MacOS (a fleet file may name one SSM does not document yet)
  std::string reported_ping_status;   // fleet file only: a PingStatus reported whatever the agent does ("" = real)
  std::string platform_name;
  std::string platform_version;
  std::string agent_version;
  bool is_latest_version = false;
  std::string ip_address;
  std::string computer_name;
  std::string name;               // hybrid only (the activation's instance name)
  std::string activation_id;      // hybrid only
  std::string iam_role;           // hybrid only (SSM does not report the EC2 instance profile)
  double registration_date = 0;   // hybrid only, epoch seconds
  std::string association_status; // empty = no associations
  Tags tags;

  AgentSchedule schedule;
  bool managed = true;            // false after deregister (until recover)
  Ec2State ec2_state = Ec2State::Running;
  bool agent_stopped = false;     // agent-stop, or the instance is stopped: recover restarts at once
  std::string last_fault;         // for GET /_local/fleet
  double last_fault_at = 0;
  // What EC2 DescribeInstances shows of the node's history (EC2 nodes only).
  double launch_time = 0;         // epoch seconds of the last launch (a start after stop relaunches)
  double state_changed_at = 0;    // when the instance was stopped or terminated (StateTransitionReason)
  bool imds_disabled = false;     // imds-disabled: MetadataOptions.HttpEndpoint disabled until recover
  bool role_detached = false;     // role-detached: no IamInstanceProfile until recover
};

struct FleetOptions {
  std::size_t nodes = 0;                 // generated EC2 nodes
  std::uint64_t seed = 1;
  std::string fleet_file;                // JSON description (nodes, faults); see fleet_file.cpp
  double ping_interval_seconds = 300;    // the agent's HealthFrequencyMinutes default (5)
  double connection_lost_after_seconds = 600;
  double credential_cache_seconds = 45 * 60;
  std::string region = "us-east-1";      // for computer names (ip-…​.ec2.internal / <region>.compute.internal)
};

struct ScheduledFault {
  double at = 0;                   // sim epoch seconds
  std::string instance_id;
  Fault fault = Fault::AgentStop;
};

enum class Status { Online, ConnectionLost };

class Fleet {
 public:
  // sim_start: the simulated instant the fleet comes to life (agents have been pinging before it).
  Fleet(const FleetOptions& options, double sim_start);

  // Locking: readers hold read_lock() while using nodes()/find(); writers (faults, tags) take write_lock().
  std::shared_lock<std::shared_mutex> read_lock() const { return std::shared_lock(mutex_); }
  std::unique_lock<std::shared_mutex> write_lock() { return std::unique_lock(mutex_); }

  const std::vector<Node>& nodes() const { return nodes_; }   // sorted by id
  const Node* find(std::string_view id) const;
  Node* find(std::string_view id);
  std::size_t lower_bound_index(std::string_view id) const;   // first node with id >= `id`

  // Is the node in SSM's DescribeInstanceInformation list at all (managed, instance not stopped/terminated)?
  static bool listed_in_ssm(const Node& node) { return node.managed && node.ec2_state == Ec2State::Running; }
  double last_ping(const Node& node, double now) const;
  Status status(const Node& node, double now) const;

  // Applies a fault at sim time `at` (takes the write lock). Throws std::out_of_range for an unknown id,
  // std::invalid_argument when the fault cannot apply (e.g. recover a terminated instance).
  void apply_fault(const std::string& instance_id, Fault fault, double at);
  void tick(double sim_now);   // applies due faults of the --fleet file's timeline at their own instants

  const FleetOptions& options() const { return options_; }
  double sim_start() const { return sim_start_; }

  nlohmann::json to_json(double now) const;    // GET /_local/fleet: every node with its true agent state (locks)
  nlohmann::json save() const;                 // tags, schedules, faults (not the generated constants); locks
  void load(const nlohmann::json& state);      // locks

 private:
  void apply_fault_locked(Node& node, Fault fault, double at);
  void add_node(Node node);   // before sorting, at construction only

  FleetOptions options_;
  double sim_start_;
  std::vector<Node> nodes_;
  std::vector<ScheduledFault> pending_;   // sorted by `at`, descending (pop from the back)
  mutable std::shared_mutex mutex_;
};

// Building blocks, exposed for tests.
std::vector<Node> generate_nodes(std::size_t count, std::uint64_t seed, double sim_start, double interval,
                                 const std::string& region);
struct FleetFile {
  std::vector<Node> nodes;
  std::vector<ScheduledFault> faults;   // `at` relative to sim_start already added
  std::size_t generate = 0;             // extra generated nodes requested by the file
};
FleetFile parse_fleet_file(const nlohmann::json& document, double sim_start, double interval, const std::string& region,
                           std::uint64_t seed);
bool valid_instance_id(std::string_view id);   // i-<8|17 hex> or mi-<17 hex>

}  // namespace pingwatch::local::fleet
