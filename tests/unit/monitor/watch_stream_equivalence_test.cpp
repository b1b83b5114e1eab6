// A streamed full inventory (watch_stream.h: stored records judged 512 at a time, committed in parts) must
// decide exactly what the whole-state cycle decides (everything loaded, one evaluate_cycle, one commit).
// One seeded fleet history over more than three chunks of nodes runs through two real stores (SQLite, then
// DynamoDB in process): one streaming, one wrapped to say it does not (so run_watch_cycle takes the whole-state
// path). Every cycle the transitions (every field), notices (whole), counts, writes, deliveries and the stored
// state must be the same. Lost, Inactive, unknown statuses, stale pings, recoveries, vanishings (EC2 reasons),
// forgotten records, new nodes, ignore tags, maintenance windows, a mass outage (digest), an incomplete
// listing and nodes listed twice all happen, on both sides of the 512 and 1024 boundaries.
#include <unistd.h>

#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "monitor/watch.h"
#include "unit/monitor/delegating_store.h"
#include "unit/monitor/fake_fleet.h"
#include "unit/monitor/in_process_dynamo.h"

namespace pingwatch::monitor {
namespace {

constexpr int kFleet = 1500;       // ids 0..1499 at first: stored records cross the 512 and 1024 chunk boundaries
constexpr int kIdSpace = 1700;     // later ids appear as new nodes

std::string node_id(int i) { return fmt::format("i-{:017x}", i); }

// Counts what went through the streaming calls, so the test knows the streamed path really ran.
class CountingStore : public testing::DelegatingStore {
 public:
  using DelegatingStore::DelegatingStore;
  long streamed = 0;
  long part_commits = 0;
  void for_each_record(const std::function<void(core::NodeRecord&& record)>& on_record) override {
    DelegatingStore::for_each_record([&](core::NodeRecord&& r) {
      ++streamed;
      on_record(std::move(r));
    });
  }
  std::unique_ptr<PartCommit> begin_commit(long expected_version) override {
    auto part = DelegatingStore::begin_commit(expected_version);
    if (part) ++part_commits;
    return part;
  }
};

// The same SQLite store, saying it does not stream: full inventories take the whole-state path.
class WholeStateStore : public testing::DelegatingStore {
 public:
  using DelegatingStore::DelegatingStore;
  long loads = 0;
  bool streams_records() const override { return false; }
  StoredState load() override {
    ++loads;
    return DelegatingStore::load();
  }
};

// FakeFleet plus what a real fleet has: listings cut short, an ignore tag, EC2's answers, page times.
class ScriptedFleet : public testing::FakeFleet {
 public:
  std::set<std::string> ignore_tagged;
  std::size_t listing_cut = 0;   // > 0: the listing stops (incomplete) after this many nodes
  bool listed_twice = false;

  core::FleetSnapshot all() override {
    auto s = FakeFleet::all();
    if (listing_cut > 0 && listing_cut < s.nodes.size()) {
      s.nodes.resize(listing_cut);
      s.complete = false;
    }
    if (listed_twice) {   // every 97th node listed twice, first with another status: the last listing counts
      std::vector<core::ManagedNode> earlier;
      for (std::size_t i = 0; i < s.nodes.size(); i += 97) {
        earlier.push_back(s.nodes[i]);
        earlier.back().ping_status = core::PingStatus::ConnectionLost;
        earlier.back().ping_status_raw = "ConnectionLost";
      }
      s.nodes.insert(s.nodes.begin(), earlier.begin(), earlier.end());
    }
    const std::size_t pages = (s.nodes.size() + 49) / 50;
    for (std::size_t i = 0; i < s.nodes.size(); ++i) {   // pages of 50, a quarter second apart, the last at `now`
      observed_[s.nodes[i].instance_id] = now - 0.25 * static_cast<double>(pages - 1 - i / 50);
    }
    return s;
  }
  std::optional<std::set<std::string>> tagged(const std::string&, const std::string&) override {
    ++calls;
    for (const auto& id : ignore_tagged) {
      if (nodes.count(id)) observed_[id] = now;
    }
    return ignore_tagged;
  }
  Ec2Facts ec2_facts(const std::vector<std::string>& ids) override {
    ++calls;
    Ec2Facts facts;
    for (const auto& id : ids) {
      const auto h = std::hash<std::string>{}(id);
      facts.reasons[id] = static_cast<core::VanishedReason>(h % 4);
      if (h % 3 == 0) facts.tags[id]["Name"] = "web-" + id.substr(id.size() - 4);
      if (h % 5 < 2) facts.tags[id]["env"] = "staging";   // what a maintenance window selects
    }
    return facts;
  }
  std::map<std::string, double> take_observed_times() override { return std::exchange(observed_, {}); }

