#include "local/fleet/fleet.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "local/fleet/ec2_instance.h"

namespace pingwatch::local::fleet {

namespace {
constexpr std::pair<Fault, std::string_view> kFaultNames[] = {
    {Fault::AgentStop, "agent-stop"},     {Fault::NetworkBlock, "network-block"},
    {Fault::ImdsDisabled, "imds-disabled"}, {Fault::RoleDetached, "role-detached"},
    {Fault::Stop, "stop"},                {Fault::Terminate, "terminate"},
    {Fault::Deregister, "deregister"},    {Fault::Recover, "recover"},
};
}  // namespace

std::optional<Fault> parse_fault(std::string_view text) {
  for (const auto& [fault, name] : kFaultNames) {
    if (name == text) return fault;
  }
  return std::nullopt;
}

std::string_view fault_name(Fault fault) {
  for (const auto& [f, name] : kFaultNames) {
    if (f == fault) return name;
  }
  return "unknown";
}

std::string known_faults() {
  std::string out;
  for (const auto& [fault, name] : kFaultNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string_view ec2_state_name(Ec2State state) {
  switch (state) {
    case Ec2State::Running: return "running";
    case Ec2State::Stopped: return "stopped";
    case Ec2State::Terminated: return "terminated";
  }
  return "running";
}

bool valid_instance_id(std::string_view id) {
  auto hex_tail = [&](std::size_t prefix, std::initializer_list<std::size_t> lengths) {
    const std::size_t n = id.size() - prefix;
    if (std::find(lengths.begin(), lengths.end(), n) == lengths.end()) return false;
    return std::all_of(id.begin() + static_cast<std::ptrdiff_t>(prefix), id.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  };
  if (id.starts_with("mi-")) return hex_tail(3, {17});
  if (id.starts_with("i-")) return hex_tail(2, {8, 17});
  return false;
}

Fleet::Fleet(const FleetOptions& options, double sim_start) : options_(options), sim_start_(sim_start) {
  if (options_.ping_interval_seconds <= 0) throw std::invalid_argument("fleet: ping interval must be positive");
  std::size_t generate = options_.nodes;
  if (!options_.fleet_file.empty()) {
    std::ifstream in(options_.fleet_file);
    if (!in) throw std::runtime_error("--fleet: cannot read " + options_.fleet_file);
    nlohmann::json document;
    try {
      document = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("--fleet " + options_.fleet_file + ": not valid JSON: " + e.what());
    }
    FleetFile file = parse_fleet_file(document, sim_start, options_.ping_interval_seconds, options_.region,
                                      options_.seed);
    for (auto& node : file.nodes) add_node(std::move(node));
    for (auto& fault : file.faults) pending_.push_back(std::move(fault));
    generate += file.generate;
  }
  if (generate > 0) {
    for (auto& node : generate_nodes(generate, options_.seed, sim_start, options_.ping_interval_seconds,
                                     options_.region)) {
      add_node(std::move(node));
    }
  }
  std::sort(nodes_.begin(), nodes_.end(), [](const Node& a, const Node& b) { return a.id < b.id; });
  for (Node& node : nodes_) {
    if (!node.hybrid && node.launch_time == 0) node.launch_time = default_launch_time(node.id, sim_start);
  }
  for (std::size_t i = 1; i < nodes_.size(); ++i) {
    if (nodes_[i].id == nodes_[i - 1].id) throw std::runtime_error("fleet: duplicate instance id " + nodes_[i].id);
  }
  for (const auto& fault : pending_) {
    if (find(fault.instance_id) == nullptr) {
      throw std::runtime_error("--fleet: fault timeline names unknown instance " + fault.instance_id);
    }
  }
  std::sort(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) { return a.at > b.at; });
}

void Fleet::add_node(Node node) { nodes_.push_back(std::move(node)); }

std::size_t Fleet::lower_bound_index(std::string_view id) const {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), id,
                             [](const Node& node, std::string_view key) { return node.id < key; });
  return static_cast<std::size_t>(it - nodes_.begin());
}

const Node* Fleet::find(std::string_view id) const {
  const std::size_t i = lower_bound_index(id);
  return i < nodes_.size() && nodes_[i].id == id ? &nodes_[i] : nullptr;
}

Node* Fleet::find(std::string_view id) {
  return const_cast<Node*>(static_cast<const Fleet*>(this)->find(id));
}

double Fleet::last_ping(const Node& node, double now) const {
  return last_ping_at(node.schedule, options_.ping_interval_seconds, now);
}

Status Fleet::status(const Node& node, double now) const {
  return now - last_ping(node, now) > options_.connection_lost_after_seconds ? Status::ConnectionLost
                                                                             : Status::Online;
}

void Fleet::apply_fault(const std::string& instance_id, Fault fault, double at) {
  auto lock = write_lock();
  Node* node = find(instance_id);
  if (node == nullptr) throw std::out_of_range("no simulated node with id " + instance_id);
  apply_fault_locked(*node, fault, at);
}

void Fleet::apply_fault_locked(Node& node, Fault fault, double at) {
  AgentSchedule& s = node.schedule;
  auto go_silent = [&](double from) { s.silent_from = std::min(s.silent_from, from); };
  if (node.ec2_state == Ec2State::Terminated) {
    throw std::invalid_argument(node.id + " is terminated; a terminated instance cannot change");
  }
  switch (fault) {
    case Fault::AgentStop:
      node.agent_stopped = true;
      go_silent(at);
      break;
    case Fault::NetworkBlock:
      go_silent(at);
      break;
    case Fault::ImdsDisabled:
    case Fault::RoleDetached:
      // The agent keeps using its cached instance-profile credentials until they expire.
      (fault == Fault::ImdsDisabled ? node.imds_disabled : node.role_detached) = true;
      go_silent(at + options_.credential_cache_seconds);
      break;
    case Fault::Stop:
      if (node.hybrid) throw std::invalid_argument(node.id + " is a hybrid node; stop applies to EC2 instances");
      node.ec2_state = Ec2State::Stopped;
      node.state_changed_at = at;
      node.agent_stopped = true;
      go_silent(at);
      break;
    case Fault::Terminate:
      if (node.hybrid) throw std::invalid_argument(node.id + " is a hybrid node; terminate applies to EC2 instances");
      node.ec2_state = Ec2State::Terminated;
      node.state_changed_at = at;
      node.agent_stopped = true;
      go_silent(at);
      break;
    case Fault::Deregister:
      node.managed = false;
      go_silent(at);
      break;
    case Fault::Recover: {
      const bool silent = s.silent_from <= at || !node.managed;
      if (silent) {
        // A stopped agent (or instance) starts and pings at once; a running agent that lost SSM is
        // hibernating and only notices on its next back-off retry.
        const bool hibernating = !node.agent_stopped && node.managed;
        const double resume =
            hibernating ? next_hibernation_retry(std::min(s.silent_from, at), at) : at;
        s.prior_last_ping = last_ping_at(s, options_.ping_interval_seconds, at);
        s.anchor = resume;
      }
      s.silent_from = kNever;
      node.managed = true;
      if (node.ec2_state == Ec2State::Stopped) {
        node.launch_time = at;   // starting a stopped instance is a new launch
        node.state_changed_at = at;
      }
      node.imds_disabled = false;
      node.role_detached = false;
      node.ec2_state = Ec2State::Running;
      node.agent_stopped = false;
      break;
    }
  }
  node.last_fault = std::string(fault_name(fault));
  node.last_fault_at = at;
}

void Fleet::tick(double sim_now) {
  {
    auto lock = read_lock();
    if (pending_.empty() || pending_.back().at > sim_now) return;
  }
  auto lock = write_lock();
  while (!pending_.empty() && pending_.back().at <= sim_now) {
    ScheduledFault fault = std::move(pending_.back());
    pending_.pop_back();
    if (Node* node = find(fault.instance_id)) {
      try {
        apply_fault_locked(*node, fault.fault, fault.at);
      } catch (const std::invalid_argument&) {
        // A timeline step that no longer applies (e.g. the node was terminated meanwhile) is skipped,
        // as an operator's action on a gone instance would fail; the node's state shows why.
      }
    }
  }
}

nlohmann::json Fleet::to_json(double now) const {
  auto lock = read_lock();
  nlohmann::json nodes = nlohmann::json::array();
  for (const Node& node : nodes_) {
    nlohmann::json tags = nlohmann::json::object();
    for (const auto& [k, v] : node.tags) tags[k] = v;
    const bool listed = listed_in_ssm(node);
    std::string agent = "running";
    if (node.agent_stopped) agent = "stopped";
    else if (node.schedule.silent_from <= now) agent = "hibernating";
    else if (node.schedule.silent_from != kNever) agent = "cached-credentials";
    else if (node.schedule.anchor > now) agent = "hibernating";
    nodes.push_back({{"instance_id", node.id},
                     {"hybrid", node.hybrid},
                     {"platform", node.platform_name + " " + node.platform_version},
                     {"ec2_state", node.hybrid ? "" : std::string(ec2_state_name(node.ec2_state))},
                     {"managed", node.managed},
                     {"listed_in_ssm", listed},
                     {"ping_status", !listed ? "" : !node.reported_ping_status.empty() ? node.reported_ping_status
                                   : status(node, now) == Status::Online ? "Online" : "ConnectionLost"},
                     {"last_ping", last_ping(node, now)},
                     {"agent", agent},
                     {"silent_from", node.schedule.silent_from == kNever ? nlohmann::json(nullptr)
                                                                         : nlohmann::json(node.schedule.silent_from)},
                     {"next_resume", node.schedule.anchor > now ? nlohmann::json(node.schedule.anchor)
                                                                 : nlohmann::json(nullptr)},
                     {"last_fault", node.last_fault},
                     {"last_fault_at", node.last_fault.empty() ? nlohmann::json(nullptr) : nlohmann::json(node.last_fault_at)},
                     {"tags", tags}});
  }
  return {{"now", now}, {"count", nodes_.size()}, {"nodes", nodes}};
}

nlohmann::json Fleet::save() const {
  auto lock = read_lock();
  nlohmann::json nodes = nlohmann::json::object();
  for (const Node& node : nodes_) {
    const auto& s = node.schedule;
    nlohmann::json tags = nlohmann::json::array();
    for (const auto& [k, v] : node.tags) tags.push_back({k, v});
    nodes[node.id] = {{"anchor", s.anchor},
                      {"prior", s.prior_last_ping},
                      {"silent_from", s.silent_from == kNever ? nlohmann::json(nullptr) : nlohmann::json(s.silent_from)},
                      {"managed", node.managed},
                      {"ec2", std::string(ec2_state_name(node.ec2_state))},
                      {"agent_stopped", node.agent_stopped},
                      {"last_fault", node.last_fault},
                      {"last_fault_at", node.last_fault_at},
                      {"launch_time", node.launch_time},
                      {"state_changed_at", node.state_changed_at},
                      {"imds_disabled", node.imds_disabled},
                      {"role_detached", node.role_detached},
                      {"tags", tags}};
  }
  nlohmann::json pending = nlohmann::json::array();
  for (const auto& f : pending_) {
    pending.push_back({{"at", f.at}, {"instance_id", f.instance_id}, {"fault", std::string(fault_name(f.fault))}});
  }
  return {{"nodes", nodes}, {"pending_faults", pending}};
}

void Fleet::load(const nlohmann::json& state) {
  auto lock = write_lock();
  if (!state.is_object()) return;
  if (auto it = state.find("nodes"); it != state.end() && it->is_object()) {
    for (const auto& [id, saved] : it->items()) {
      Node* node = find(id);
      if (node == nullptr) continue;   // the fleet definition changed since the state was saved
      auto& s = node->schedule;
      s.anchor = saved.value("anchor", s.anchor);
      s.prior_last_ping = saved.value("prior", s.prior_last_ping);
      s.silent_from = saved.contains("silent_from") && saved["silent_from"].is_number()
                          ? saved["silent_from"].get<double>() : kNever;
      node->managed = saved.value("managed", true);
      const std::string ec2 = saved.value("ec2", "running");
      node->ec2_state = ec2 == "stopped" ? Ec2State::Stopped : ec2 == "terminated" ? Ec2State::Terminated : Ec2State::Running;
      node->agent_stopped = saved.value("agent_stopped", false);
      node->last_fault = saved.value("last_fault", "");
      node->last_fault_at = saved.value("last_fault_at", 0.0);
      node->launch_time = saved.value("launch_time", node->launch_time);
      node->state_changed_at = saved.value("state_changed_at", node->last_fault_at);   // older state files
      node->imds_disabled = saved.value("imds_disabled", false);
      node->role_detached = saved.value("role_detached", false);
      if (saved.contains("tags") && saved["tags"].is_array()) {
        node->tags.clear();
        for (const auto& pair : saved["tags"]) {
          node->tags.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
        }
      }
    }
  }
  if (auto it = state.find("pending_faults"); it != state.end() && it->is_array()) {
    pending_.clear();
    for (const auto& f : *it) {
      auto fault = parse_fault(f.value("fault", ""));
      if (!fault) continue;
      pending_.push_back({f.value("at", 0.0), f.value("instance_id", ""), *fault});
    }
    std::sort(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) { return a.at > b.at; });
  }
}

}  // namespace pingwatch::local::fleet
