#include "monitor/listed_nodes.h"

#include <algorithm>

namespace pingwatch::monitor {

std::uint32_t ListedNodes::intern(const std::string& value) {
  auto [it, added] = value_ids_.try_emplace(value, static_cast<std::uint32_t>(values_.size()));
  if (added) values_.push_back(value);
  return it->second;
}

void ListedNodes::add(const core::ManagedNode& node, double observed_at) {
  Entry e;
  e.id = node.instance_id;
  e.computer_name = node.computer_name;
  e.ip_address = node.ip_address;
  e.name = intern(node.name);
  e.last_ping = node.last_ping.value_or(kNone);
  e.registration_date = node.registration_date.value_or(kNone);
  e.observed_at = observed_at;
  e.ping_status_raw = intern(node.ping_status_raw);
  e.agent_version = intern(node.agent_version);
  e.platform_type = intern(node.platform_type);
  e.platform_name = intern(node.platform_name);
  e.platform_version = intern(node.platform_version);
  e.order = static_cast<std::uint32_t>(listed_++);
  e.ping_status = node.ping_status;
  if (!node.tags.empty()) tags_[node.instance_id] = node.tags;
  nodes_.push_back(std::move(e));
}

void ListedNodes::finish() {
  std::sort(nodes_.begin(), nodes_.end(), [](const Entry& a, const Entry& b) {
    return a.id != b.id ? a.id < b.id : a.order > b.order;   // of one id, the last listing first
  });
  auto last = std::unique(nodes_.begin(), nodes_.end(), [](const Entry& a, const Entry& b) { return a.id == b.id; });
  nodes_.erase(last, nodes_.end());
  nodes_.shrink_to_fit();
}

std::optional<std::size_t> ListedNodes::find(const std::string& id) const {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), id, [](const Entry& e, const std::string& v) { return e.id < v; });
  if (it == nodes_.end() || it->id != id) return std::nullopt;
  return static_cast<std::size_t>(it - nodes_.begin());
}

core::ManagedNode ListedNodes::node(std::size_t i) const {
  const Entry& e = nodes_[i];
  core::ManagedNode n;
  n.instance_id = e.id;
  n.ping_status = e.ping_status;
  n.ping_status_raw = values_[e.ping_status_raw];
  if (e.last_ping != kNone) n.last_ping = e.last_ping;
  n.agent_version = values_[e.agent_version];
  n.platform_type = values_[e.platform_type];
  n.platform_name = values_[e.platform_name];
  n.platform_version = values_[e.platform_version];
  if (e.registration_date != kNone) n.registration_date = e.registration_date;
  n.name = values_[e.name];
  n.ip_address = e.ip_address;
  n.computer_name = e.computer_name;
  if (auto t = tags_.find(e.id); t != tags_.end()) n.tags = t->second;
  return n;
}

}  // namespace pingwatch::monitor
