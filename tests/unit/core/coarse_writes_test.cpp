// A cold record is rewritten only when its ping bucket moves (core::keep_unmoved_records). That must change
// nothing a cycle decides: one random fleet history, judged once on exactly stored state and once on the state
// as it is really stored, gives the same transitions (kind, node, since, notified) and the same ids to verify
// every cycle. (The one difference allowed: a vanished node's last ping, and so its notice key, is the stored one.)
#include <cmath>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/transitions.h"

namespace pingwatch::core {
namespace {

struct SimNode {
  PingStatus status = PingStatus::Online;
  double phase = 0;           // pings every 300 s from this offset
  bool pinging = true;        // false: Online but silent (goes stale)
  double last_ping = 0;
  bool registered = true;
};

ManagedNode listed(const std::string& id, const SimNode& n) {
  ManagedNode m;
  m.instance_id = id;
  m.ping_status = n.status;
  m.last_ping = n.last_ping;
  m.computer_name = id + ".internal";
  m.platform_name = "Amazon Linux";
  m.agent_version = "3.3.40.0";
  return m;
}

Observation observe(const std::map<std::string, SimNode>& fleet, const WatchState& state, double now, const WatchPolicy& policy,
                    std::vector<std::string>& verify) {
  Observation obs;
  obs.snapshot.server_time = now;
  verify.clear();
  if (full_inventory_due(state, policy)) {
    for (const auto& [id, n] : fleet) {
      if (n.registered) obs.snapshot.nodes.push_back(listed(id, n));
    }
    return obs;
  }
  obs.full = false;
  std::set<std::string> down;
  for (const auto& [id, n] : fleet) {
    if (n.registered && n.status != PingStatus::Online) {
      obs.snapshot.nodes.push_back(listed(id, n));
      down.insert(id);
    }
  }
  verify = ids_to_verify(state, down, now, policy);
  for (const auto& id : verify) {
    auto it = fleet.find(id);
    if (it != fleet.end() && it->second.registered && !down.count(id)) obs.snapshot.nodes.push_back(listed(id, it->second));
  }
  obs.queried_ids.insert(verify.begin(), verify.end());
  return obs;
}

TEST(CoarseWrites, SameDecisionsAsExactState) {
  WatchPolicy policy;
  std::mt19937 rng(7);
  std::map<std::string, SimNode> fleet;
  for (int i = 0; i < 80; ++i) fleet[fmt::format("i-{:017x}", i)].phase = static_cast<double>(rng() % 300);
  WatchState exact, stored;
  double now = 1712910000;
  long kept = 0, transitions = 0;
  for (int cycle = 0; cycle < 600; ++cycle) {
    now += 60;
    for (auto& [id, n] : fleet) {
      if (n.pinging && n.status == PingStatus::Online) {
        n.last_ping = now - std::fmod(now - n.phase, 300.0);
      }
    }
    for (int k = 0; k < 2; ++k) {   // a few changes a minute: silence, loss, recovery, deregistration
      auto& n = std::next(fleet.begin(), static_cast<long>(rng() % fleet.size()))->second;
      switch (rng() % 8) {
        case 0: n.pinging = false; break;
        case 1: n.status = PingStatus::ConnectionLost; break;
        case 2: n.registered = !n.registered; break;
        default: n.status = PingStatus::Online; n.pinging = true; break;
      }
    }
    std::vector<std::string> verify_exact, verify_stored;
    const auto obs_exact = observe(fleet, exact, now, policy, verify_exact);
    const auto obs_stored = observe(fleet, stored, now, policy, verify_stored);
    ASSERT_EQ(verify_exact, verify_stored) << "cycle " << cycle;
    ASSERT_EQ(obs_exact.full, obs_stored.full) << "cycle " << cycle;
    auto a = evaluate_cycle(exact, obs_exact, policy);
    auto b = evaluate_cycle(stored, obs_stored, policy);
    ASSERT_EQ(a.transitions.size(), b.transitions.size()) << "cycle " << cycle;
    for (std::size_t i = 0; i < a.transitions.size(); ++i) {
      const auto &x = a.transitions[i], &y = b.transitions[i];
      EXPECT_EQ(x.kind, y.kind);
      EXPECT_EQ(x.instance_id, y.instance_id);
      EXPECT_EQ(x.since, y.since);
      EXPECT_EQ(x.notify, y.notify) << x.instance_id << " cycle " << cycle;
      if (x.kind != TransitionKind::Vanished) {
        EXPECT_EQ(x.last_ping, y.last_ping);
      }
    }
    transitions += static_cast<long>(a.transitions.size());
    exact = std::move(a.state);
    const WatchState before = stored;
    stored = std::move(b.state);
    keep_unmoved_records(before, stored, policy);
    for (const auto& [id, r] : stored.nodes) {
      if (auto it = before.nodes.find(id); it != before.nodes.end() && it->second == r && exact.nodes.at(id) != r) ++kept;
    }
  }
  EXPECT_GT(transitions, 100);
  EXPECT_GT(kept, 1000);   // records really were left as stored
}

TEST(CoarseWrites, RewritesWhenTheBucketMovesOrAPingIsMissed) {
  WatchPolicy policy;
  NodeRecord r;
  r.instance_id = "i-0123456789abcdef0";
  r.last_ping = 1712910000;
  r.last_seen = 1712910060;
  WatchState prev;
  prev.nodes[r.instance_id] = r;
  auto next_with = [&](double ping, double seen) {
    WatchState next = prev;
    next.nodes[r.instance_id].last_ping = ping;
    next.nodes[r.instance_id].last_seen = seen;
    keep_unmoved_records(prev, next, policy);
    return next.nodes[r.instance_id];
  };
  EXPECT_EQ(next_with(1712910300, 1712910360), r);                        // same bucket: kept as stored
  EXPECT_NE(next_with(1712910000 + kPingBucketSeconds, 1712910000 + kPingBucketSeconds + 60), r);   // next bucket
  EXPECT_NE(next_with(1712910000, 1712910000 + 600), r);                  // missed a ping: a suspect, exact
  WatchState facts = prev;
  facts.nodes[r.instance_id].ip_address = "10.0.0.9";
  facts.nodes[r.instance_id].last_ping = 1712910300;
  keep_unmoved_records(prev, facts, policy);
  EXPECT_EQ(facts.nodes[r.instance_id].ip_address, "10.0.0.9");
  EXPECT_EQ(*facts.nodes[r.instance_id].last_ping, 1712910300);
}

}  // namespace
}  // namespace pingwatch::core
