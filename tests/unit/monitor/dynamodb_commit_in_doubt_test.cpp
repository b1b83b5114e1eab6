// The DynamoDB store's commit point is one conditional UpdateItem on the meta item. When its first attempt
// reaches DynamoDB but the reply is lost (a timeout, a reset), the client's retry is refused with
// ConditionalCheckFailedException: the version it expects was already bumped, by that first attempt. The store
// must not read that refusal as "another run committed first" (an unknown outcome is never a known one): it
// reads who committed, and finishes its own commit when it was its own.
#include <gtest/gtest.h>

#include "aws/http.h"
#include "monitor/state_store.h"
#include "unit/monitor/in_process_dynamo.h"

using namespace pingwatch;
using nlohmann::json;
using pingwatch::testing::RecordingDynamo;

namespace {

core::WatchState one_node(long cycle) {
  core::WatchState s;
  s.cycle = cycle;
  s.baseline = true;
  core::NodeRecord r;
  r.instance_id = "i-0123456789abcdef0";
  r.ssm_status = "ConnectionLost";
  r.condition = core::Condition::Lost;
  s.nodes.emplace(r.instance_id, r);
  return s;
}

core::Notice notice(const std::string& id) {
  core::Notice n;
  n.id = id;
  n.subject = "[pingwatch] LOST: i-0123456789abcdef0";
  n.body = "lost";
  return n;
}

// The next `drops` UpdateItem calls are answered by the service (applied or refused), then their replies are lost.
void lose_commit_replies(RecordingDynamo& http, int drops) {
  auto remaining = std::make_shared<int>(drops);
  http.patch = [remaining](const std::string& op, aws::HttpResponse&) {
    if (op == "UpdateItem" && *remaining > 0) {
      --*remaining;
      throw aws::TransportError(aws::TransportError::Kind::Timeout, "Operation timed out after 10000 milliseconds");
    }
  };
}

TEST(DynamoCommitInDoubt, ACommitWhoseReplyWasLostIsFinishedNotAbandoned) {
  auto http = std::make_shared<RecordingDynamo>();
  std::vector<std::chrono::milliseconds> slept;
  auto store = monitor::open_dynamodb_state_store(pingwatch::testing::dynamo_client(http, &slept), "pingwatch-state", "scope", true);
  const auto loaded = store->load();
  lose_commit_replies(*http, 1);
  EXPECT_TRUE(store->commit(loaded.version, loaded.watch, one_node(1), {notice("n1")}, 1712910060))
      << "the store took its own applied commit for another run's";
  http->patch = nullptr;
  const auto after = store->load();
  EXPECT_EQ(after.version, loaded.version + 1);
  EXPECT_EQ(after.watch.cycle, 1);
  EXPECT_EQ(after.watch.nodes.count("i-0123456789abcdef0"), 1u) << "the node records of the commit were not applied";
  const auto outbox = store->unsent();
  ASSERT_EQ(outbox.size(), 1u) << "the commit's notice was lost";
  EXPECT_EQ(outbox[0].notice.id, "n1");
}

TEST(DynamoCommitInDoubt, AnotherRunsCommitStillWins) {
  auto http = std::make_shared<RecordingDynamo>();
  auto client = pingwatch::testing::dynamo_client(http);
  auto ours = monitor::open_dynamodb_state_store(client, "pingwatch-state", "scope", true);
  auto theirs = monitor::open_dynamodb_state_store(client, "pingwatch-state", "scope", false);
  const auto loaded = ours->load();
  ASSERT_TRUE(theirs->commit(loaded.version, loaded.watch, one_node(7), {notice("theirs")}, 1712910060));
  lose_commit_replies(*http, 1);   // our attempt is refused, its reply lost, the retry refused again: in doubt
  EXPECT_FALSE(ours->commit(loaded.version, loaded.watch, one_node(1), {notice("ours")}, 1712910061));
  http->patch = nullptr;
  const auto after = ours->load();
  EXPECT_EQ(after.watch.cycle, 7) << "the other run's commit was overwritten";
  const auto outbox = ours->unsent();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].notice.id, "theirs");
}

}  // namespace
