// Exactly one notice per transition, whatever step of a cycle the process dies at.
// A "crash" is an exception thrown from the cycle's hook; the "restart" reopens the SQLite file with a
// new store object and runs the next cycle, as a restarted daemon would.
#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <unistd.h>

#include "aws/error.h"
#include "monitor/watch.h"
#include "unit/monitor/fake_fleet.h"
#include "unit/monitor/in_process_dynamo.h"

using namespace pingwatch;
using namespace pingwatch::monitor;

namespace {

using pingwatch::testing::FakeFleet;
using pingwatch::testing::FakeSns;

struct Crash : std::runtime_error {
  Crash() : std::runtime_error("simulated crash") {}
};

// The shared in-process DynamoDB (in_process_dynamo.h) that dies before its request number `crash_at` (0-based,
// over every request it was sent) reaches the service. calls(): the requests the service received.
class CrashingDynamo : public pingwatch::testing::RecordingDynamo {
 public:
  CrashingDynamo() {
    intercept = [this](const std::string&, const nlohmann::json&) -> std::optional<aws::HttpResponse> {
      if (static_cast<long>(sent.size()) - 1 != crash_at) return std::nullopt;
      crash_at = -1;
      ++crashes_;
      throw Crash();   // the process dies before this request reaches DynamoDB
    };
  }
  long calls() const { return static_cast<long>(sent.size()) - crashes_; }
  long crash_at = -1;

 private:
  long crashes_ = 0;
};

class OutboxCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pingwatch-watch-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "watch.db").string();
    settings_.policy.full_inventory_every = 1;   // every cycle is a full inventory: simplest to reason about
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<StateStore> open_store() {
    if (dynamo_) return open_dynamodb_state_store(pingwatch::testing::dynamo_client(dynamo_), "pingwatch-watch", "123456789012/us-east-1", true);
    return open_sqlite_state_store(path_, "123456789012/us-east-1");
  }

  // One cycle in a fresh process. crash_at: the hook step at which it dies ("" = none).
  WatchCycleResult cycle(const std::string& crash_at = "") {
    auto store = open_store();
    WatchCycleOptions o;
    o.notice_context = {"123456789012", "us-east-1", ""};
    o.now = [this] { return fleet_.now; };
    o.hook = [&](const std::string& step, const std::string&) {
      if (step == crash_at) throw Crash();
    };
    return run_watch_cycle(*store, fleet_, &sns_, nullptr, settings_, o);
  }

  std::filesystem::path dir_;
  std::string path_;
  WatchSettings settings_;
  FakeFleet fleet_;
  FakeSns sns_;
  std::shared_ptr<CrashingDynamo> dynamo_;   // set: the DynamoDB backend (the Lambda's) instead of SQLite
};

}  // namespace

TEST_F(OutboxCrash, NoCrashOneNoticePerTransition) {
  fleet_.set("i-a", core::PingStatus::Online);
  cycle();
  EXPECT_TRUE(sns_.delivered.empty());
  fleet_.now += 60;
  fleet_.set("i-a", core::PingStatus::ConnectionLost);
  auto r = cycle();
  EXPECT_EQ(r.delivery.sent, 1);
  fleet_.now += 60;
  cycle();
  EXPECT_EQ(sns_.delivered.size(), 1u);
}

class OutboxCrashAt : public OutboxCrash,
                      public ::testing::WithParamInterface<std::tuple<std::string, bool, std::string>> {};

