// The status server's node lists come from watch's own store: what a commit wrote is what the loader shows,
// per scope, off the caller's thread; a store that cannot be read keeps the last list and is retried.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "monitor/state_store.h"
#include "runtime/status_loader.h"

using namespace pingwatch;
using namespace pingwatch::runtime;

namespace {

core::NodeRecord record(const std::string& id, core::Condition c, const std::string& name) {
  core::NodeRecord r;
  r.instance_id = id;
  r.condition = c;
  r.ssm_status = c == core::Condition::Healthy ? "Online" : "ConnectionLost";
  r.since = 1000;
  r.last_ping = 990;
  r.last_seen = 1000;
  r.name_tag = name;
  r.computer_name = "ip-10-0-0-1";
  r.ip_address = "10.0.0.1";
  r.platform = "Amazon Linux 2023";
  r.agent_version = "3.3.0.0";
  return r;
}

std::shared_ptr<const ScopeNodes> wait_for_scope(const StatusBoard& board, const std::string& scope, std::size_t nodes) {
  for (int i = 0; i < 500; ++i) {
    auto s = board.snapshot();
    if (auto it = s->scopes.find(scope); it != s->scopes.end() && it->second->nodes.size() == nodes) return it->second;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return nullptr;
}

}  // namespace

TEST(NodeStateLoader, ShowsWhatWatchCommittedPerScope) {
  const auto dir = std::filesystem::temp_directory_path() / ("pingwatch-loader-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "watch.db").string();
  {
    auto store = monitor::open_sqlite_state_store(path, "123456789012/ap-northeast-1");
    core::WatchState next;
    next.nodes["i-1"] = record("i-1", core::Condition::Lost, "db-1");
    next.nodes["i-2"] = record("i-2", core::Condition::Healthy, "");
    ASSERT_TRUE(store->commit(0, core::WatchState{}, next, {}, 1000));
    auto other = monitor::open_sqlite_state_store(path, "123456789012/us-east-1");
    core::WatchState one;
    one.nodes["i-9"] = record("i-9", core::Condition::Stale, "web-9");
    ASSERT_TRUE(other->commit(0, core::WatchState{}, one, {}, 1000));
  }
  StatusBoard board;
  std::vector<std::string> opened;
  NodeStateLoader loader(board, [&](const std::string& scope) {
    opened.push_back(scope);
    return monitor::open_sqlite_state_store(path, scope);
  });
  loader.request("123456789012/ap-northeast-1");
  auto tokyo = wait_for_scope(board, "123456789012/ap-northeast-1", 2);
  ASSERT_TRUE(tokyo);
  EXPECT_EQ(tokyo->nodes[0].instance_id, "i-1");
  EXPECT_EQ(tokyo->nodes[0].condition, core::Condition::Lost);
  EXPECT_EQ(tokyo->nodes[0].name, "db-1");
  EXPECT_EQ(tokyo->nodes[0].ping_status, "ConnectionLost");
  EXPECT_EQ(tokyo->nodes[1].name, "ip-10-0-0-1");   // no Name tag: the computer name
  EXPECT_EQ(tokyo->nodes[1].scope, "123456789012/ap-northeast-1");
  EXPECT_EQ(board.snapshot()->scopes.count("123456789012/us-east-1"), 0u);   // only what was asked for
  loader.request("123456789012/us-east-1");
  auto virginia = wait_for_scope(board, "123456789012/us-east-1", 1);
  ASSERT_TRUE(virginia);
  EXPECT_EQ(virginia->nodes[0].condition, core::Condition::Stale);
  std::filesystem::remove_all(dir);
}

TEST(NodeStateLoader, AStoreThatFailsKeepsTheLastListAndIsOpenedAgain) {
  StatusBoard board;
  ScopeNodes before;
  before.scope = "a/r";
  before.nodes.push_back(NodeView{});
  board.set_scope_nodes(before);
  std::atomic<int> opens = 0;
  NodeStateLoader loader(board, [&](const std::string&) -> std::unique_ptr<monitor::StateStore> {
    ++opens;
    throw std::runtime_error("cannot open");
  });
  loader.request("a/r");
  loader.drain();
  loader.request("a/r");
  for (int i = 0; i < 500 && opens < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(opens, 2);
  EXPECT_EQ(board.snapshot()->scopes.at("a/r")->nodes.size(), 1u);
}
