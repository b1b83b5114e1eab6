// The DynamoDB store files cold records (core::is_cold) under node#, the others under hot#, and counts the cold
// ones in meta, so a partial cycle reads meta and hot# only. A table written before this layout (every record
// under node#, meta without `layout`) is read in full and rewritten in the layout by its first commit.
#include <gtest/gtest.h>

#include "monitor/state_store.h"
#include "unit/monitor/in_process_dynamo.h"

namespace pingwatch::monitor {
namespace {

using nlohmann::json;
using pingwatch::testing::RecordingDynamo;

json S(const std::string& s) { return {{"S", s}}; }
json N(long v) { return {{"N", std::to_string(v)}}; }

core::NodeRecord healthy(const std::string& id) {
  core::NodeRecord r;
  r.instance_id = id;
  r.ssm_status = "Online";
  r.last_ping = 1712910000;
  r.last_seen = 1712910060;
  return r;
}

core::NodeRecord lost(const std::string& id) {
  auto r = healthy(id);
  r.condition = core::Condition::Lost;
  r.ssm_status = "ConnectionLost";
  r.episode = id + "@1712910000.000";
  r.alerted = true;
  return r;
}

std::set<std::string> sort_keys(aws::DynamoDbClient& db) {
  std::set<std::string> out;
  const nlohmann::json every_item_of_the_scope{{"TableName", "pingwatch-state"},
                                               {"KeyConditionExpression", "#pk = :pk"},
                                               {"ExpressionAttributeNames", {{"#pk", "pk"}}},
                                               {"ExpressionAttributeValues", {{":pk", {{"S", "scope"}}}}}};
  for (const auto& item : db.query_all(every_item_of_the_scope)) out.insert(item.at("sk").at("S").get<std::string>());
  return out;
}

TEST(DynamoLayout, AnOlderTableIsReadInFullAndRewrittenInTheLayout) {
  auto http = std::make_shared<RecordingDynamo>();
  auto db = pingwatch::testing::dynamo_client(http);
  auto store = open_dynamodb_state_store(db, "pingwatch-state", "scope", true);
  // The previous layout: meta without `layout`, every record under node#.
  db->put_item("pingwatch-state", {{"pk", S("scope")}, {"sk", S("meta")}, {"version", N(3)}, {"baseline", N(1)},
                                   {"cycle", N(3)}, {"last_full_cycle", N(1)}});
  for (const auto& r : {healthy("i-cold"), lost("i-lost")}) {
    db->put_item("pingwatch-state", {{"pk", S("scope")}, {"sk", S("node#" + r.instance_id)}, {"rec", S(record_to_json(r).dump())}});
  }
  auto old = store->load_compact();
  EXPECT_EQ(old.watch.nodes.size(), 2u) << "an older table is judged on every record";
  EXPECT_EQ(old.cold, 0);
  auto next = old.watch;
  ++next.cycle;
  ASSERT_TRUE(store->commit(old.version, old.watch, next, {}, 1712910120));
  EXPECT_EQ(sort_keys(*db), (std::set<std::string>{"meta", "node#i-cold", "hot#i-lost"}));

  auto compact = store->load_compact();
  EXPECT_EQ(compact.version, 4);
  ASSERT_EQ(compact.watch.nodes.size(), 1u);
  EXPECT_EQ(compact.watch.nodes.begin()->first, "i-lost");
  EXPECT_TRUE(compact.quiet.empty());
  EXPECT_EQ(compact.cold, 1) << "meta counts the cold record the partial cycle does not read";
  auto pulled = store->load_records({"i-cold"});
  ASSERT_EQ(pulled.size(), 1u);
  EXPECT_EQ(pulled[0], healthy("i-cold"));
  EXPECT_EQ(store->load().watch.nodes, next.nodes);
}

TEST(DynamoLayout, RecordsMoveBetweenColdAndHotAndTheCountFollows) {
  auto http = std::make_shared<RecordingDynamo>();
  auto db = pingwatch::testing::dynamo_client(http);
  auto store = open_dynamodb_state_store(db, "pingwatch-state", "scope", true);
  auto s = store->load();
  core::WatchState next;
  next.nodes = {{"i-a", healthy("i-a")}, {"i-b", healthy("i-b")}, {"i-c", healthy("i-c")}};
  ASSERT_TRUE(store->commit(s.version, s.watch, next, {}, 1));
  EXPECT_EQ(store->load_compact().cold, 3);

  s = store->load();
  auto down = s.watch;
  down.nodes["i-b"] = lost("i-b");   // cold -> hot
  down.nodes.erase("i-c");           // forgotten
  ASSERT_TRUE(store->commit(s.version, s.watch, down, {}, 2));
  EXPECT_EQ(sort_keys(*db), (std::set<std::string>{"meta", "node#i-a", "hot#i-b"}));
  auto compact = store->load_compact();
  EXPECT_EQ(compact.cold, 1);
  EXPECT_EQ(compact.watch.nodes.count("i-b"), 1u);

  auto up = compact.watch;
  up.nodes["i-b"] = healthy("i-b");   // hot -> cold again
  ASSERT_TRUE(store->commit(compact.version, compact.watch, up, {}, 3));
  EXPECT_EQ(sort_keys(*db), (std::set<std::string>{"meta", "node#i-a", "node#i-b"}));
  EXPECT_EQ(store->load_compact().cold, 2);
}

}  // namespace
}  // namespace pingwatch::monitor