  void set_described(const std::string& id, core::PingStatus status, int i) {
    set(id, status);
    auto& n = nodes[id];
    if (i % 5 == 0) n.computer_name = "host-" + std::to_string(i);
    if (i % 7 == 0) n.ip_address = fmt::format("10.0.{}.{}", i / 256, i % 256);
    n.platform_type = i % 2 ? "Linux" : "Windows";
    n.agent_version = i % 3 ? "3.3.1" : "3.2.9";
  }

 private:
  std::map<std::string, double> observed_;
};

nlohmann::json summary(const WatchCycleResult& r) {
  auto j = r.to_json();
  j.erase("duration_seconds");
  j.erase("scope");
  return j;
}

// Every field of the transitions and notices, which the summary only sketches.
nlohmann::json details(const WatchCycleResult& r) {
  nlohmann::json ts = nlohmann::json::array();
  for (const auto& t : r.transitions) {
    ts.push_back({t.instance_id, std::string(core::to_string(t.kind)), t.previous_status, t.status, t.since,
                  t.observed_at, t.last_ping ? *t.last_ping : -1.0, std::string(core::to_string(t.vanished_reason)),
                  t.deferred, t.notify,
                  t.suppressed_by, t.key, t.name_tag, t.computer_name, t.ip_address, t.platform, t.agent_version});
  }
  nlohmann::json ns = nlohmann::json::array();
  for (const auto& n : r.notices) ns.push_back(notice_to_json(n));
  return {{"transitions", ts}, {"notices", ns}};
}

// Equal, or a failure showing the JSON patch from the streamed answer to the whole-state one (not both in full).
::testing::AssertionResult same(const nlohmann::json& streamed, const nlohmann::json& whole) {
  if (streamed == whole) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "streamed -> whole-state: " << nlohmann::json::diff(streamed, whole).dump();
}

nlohmann::json state_json(const core::WatchState& state) {
  nlohmann::json records = nlohmann::json::object();
  for (const auto& [id, r] : state.nodes) records[id] = record_to_json(r);
  return {{"baseline", state.baseline}, {"cycle", state.cycle}, {"last_full_cycle", state.last_full_cycle},
          {"records", records}};
}

struct History {
  ScriptedFleet fleet;
  std::mt19937 rng{20261204};
  std::vector<int> outage;   // nodes down together in the mass outage

  int any_id() { return static_cast<int>(rng() % kIdSpace); }
  // Near a chunk boundary of the stored records (ids sort by number; vanished records stay stored a while).
  int near_boundary() { return (rng() % 2 ? 512 : 1024) + static_cast<int>(rng() % 24) - 12; }

  void change(int i) {
    const auto id = node_id(i);
    switch (rng() % 8) {
      case 0: fleet.set_described(id, core::PingStatus::ConnectionLost, i); break;
      case 1: fleet.set_described(id, core::PingStatus::Inactive, i); break;
      case 2:   // a status this build does not know
        fleet.set_described(id, core::PingStatus::Unknown, i);
        fleet.nodes[id].ping_status_raw = "Hibernating";
        break;
      case 3: fleet.nodes.erase(id); break;
      case 4:   // Online, but its pings stopped: stale
        if (auto it = fleet.nodes.find(id); it != fleet.nodes.end()) it->second.last_ping = fleet.now - 1500;
        break;
      case 5:
        if (!fleet.ignore_tagged.insert(id).second) fleet.ignore_tagged.erase(id);
        break;
      default: fleet.set_described(id, core::PingStatus::Online, i); break;
    }
  }

