// Every transition kind, flap suppression, exclusions, maintenance windows and partial/incomplete snapshots.
#include <gtest/gtest.h>

#include "core/transitions.h"

using namespace pingwatch::core;

namespace {

constexpr double kT0 = 1712910000;   // 2024-04-12 08:20:00 UTC

ManagedNode node(const std::string& id, PingStatus status, double last_ping) {
  ManagedNode n;
  n.instance_id = id;
  n.ping_status = status;
  n.ping_status_raw = std::string(to_string(status));
  n.last_ping = last_ping;
  n.computer_name = id + ".internal";
  n.ip_address = "10.0.0.1";
  n.platform_type = "Linux";
  n.agent_version = "3.3.0.0";
  return n;
}

Observation full(double now, std::vector<ManagedNode> nodes, bool complete = true) {
  Observation o;
  o.snapshot.nodes = std::move(nodes);
  o.snapshot.server_time = now;
  o.snapshot.complete = complete;
  o.full = true;
  return o;
}

Observation partial(double now, std::vector<ManagedNode> nodes, std::set<std::string> queried = {}) {
  Observation o = full(now, std::move(nodes));
  o.full = false;
  o.queried_ids = std::move(queried);
  return o;
}

std::vector<Transition> notified(const CycleOutcome& out) {
  std::vector<Transition> r;
  for (const auto& t : out.transitions) {
    if (t.notify) r.push_back(t);
  }
  return r;
}

WatchState baseline(const WatchPolicy& p) {
  return evaluate_cycle({}, full(kT0, {node("i-a", PingStatus::Online, kT0 - 30), node("i-b", PingStatus::Online, kT0 - 60)}), p)
      .state;
}

}  // namespace

TEST(Transitions, FirstCycleOnlineIsSilentAndSetsBaseline) {
  WatchPolicy p;
  auto out = evaluate_cycle({}, full(kT0, {node("i-a", PingStatus::Online, kT0 - 30)}), p);
  EXPECT_TRUE(out.transitions.empty());
  EXPECT_TRUE(out.state.baseline);
  EXPECT_EQ(out.state.nodes.at("i-a").condition, Condition::Healthy);
}

TEST(Transitions, UnhealthyAtStart) {
  WatchPolicy p;
  auto out = evaluate_cycle({}, full(kT0, {node("i-a", PingStatus::ConnectionLost, kT0 - 3600),
                                           node("i-b", PingStatus::Online, kT0 - 3600)}), p);
  auto n = notified(out);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].kind, TransitionKind::UnhealthyAtStart);
  EXPECT_EQ(n[0].to, Condition::Lost);
  EXPECT_EQ(n[1].kind, TransitionKind::UnhealthyAtStart);
  EXPECT_EQ(n[1].to, Condition::Stale);   // Online at first sight but pinged an hour ago
}

TEST(Transitions, LostOnceThenSilentWhileStillLost) {
  WatchPolicy p;
  auto s = baseline(p);
  auto out = evaluate_cycle(s, full(kT0 + 60, {node("i-a", PingStatus::ConnectionLost, kT0 - 30),
                                               node("i-b", PingStatus::Online, kT0 + 30)}), p);
  auto n = notified(out);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, TransitionKind::Lost);
  EXPECT_EQ(n[0].instance_id, "i-a");
  EXPECT_EQ(n[0].previous_status, "Online");
  EXPECT_EQ(n[0].status, "ConnectionLost");
  auto again = evaluate_cycle(out.state, full(kT0 + 120, {node("i-a", PingStatus::ConnectionLost, kT0 - 30),
                                                          node("i-b", PingStatus::Online, kT0 + 30)}), p);
  EXPECT_TRUE(again.transitions.empty());
}

TEST(Transitions, UnknownPingStatusCountsAsLostAndNeverThrows) {
  WatchPolicy p;
  auto s = baseline(p);
  auto n = node("i-a", PingStatus::Unknown, kT0);
  n.ping_status_raw = "Hibernating";
  auto out = evaluate_cycle(s, full(kT0 + 60, {n, node("i-b", PingStatus::Online, kT0)}), p);
  ASSERT_EQ(notified(out).size(), 1u);
  EXPECT_EQ(notified(out)[0].status, "Hibernating");
}

