#pragma once
// Scripted stand-ins for SSM (what it would list) and SNS (what subscribers would see) for watch tests.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "aws/error.h"
#include "monitor/watch.h"

namespace pingwatch::testing {

using monitor::FleetReader;
using monitor::NoticePublisher;

// A fleet we script: the nodes SSM would list.
class FakeFleet : public FleetReader {
 public:
  std::map<std::string, core::ManagedNode> nodes;
  double now = 1712910000;
  long calls = 0;

  core::FleetSnapshot all() override {
    ++calls;
    core::FleetSnapshot s;
    for (const auto& [id, n] : nodes) s.nodes.push_back(n);
    s.server_time = now;
    return s;
  }
  core::FleetSnapshot not_online() override {
    ++calls;
    core::FleetSnapshot s;
    for (const auto& [id, n] : nodes) {
      if (n.ping_status != core::PingStatus::Online) s.nodes.push_back(n);
    }
    s.server_time = now;
    return s;
  }
  core::FleetSnapshot by_ids(const std::vector<std::string>& ids) override {
    ++calls;
    core::FleetSnapshot s;
    for (const auto& id : ids) {
      if (auto it = nodes.find(id); it != nodes.end()) s.nodes.push_back(it->second);
    }
    s.server_time = now;
    return s;
  }
  std::optional<std::set<std::string>> tagged(const std::string&, const std::string&) override {
    ++calls;
    return std::set<std::string>{};
  }
  Ec2Facts ec2_facts(const std::vector<std::string>&) override { return {}; }
  long api_calls() const override { return calls; }

  void set(const std::string& id, core::PingStatus status) {
    core::ManagedNode n;
    n.instance_id = id;
    n.ping_status = status;
    n.ping_status_raw = std::string(core::to_string(status));
    n.last_ping = status == core::PingStatus::Online ? now - 10 : 1712909000;
    nodes[id] = n;
  }
};

// Records every publish. fifo = true models an SNS FIFO topic: a repeated deduplication id is dropped.
class FakeSns : public NoticePublisher {
 public:
  bool fifo = false;
  std::vector<std::string> delivered;   // notice ids subscribers saw
  std::set<std::string> dedup;
  int fail_next = 0;
  std::string publish(const core::Notice& notice) override {
    if (fail_next > 0) {
      --fail_next;
      throw aws::AwsError("Throttling", "Rate exceeded", 400);   // a refusal: certainly not published
    }
    if (!fifo || dedup.insert(notice.id).second) delivered.push_back(notice.id);
    return "msg-" + notice.id;
  }
};

}  // namespace pingwatch::testing