  void before_cycle(int cycle) {
    fleet.listing_cut = cycle == 14 ? 1100 : 0;   // one incomplete listing: absent must not mean vanished
    fleet.listed_twice = cycle >= 16 && cycle < 20;
    if (cycle == 8) {   // mass outage across the first chunk boundary: a digest
      for (int i = 400; i < 760; ++i) {
        if (fleet.nodes.count(node_id(i))) outage.push_back(i);
      }
      for (int i : outage) fleet.set_described(node_id(i), core::PingStatus::ConnectionLost, i);
    }
    if (cycle == 11) {
      for (int i : outage) fleet.set_described(node_id(i), core::PingStatus::Online, i);
    }
    for (int i : {515, 1030}) {   // lost while ignore-tagged, then untagged: reported late (deferred)
      if (cycle == 3) fleet.ignore_tagged.insert(node_id(i));
      if (cycle == 3 || cycle == 6) fleet.set_described(node_id(i), core::PingStatus::ConnectionLost, i);
      if (cycle == 6) fleet.ignore_tagged.erase(node_id(i));
    }
    if (cycle > 0 && cycle != 8) {
      for (int k = 0; k < 8; ++k) change(any_id());
      for (int k = 0; k < 4; ++k) change(near_boundary());
    }
    for (auto& [id, n] : fleet.nodes) {   // Online nodes that ping keep pinging
      if (n.ping_status == core::PingStatus::Online && n.last_ping && fleet.now - *n.last_ping < 600) n.last_ping = fleet.now - 10;
    }
  }
};

// What the history is meant to exercise, tallied over every cycle (from the streamed side).
struct Coverage {
  std::map<core::TransitionKind, long> kinds;
  long near_first_boundary = 0, near_second_boundary = 0, ignored = 0, deferred = 0, digests = 0, singles = 0,
       incomplete = 0, in_window_boundary = 0, in_window_staging = 0;