TEST(Transitions, StaleWhenOnlineButPingTooOld) {
  WatchPolicy p;   // threshold 2*300+120 = 720 s
  EXPECT_DOUBLE_EQ(p.stale_threshold_seconds(), 720);
  auto s = baseline(p);
  // i-a last pinged at kT0-30; at kT0+690 its age is 720: not yet stale; at kT0+700 age 730: stale.
  auto out = evaluate_cycle(s, full(kT0 + 690, {node("i-a", PingStatus::Online, kT0 - 30), node("i-b", PingStatus::Online, kT0 + 600)}), p);
  EXPECT_TRUE(notified(out).empty());
  out = evaluate_cycle(out.state, full(kT0 + 700, {node("i-a", PingStatus::Online, kT0 - 30), node("i-b", PingStatus::Online, kT0 + 600)}), p);
  auto n = notified(out);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, TransitionKind::Stale);
  // SSM later says ConnectionLost: same episode, no second notice.
  out = evaluate_cycle(out.state, full(kT0 + 800, {node("i-a", PingStatus::ConnectionLost, kT0 - 30), node("i-b", PingStatus::Online, kT0 + 600)}), p);
  ASSERT_EQ(out.transitions.size(), 1u);
  EXPECT_EQ(out.transitions[0].kind, TransitionKind::Lost);
  EXPECT_FALSE(out.transitions[0].notify);
}

TEST(Transitions, RecoveredOnlyAfterAnAlert) {
  WatchPolicy p;
  auto s = baseline(p);
  auto lost = evaluate_cycle(s, full(kT0 + 60, {node("i-a", PingStatus::ConnectionLost, kT0), node("i-b", PingStatus::Online, kT0)}), p);
  auto back = evaluate_cycle(lost.state, full(kT0 + 120, {node("i-a", PingStatus::Online, kT0 + 110), node("i-b", PingStatus::Online, kT0)}), p);
  auto n = notified(back);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, TransitionKind::Recovered);
  EXPECT_EQ(n[0].from, Condition::Lost);
  EXPECT_EQ(back.state.nodes.at("i-a").episode, "");

  // Lost while excluded by tag: no alert, so no recovery notice either.
  WatchPolicy q;
  auto s2 = baseline(q);
  auto o = full(kT0 + 60, {node("i-a", PingStatus::ConnectionLost, kT0), node("i-b", PingStatus::Online, kT0)});
  o.ignored_ids = std::set<std::string>{"i-a"};
  auto l2 = evaluate_cycle(s2, o, q);
  EXPECT_TRUE(notified(l2).empty());
  EXPECT_EQ(l2.transitions.at(0).suppressed_by, "ignore tag pingwatch:ignore=true");
  auto o2 = full(kT0 + 120, {node("i-a", PingStatus::Online, kT0 + 110), node("i-b", PingStatus::Online, kT0)});
  o2.ignored_ids = std::set<std::string>{"i-a"};
  auto b2 = evaluate_cycle(l2.state, o2, q);
  ASSERT_EQ(b2.transitions.size(), 1u);
  EXPECT_FALSE(b2.transitions[0].notify);
}

TEST(Transitions, VanishedOnlyFromCompleteFullInventory) {
  WatchPolicy p;
  auto s = baseline(p);
  // Paging stopped early: i-b absent but nothing may be concluded.
  auto incomplete = evaluate_cycle(s, full(kT0 + 60, {node("i-a", PingStatus::Online, kT0 + 50)}, false), p);
  EXPECT_TRUE(incomplete.transitions.empty());
  // Partial (not-Online listing) that did not ask for i-b: nothing either.
  auto part = evaluate_cycle(incomplete.state, partial(kT0 + 120, {}), p);
  EXPECT_TRUE(part.transitions.empty());
  // A complete full inventory without i-b: vanished.
  auto o = full(kT0 + 180, {node("i-a", PingStatus::Online, kT0 + 170)});
  o.vanished_reasons["i-b"] = VanishedReason::RunningUnmanaged;
  auto gone = evaluate_cycle(part.state, o, p);
  auto n = notified(gone);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, TransitionKind::Vanished);
  EXPECT_EQ(n[0].vanished_reason, VanishedReason::RunningUnmanaged);
  EXPECT_EQ(n[0].computer_name, "i-b.internal");   // described from the kept record
}

TEST(Transitions, VanishedStoppedOrTerminatedIsRecordedNotNotified) {
  WatchPolicy p;
  auto s = baseline(p);
  auto o = full(kT0 + 60, {});
  o.vanished_reasons["i-a"] = VanishedReason::Stopped;
  o.vanished_reasons["i-b"] = VanishedReason::Terminated;
  auto out = evaluate_cycle(s, o, p);
  ASSERT_EQ(out.transitions.size(), 2u);
  EXPECT_TRUE(notified(out).empty());
  EXPECT_EQ(out.transitions[0].suppressed_by, "policy");
}

