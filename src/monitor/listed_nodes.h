#pragma once
// A full inventory's listing held once, compactly (issue 14 §7): about 200 bytes a node instead of a
// core::ManagedNode (~650 bytes plus its strings). Only what the pure core reads of a node is kept; values
// that repeat across a fleet (PingStatus text, agent version, platform) are interned. The watch cycle turns a
// few hundred entries at a time back into ManagedNode for core::evaluate_cycle.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/managed_node.h"

namespace pingwatch::monitor {

class ListedNodes {
 public:
  // One listed node, seen at `observed_at` (server time of its page).
  void add(const core::ManagedNode& node, double observed_at);
  // Sorted by id, a node listed twice kept once (its last listing, as evaluate_cycle's lookup kept it).
  void finish();
  std::size_t size() const { return nodes_.size(); }
  long listed() const { return listed_; }   // nodes added, repeats included

  // Index of `id` after finish(), or nullopt.
  std::optional<std::size_t> find(const std::string& id) const;
  const std::string& id(std::size_t i) const { return nodes_[i].id; }
  double observed_at(std::size_t i) const { return nodes_[i].observed_at; }
  void set_observed_at(std::size_t i, double t) { nodes_[i].observed_at = t; }
  core::ManagedNode node(std::size_t i) const;
  // Judged once: each entry is taken by the stored record it belongs to, or evaluated as a first sighting.
  void take(std::size_t i) { nodes_[i].taken = true; }
  bool taken(std::size_t i) const { return nodes_[i].taken; }

 private:
  // No std::optional (16 bytes each), and the Name interned: EC2 nodes have none (the empty value, 4 bytes
  // instead of a 32-byte string); hybrid nodes' unique Names cost a table entry each (~100 bytes) instead.
  struct Entry {
    std::string id, computer_name, ip_address;
    double last_ping = kNone, registration_date = kNone, observed_at = 0;
    std::uint32_t ping_status_raw = 0, agent_version = 0, platform_type = 0, platform_name = 0, platform_version = 0;
    std::uint32_t name = 0;
    std::uint32_t order = 0;   // listing order: the last of two listings of one id wins
    core::PingStatus ping_status = core::PingStatus::Unknown;
    bool taken = false;
  };
  static constexpr double kNone = -1e300;   // no such time (SSM times are epoch seconds, never this)
  std::uint32_t intern(const std::string& value);

  std::deque<Entry> nodes_;   // a deque: growing never copies the whole listing
  std::vector<std::string> values_;
  std::unordered_map<std::string, std::uint32_t> value_ids_;
  std::map<std::string, std::map<std::string, std::string>> tags_;   // only nodes that carry tags (rare)
  long listed_ = 0;
};

}  // namespace pingwatch::monitor
