// Partial cycles load quiet nodes compactly (core::QuietNode) and pull the few in play in full. That must
// change nothing but memory: the same scripted fleet history, run once with compact loading and once with
// every record loaded in full, gives the same transitions, notices, counts and stored state every cycle.
#include <unistd.h>

#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "monitor/watch.h"
#include "unit/monitor/delegating_store.h"
#include "unit/monitor/fake_fleet.h"

namespace pingwatch::monitor {
namespace {

// The SQLite store with compaction switched off: load_compact() loads every record in full, and every other
// optional call takes StateStore's default (whole-state path, no streaming, no part commits), as a store that
// implements only the required calls would.
class FullLoadStore : public testing::DelegatingStore {
 public:
  using DelegatingStore::DelegatingStore;
  StoredState load_compact() override { return load(); }
  StoredState load_meta() override { return StateStore::load_meta(); }
  std::vector<core::NodeRecord> load_records(const std::vector<std::string>& ids) override {
    return StateStore::load_records(ids);
  }
  bool streams_records() const override { return StateStore::streams_records(); }
  void for_each_record(const std::function<void(core::NodeRecord&& record)>& on_record) override {
    StateStore::for_each_record(on_record);
  }
  bool misplaced(const core::NodeRecord& record) const override { return StateStore::misplaced(record); }
  std::unique_ptr<PartCommit> begin_commit(long expected_version) override {
    return StateStore::begin_commit(expected_version);
  }
  void use_policy(const core::WatchPolicy& policy) override { StateStore::use_policy(policy); }
};

nlohmann::json summary(const WatchCycleResult& r) {
  auto j = r.to_json();
  j.erase("duration_seconds");
  j.erase("scope");
  return j;
}

TEST(WatchCompactLoad, SameDecisionsAsFullLoadOverARandomHistory) {
  const auto dir = std::filesystem::temp_directory_path() / ("pingwatch-compact-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto compact = open_sqlite_state_store((dir / "compact.db").string(), "s");
  FullLoadStore full(open_sqlite_state_store((dir / "full.db").string(), "s"));

  WatchSettings settings;
  settings.policy.full_inventory_every = 7;
  settings.policy.hold_cycles = 2;
  testing::FakeFleet fleet;
  testing::FakeSns sns_a, sns_b;
  for (int i = 0; i < 400; ++i) fleet.set(fmt::format("i-{:017x}", i), core::PingStatus::Online);

  std::mt19937 rng(42);
  WatchCycleOptions o;
  o.notice_context = {"123456789012", "us-east-1", ""};
  o.now = [&] { return fleet.now; };
  long partial_cycles = 0, transitions = 0, pulled_quiet = 0;
  for (int cycle = 0; cycle < 60; ++cycle) {
    // Each minute a few nodes change: lost, back, inactive, gone, new; some stop pinging while Online.
    for (int k = 0; k < 6; ++k) {
      const auto id = fmt::format("i-{:017x}", rng() % 420);
      switch (rng() % 6) {
        case 0: fleet.set(id, core::PingStatus::ConnectionLost); break;
        case 1: fleet.set(id, core::PingStatus::Inactive); break;
        case 2: fleet.nodes.erase(id); break;
        case 3:
          if (auto it = fleet.nodes.find(id); it != fleet.nodes.end()) it->second.last_ping = fleet.now - 1500;
          break;
        default: fleet.set(id, core::PingStatus::Online); break;
      }
    }
    for (auto& [id, n] : fleet.nodes) {
      if (n.ping_status == core::PingStatus::Online && n.last_ping && fleet.now - *n.last_ping < 600) n.last_ping = fleet.now - 10;
    }
    const auto a = run_watch_cycle(*compact, fleet, &sns_a, nullptr, settings, o);
    const auto b = run_watch_cycle(full, fleet, &sns_b, nullptr, settings, o);
    ASSERT_EQ(summary(a), summary(b)) << "cycle " << cycle;
    if (!a.full_inventory) ++partial_cycles;
    transitions += static_cast<long>(a.transitions.size());
    pulled_quiet += a.verify_ids;
    fleet.now += 60;
  }
  EXPECT_EQ(sns_a.delivered, sns_b.delivered);
  EXPECT_EQ(compact->load().watch, full.load().watch);
  // The history exercised what it is meant to: partial cycles, transitions, nodes asked about by id.
  EXPECT_GT(partial_cycles, 40);
  EXPECT_GT(transitions, 50);
  EXPECT_GT(pulled_quiet, 0);
  EXPECT_FALSE(sns_a.delivered.empty());
  std::filesystem::remove_all(dir);
}

TEST(WatchCompactLoad, QuietNodesAreLoadedCompactly) {
  const auto dir = std::filesystem::temp_directory_path() / ("pingwatch-compact2-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto store = open_sqlite_state_store((dir / "w.db").string(), "s");
  WatchSettings settings;
  testing::FakeFleet fleet;
  testing::FakeSns sns;
  for (int i = 0; i < 50; ++i) fleet.set(fmt::format("i-{:017x}", i), core::PingStatus::Online);
  fleet.set("i-lost", core::PingStatus::ConnectionLost);
  WatchCycleOptions o;
  o.now = [&] { return fleet.now; };
  run_watch_cycle(*store, fleet, &sns, nullptr, settings, o);
  const auto s = store->load_compact();
  EXPECT_EQ(s.quiet.size(), 50u);
  ASSERT_EQ(s.watch.nodes.size(), 1u);
  EXPECT_EQ(s.watch.nodes.begin()->first, "i-lost");
  const auto records = store->load_records({"i-00000000000000003", "i-nope"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], store->load().watch.nodes.at("i-00000000000000003"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pingwatch::monitor