TEST(Transitions, VanishedByInstanceIdQueryOnPartialCycle) {
  WatchPolicy p;
  auto s = baseline(p);
  auto out = evaluate_cycle(s, partial(kT0 + 60, {}, {"i-a"}), p);
  ASSERT_EQ(notified(out).size(), 1u);
  EXPECT_EQ(notified(out)[0].instance_id, "i-a");
  EXPECT_EQ(notified(out)[0].kind, TransitionKind::Vanished);
}

TEST(Transitions, ReturnAfterVanishedIsRecovered) {
  WatchPolicy p;
  auto s = baseline(p);
  auto gone = evaluate_cycle(s, full(kT0 + 60, {node("i-b", PingStatus::Online, kT0 + 50)}), p);
  auto back = evaluate_cycle(gone.state, full(kT0 + 120, {node("i-a", PingStatus::Online, kT0 + 110), node("i-b", PingStatus::Online, kT0 + 50)}), p);
  ASSERT_EQ(notified(back).size(), 1u);
  EXPECT_EQ(notified(back)[0].kind, TransitionKind::Recovered);
  EXPECT_EQ(notified(back)[0].from, Condition::Absent);
}

TEST(Transitions, AppearedAfterBaselineOnlyWhenEnabled) {
  WatchPolicy p;
  auto s = baseline(p);
  auto o = full(kT0 + 60, {node("i-a", PingStatus::Online, kT0), node("i-b", PingStatus::Online, kT0), node("i-c", PingStatus::Online, kT0 + 50)});
  auto out = evaluate_cycle(s, o, p);
  ASSERT_EQ(out.transitions.size(), 1u);
  EXPECT_EQ(out.transitions[0].kind, TransitionKind::Appeared);
  EXPECT_FALSE(out.transitions[0].notify);
  p.notify_appeared = true;
  out = evaluate_cycle(s, o, p);
  ASSERT_EQ(notified(out).size(), 1u);
}

TEST(Transitions, NewNodeNotOnlineOnPartialCycleIsUnhealthyAtStart) {
  WatchPolicy p;
  auto s = baseline(p);
  auto out = evaluate_cycle(s, partial(kT0 + 60, {node("i-new", PingStatus::ConnectionLost, kT0)}), p);
  ASSERT_EQ(notified(out).size(), 1u);
  EXPECT_EQ(notified(out)[0].kind, TransitionKind::UnhealthyAtStart);
}

TEST(Transitions, FlapSuppressionHoldsKCycles) {
  WatchPolicy p;
  p.hold_cycles = 3;
  auto s = baseline(p);
  auto lost = [&](double t) { return full(t, {node("i-a", PingStatus::ConnectionLost, kT0), node("i-b", PingStatus::Online, t)}); };
  auto c1 = evaluate_cycle(s, lost(kT0 + 60), p);
  EXPECT_TRUE(c1.transitions.empty());
  EXPECT_EQ(c1.held, 1u);
  // A blip back to Online resets the count.
  auto c2 = evaluate_cycle(c1.state, full(kT0 + 120, {node("i-a", PingStatus::Online, kT0 + 110), node("i-b", PingStatus::Online, kT0 + 110)}), p);
  EXPECT_TRUE(c2.transitions.empty());
  auto c3 = evaluate_cycle(c2.state, lost(kT0 + 180), p);
  auto c4 = evaluate_cycle(c3.state, lost(kT0 + 240), p);
  EXPECT_TRUE(c4.transitions.empty());
  auto c5 = evaluate_cycle(c4.state, lost(kT0 + 300), p);
  ASSERT_EQ(notified(c5).size(), 1u);
  EXPECT_DOUBLE_EQ(notified(c5)[0].since, kT0 + 180);   // since the first of the K observations
}

TEST(Transitions, MaintenanceWindowHoldsNoticeUntilItEnds) {
  WatchPolicy p;
  MaintenanceWindow w;
  w.name = "patching";
  w.start = kT0;
  w.end = kT0 + 600;
  p.maintenance_windows.push_back(w);
  auto s = baseline(p);
  auto lost = [&](double t) { return full(t, {node("i-a", PingStatus::ConnectionLost, kT0), node("i-b", PingStatus::Online, t)}); };
  auto in = evaluate_cycle(s, lost(kT0 + 60), p);
  ASSERT_EQ(in.transitions.size(), 1u);
  EXPECT_FALSE(in.transitions[0].notify);
  EXPECT_EQ(in.transitions[0].suppressed_by, "maintenance window patching");
  auto still = evaluate_cycle(in.state, lost(kT0 + 300), p);
  EXPECT_TRUE(still.transitions.empty());
  auto after = evaluate_cycle(still.state, lost(kT0 + 660), p);
  ASSERT_EQ(notified(after).size(), 1u);
  EXPECT_TRUE(notified(after)[0].deferred);
  EXPECT_EQ(notified(after)[0].kind, TransitionKind::Lost);
  EXPECT_DOUBLE_EQ(notified(after)[0].since, kT0 + 60);
  auto later = evaluate_cycle(after.state, lost(kT0 + 720), p);
  EXPECT_TRUE(later.transitions.empty());
}