TEST_P(OutboxCrashAt, ExactlyOneObservableNotice) {
  const auto [step, fifo, backend] = GetParam();
  sns_.fifo = fifo;
  if (backend == "dynamodb") dynamo_ = std::make_shared<CrashingDynamo>();
  fleet_.set("i-a", core::PingStatus::Online);
  fleet_.set("i-b", core::PingStatus::Online);
  cycle();
  fleet_.now += 60;
  fleet_.set("i-a", core::PingStatus::ConnectionLost);
  EXPECT_THROW(cycle(step), Crash);
  // Restart at once, then again after the claim lease: whatever was in flight is settled.
  for (int i = 0; i < 2; ++i) {
    fleet_.now += i == 0 ? 60 : settings_.lease_seconds + 1;
    cycle();
  }
  std::set<std::string> distinct(sns_.delivered.begin(), sns_.delivered.end());
  EXPECT_EQ(distinct.size(), 1u) << "step " << step;
  if (step == "published" && !fifo) {
    // The only window a standard topic cannot close: SNS took it, the process died before recording
    // that. The resend carries the same notice id (MessageAttribute pingwatch.notice_id).
    EXPECT_EQ(sns_.delivered.size(), 2u);
  } else {
    EXPECT_EQ(sns_.delivered.size(), 1u) << "step " << step;
  }
  // And recovery is reported exactly once too.
  fleet_.now += 60;
  fleet_.set("i-a", core::PingStatus::Online);
  cycle();
  cycle();
  std::set<std::string> after(sns_.delivered.begin(), sns_.delivered.end());
  EXPECT_EQ(after.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(EveryStep, OutboxCrashAt,
                         ::testing::Combine(::testing::Values("before-commit", "after-commit", "claimed", "published",
                                                              "marked"),
                                            ::testing::Bool(), ::testing::Values("sqlite", "dynamodb")));

TEST_F(OutboxCrash, DynamoOverlappingInvocationsNotifyOnce) {
  dynamo_ = std::make_shared<CrashingDynamo>();
  fleet_.set("i-a", core::PingStatus::Online);
  cycle();
  fleet_.now += 60;
  fleet_.set("i-a", core::PingStatus::ConnectionLost);
  // Two invocations load the same version; the second to commit loses and notifies nothing.
  auto first = open_store();
  auto second = open_store();
  auto l1 = first->load();
  auto l2 = second->load();
  core::Notice n;
  n.id = "n-lost";
  core::WatchState next = l1.watch;
  ++next.cycle;
  EXPECT_TRUE(first->commit(l1.version, l1.watch, next, {n}, fleet_.now));
  EXPECT_FALSE(second->commit(l2.version, l2.watch, next, {n}, fleet_.now));
  EXPECT_TRUE(first->claim("n-lost", "one", fleet_.now, 120));
  EXPECT_FALSE(second->claim("n-lost", "two", fleet_.now + 1, 120));
  EXPECT_EQ(second->unsent().size(), 1u);
}

TEST_F(OutboxCrash, DynamoStateRoundTrips) {
  dynamo_ = std::make_shared<CrashingDynamo>();
  fleet_.set("i-a", core::PingStatus::Online);
  fleet_.set("i-b", core::PingStatus::ConnectionLost);
  cycle();
  auto sqlite_like = open_store()->load();
  EXPECT_EQ(sqlite_like.version, 1);
  ASSERT_EQ(sqlite_like.watch.nodes.size(), 2u);
  EXPECT_EQ(sqlite_like.watch.nodes.at("i-b").condition, core::Condition::Lost);
  EXPECT_TRUE(sqlite_like.watch.nodes.at("i-b").alerted);
  EXPECT_EQ(sns_.delivered.size(), 1u);
}

TEST_F(OutboxCrash, RefusedPublishIsRetriedNextCycle) {
  fleet_.set("i-a", core::PingStatus::Online);
  cycle();
  fleet_.now += 60;
  fleet_.set("i-a", core::PingStatus::ConnectionLost);
  sns_.fail_next = 1;
  auto r = cycle();
  EXPECT_EQ(r.delivery.failed, 1);
  EXPECT_TRUE(sns_.delivered.empty());
  fleet_.now += 60;
  r = cycle();
  EXPECT_EQ(r.delivery.sent, 1);
  EXPECT_EQ(sns_.delivered.size(), 1u);
}

TEST_F(OutboxCrash, OverlappingRunsNotifyOnce) {
  fleet_.set("i-a", core::PingStatus::Online);
  cycle();
  fleet_.now += 60;
  fleet_.set("i-a", core::PingStatus::ConnectionLost);
  // Two runs load the same version; the second commits after the first: it must lose.
  auto store1 = open_sqlite_state_store(path_, "s");
  auto store2 = open_sqlite_state_store(path_, "s");
  auto loaded1 = store1->load();
  auto loaded2 = store2->load();
  core::WatchState next = loaded1.watch;
  ++next.cycle;
  EXPECT_TRUE(store1->commit(loaded1.version, loaded1.watch, next, {}, fleet_.now));
  EXPECT_FALSE(store2->commit(loaded2.version, loaded2.watch, next, {}, fleet_.now));
}

TEST_F(OutboxCrash, ClaimIsExclusiveUntilTheLeaseEnds) {
  auto store = open_sqlite_state_store(path_, "s");
  auto loaded = store->load();
  core::Notice n;
  n.id = "n1";
  n.subject = "s";
  core::WatchState next;
  ASSERT_TRUE(store->commit(loaded.version, loaded.watch, next, {n}, 1000));
  EXPECT_TRUE(store->claim("n1", "a", 1000, 120));
  EXPECT_FALSE(store->claim("n1", "b", 1010, 120));
  EXPECT_TRUE(store->claim("n1", "b", 1121, 120));   // a's lease expired: in doubt, b takes over
  store->mark_sent("n1", "m", 1122);
  EXPECT_FALSE(store->claim("n1", "c", 5000, 120));
  EXPECT_TRUE(store->unsent().empty());
  // Recording the same notice id again (a recomputed cycle) does not resurrect it.
  loaded = store->load();
  ASSERT_TRUE(store->commit(loaded.version, loaded.watch, next, {n}, 1200));
  EXPECT_TRUE(store->unsent().empty());
}

TEST_F(OutboxCrash, SteadyStateReadsAreCheap) {
  settings_.policy.full_inventory_every = 10;
  for (int i = 0; i < 10000; ++i) fleet_.set(fmt::format("i-{:017x}", i), core::PingStatus::Online);
  auto first = cycle();
  EXPECT_TRUE(first.full_inventory);
  fleet_.now += 60;
  fleet_.calls = 0;
  auto steady = cycle();
  EXPECT_FALSE(steady.full_inventory);
  EXPECT_LE(steady.api_calls, 3);
  EXPECT_EQ(steady.verify_ids, 0);
}

// Die before each DynamoDB request of the cycle that records a transition, in turn: one notice every time.
TEST_F(OutboxCrash, DynamoCrashBeforeEveryRequestOfACycle) {
  long requests_in_cycle = 0;
  for (long k = 0;; ++k) {
    dynamo_ = std::make_shared<CrashingDynamo>();
    sns_ = FakeSns{};
    fleet_ = FakeFleet{};
    fleet_.set("i-a", core::PingStatus::Online);
    cycle();
    fleet_.now += 60;
    fleet_.set("i-a", core::PingStatus::ConnectionLost);
    const long before = dynamo_->calls();
    dynamo_->crash_at = before + k;
    bool crashed = false;
    try {
      cycle();
    } catch (const Crash&) {
      crashed = true;
    }
    if (!crashed) {
      requests_in_cycle = dynamo_->calls() - before;
      break;
    }
    // Published but not yet recorded as sent: the one in-doubt window (the resend has the same id).
    const std::size_t published_before_crash = sns_.delivered.size();
    for (int i = 0; i < 2; ++i) {
      fleet_.now += i == 0 ? 60 : settings_.lease_seconds + 1;
      cycle();
    }
    std::set<std::string> distinct(sns_.delivered.begin(), sns_.delivered.end());
    EXPECT_EQ(distinct.size(), 1u) << "crash before request " << k;
    EXPECT_EQ(sns_.delivered.size(), 1u + published_before_crash) << "crash before request " << k;
    ASSERT_LT(k, 100);
  }
  EXPECT_GT(requests_in_cycle, 5);
}