  void add(const WatchCycleResult& r) {
    for (const auto& t : r.transitions) {
      ++kinds[t.kind];
      if (t.instance_id.rfind("i-", 0) == 0) {
        const long n = std::stol(t.instance_id.substr(2), nullptr, 16);
        if (n >= 500 && n < 524) ++near_first_boundary;
        if (n >= 1012 && n < 1036) ++near_second_boundary;
      }
      if (t.suppressed_by.rfind("ignore tag", 0) == 0) ++ignored;
      if (t.suppressed_by == "maintenance window boundary") ++in_window_boundary;
      if (t.suppressed_by == "maintenance window staging") ++in_window_staging;
      if (t.deferred) ++deferred;
    }
    for (const auto& n : r.notices) ++(n.digest ? digests : singles);
    incomplete += r.inventory_complete ? 0 : 1;
  }
};

WatchSettings history_settings(const History& h) {
  WatchSettings settings;
  settings.policy.full_inventory_every = 1;   // every cycle a full inventory: the path under test
  settings.policy.hold_cycles = 2;
  settings.policy.notify_appeared = true;
  settings.policy.forget_vanished_after_seconds = 600;   // vanished records are forgotten (removed) within the run
  // Maintenance: nodes around the first chunk boundary for a while, and (by EC2's tags) staging nodes later.
  core::MaintenanceWindow around_boundary{"boundary", h.fleet.now + 20 * 60, h.fleet.now + 26 * 60};
  for (int i = 490; i < 540; ++i) around_boundary.instance_ids.push_back(node_id(i));
  core::MaintenanceWindow staging{"staging", h.fleet.now + 28 * 60, h.fleet.now + 34 * 60};
  staging.tag_key = "env";
  staging.tag_value = "staging";
  settings.policy.maintenance_windows = {around_boundary, staging};
  return settings;
}

void seed_fleet(History& h) {
  for (int i = 0; i < kFleet; ++i) h.fleet.set_described(node_id(i), core::PingStatus::Online, i);
  for (int i = 0; i < 20; ++i) h.fleet.set_described(node_id(i * 70 + 3), core::PingStatus::ConnectionLost, i * 70 + 3);
  for (int i = 0; i < 40; ++i) h.fleet.ignore_tagged.insert(node_id(i * 37 + 5));
  for (int i = 0; i < 15; ++i) {   // hybrid nodes sort after every i- id: the last chunk
    const auto id = fmt::format("mi-{:017x}", i);
    h.fleet.set_described(id, i % 4 ? core::PingStatus::Online : core::PingStatus::Inactive, kIdSpace + i);
    h.fleet.nodes[id].name = "onprem-" + std::to_string(i);
  }
}

// The seeded history through both stores, compared after every cycle; `seen` tallies the streamed side.
void run_history(CountingStore& streamed, WholeStateStore& whole, int cycles, Coverage& seen) {
  ASSERT_TRUE(streamed.streams_records());
  History h;
  const auto settings = history_settings(h);
  seed_fleet(h);
  testing::FakeSns sns_streamed, sns_whole;
  WatchCycleOptions o;
  o.notice_context = {"123456789012", "us-east-1", ""};
  o.now = [&] { return h.fleet.now; };
  for (int cycle = 0; cycle < cycles; ++cycle) {
    h.before_cycle(cycle);
    if (cycle % 5 == 2) {   // a dry run streams without a part commit: the records kept in memory instead
      WatchCycleOptions dry = o;
      dry.dry_run = true;
      const auto da = run_watch_cycle(streamed, h.fleet, nullptr, nullptr, settings, dry);
      const auto db = run_watch_cycle(whole, h.fleet, nullptr, nullptr, settings, dry);
      ASSERT_TRUE(same(summary(da), summary(db))) << "dry run, cycle " << cycle;
      ASSERT_TRUE(same(details(da), details(db))) << "dry run, cycle " << cycle;
    }
    const long parts_before = streamed.part_commits, loads_before = whole.loads;
    const auto a = run_watch_cycle(streamed, h.fleet, &sns_streamed, nullptr, settings, o);
    const auto b = run_watch_cycle(whole, h.fleet, &sns_whole, nullptr, settings, o);
    ASSERT_TRUE(a.full_inventory && a.committed && b.committed) << "cycle " << cycle;
    // Each side took its path: a part commit on the streamed side, a whole load on the other.
    ASSERT_EQ(streamed.part_commits, parts_before + 1) << "cycle " << cycle;
    ASSERT_EQ(whole.loads, loads_before + 1) << "cycle " << cycle;
    ASSERT_TRUE(same(summary(a), summary(b))) << "cycle " << cycle;
    ASSERT_TRUE(same(details(a), details(b))) << "cycle " << cycle;
    const auto sa = streamed.load(), sb = whole.load();
    ASSERT_EQ(sa.version, sb.version) << "cycle " << cycle;
    ASSERT_TRUE(sa.watch == sb.watch) << "cycle " << cycle;   // every field, also any state_json leaves out
    ASSERT_TRUE(same(state_json(sa.watch), state_json(sb.watch))) << "cycle " << cycle;
    ASSERT_EQ(sns_streamed.delivered, sns_whole.delivered) << "cycle " << cycle;
    seen.add(a);
    h.fleet.now += 60;
  }
}

// Every stored record went through the stream, a chunk at a time, every cycle; and the history exercised
// what it is meant to.
void expect_history_exercised(const CountingStore& streamed, int cycles, Coverage& seen) {
  EXPECT_GT(streamed.streamed, (cycles - 1) * 1300L);
  for (auto kind : core::kAllTransitionKinds) EXPECT_GT(seen.kinds[kind], 0) << core::to_string(kind);
  EXPECT_GT(seen.near_first_boundary, 0);
  EXPECT_GT(seen.near_second_boundary, 0);
  EXPECT_GT(seen.ignored, 0);
  EXPECT_GT(seen.in_window_boundary, 0);
  EXPECT_GT(seen.in_window_staging, 0);
  EXPECT_GT(seen.deferred, 0);
  EXPECT_GT(seen.digests, 0);
  EXPECT_GT(seen.singles, 0);
  EXPECT_EQ(seen.incomplete, 1);
}

TEST(WatchStreamEquivalence, StreamedFullInventoriesDecideAsWholeStatesOverARandomHistory) {
  const auto dir = std::filesystem::temp_directory_path() / ("pingwatch-stream-eq-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  CountingStore streamed(open_sqlite_state_store((dir / "streamed.db").string(), "s"));
  WholeStateStore whole(open_sqlite_state_store((dir / "whole.db").string(), "s"));
  constexpr int kCycles = 40;
  Coverage seen;
  run_history(streamed, whole, kCycles, seen);
  std::filesystem::remove_all(dir);
  if (HasFatalFailure()) return;
  expect_history_exercised(streamed, kCycles, seen);
}

// The DynamoDB store (new layout: hot#/node# records, moved as they turn cold or hot) streams too.
TEST(WatchStreamEquivalence, DynamoDbStreamedFullInventoriesDecideAsWholeStates) {
  auto db = testing::dynamo_client(std::make_shared<testing::RecordingDynamo>());
  CountingStore streamed(open_dynamodb_state_store(db, "pingwatch-state", "streamed", true));
  WholeStateStore whole(open_dynamodb_state_store(db, "pingwatch-state", "whole", true));
  constexpr int kCycles = 40;
  Coverage seen;
  run_history(streamed, whole, kCycles, seen);
  if (HasFatalFailure()) return;
  expect_history_exercised(streamed, kCycles, seen);
}

}  // namespace
}  // namespace pingwatch::monitor