TEST(Transitions, DailyWindowWrapsMidnight) {
  MaintenanceWindow w;
  w.daily = true;
  w.start_minute = 23 * 60;
  w.end_minute = 60;
  const double midnight = 1712880000;   // 2024-04-12 00:00:00 UTC
  EXPECT_TRUE(window_active(w, midnight + 30 * 60));
  EXPECT_TRUE(window_active(w, midnight - 10 * 60));
  EXPECT_FALSE(window_active(w, midnight + 2 * 3600));
  w.instance_ids = {"i-a"};
  EXPECT_TRUE(window_applies(w, "i-a", {}));
  EXPECT_FALSE(window_applies(w, "i-b", {}));
}

TEST(Transitions, KeysAreDeterministicAcrossRecomputation) {
  WatchPolicy p;
  auto s = baseline(p);
  auto o = full(kT0 + 60, {node("i-a", PingStatus::ConnectionLost, kT0 - 30), node("i-b", PingStatus::Online, kT0)});
  auto first = evaluate_cycle(s, o, p);
  // The same cycle evaluated a minute later (after a crash before commit) yields the same key.
  auto o2 = o;
  o2.snapshot.server_time = kT0 + 120;
  auto second = evaluate_cycle(s, o2, p);
  EXPECT_EQ(first.transitions.at(0).key, second.transitions.at(0).key);
}

TEST(Polling, FullInventoryCadenceAndVerifyList) {
  WatchPolicy p;
  p.full_inventory_every = 3;
  WatchState empty;
  EXPECT_TRUE(full_inventory_due(empty, p));
  auto s = baseline(p);   // cycle 1 was full
  EXPECT_FALSE(full_inventory_due(s, p));
  s.cycle = 3;
  EXPECT_TRUE(full_inventory_due(s, p));

  WatchState st;
  auto rec = [](std::string id, Condition c, double ping) {
    NodeRecord r;
    r.instance_id = id;
    r.condition = c;
    r.last_ping = ping;
    return r;
  };
  const double now = kT0 + 1000;
  st.nodes["i-lost-listed"] = rec("i-lost-listed", Condition::Lost, kT0);
  st.nodes["i-lost-gone"] = rec("i-lost-gone", Condition::Lost, kT0);
  st.nodes["i-stale"] = rec("i-stale", Condition::Stale, kT0);
  st.nodes["i-fresh"] = rec("i-fresh", Condition::Healthy, now - 100);
  st.nodes["i-fresh"].last_seen = now - 60;
  // Fresh when listed at the last full inventory, old now: not a suspect (nobody has looked since).
  st.nodes["i-unlooked"] = rec("i-unlooked", Condition::Healthy, now - 600);
  st.nodes["i-unlooked"].last_seen = now - 500;
  // Already 8 minutes without a ping when last listed: it missed a ping.
  st.nodes["i-suspect"] = rec("i-suspect", Condition::Healthy, now - 500);
  st.nodes["i-suspect"].last_seen = now - 20;
  auto ids = ids_to_verify(st, {"i-lost-listed"}, now, p);
  EXPECT_EQ(ids, (std::vector<std::string>{"i-lost-gone", "i-stale", "i-suspect"}));
  p.max_verify_ids = 1;
  EXPECT_EQ(ids_to_verify(st, {"i-lost-listed"}, now, p).size(), 1u);
}

TEST(Polling, CountsPerStatusAndTransition) {
  WatchPolicy p;
  auto s = baseline(p);
  auto out = evaluate_cycle(s, full(kT0 + 60, {node("i-a", PingStatus::ConnectionLost, kT0)}), p);
  auto c = count_fleet(out.state, out.transitions);
  EXPECT_EQ(c.by_status["ConnectionLost"], 1);
  EXPECT_EQ(c.by_status["Vanished"], 1);
  EXPECT_EQ(c.by_status["Online"], 0);
  EXPECT_EQ(c.by_transition["lost"], 1);
  EXPECT_EQ(c.by_transition["vanished"], 1);
  EXPECT_EQ(c.by_transition["stale"], 0);
}
