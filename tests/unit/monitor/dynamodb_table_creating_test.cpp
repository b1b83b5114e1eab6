// A table the state store creates is CREATING for a while, and DynamoDB serves reads and writes only on an
// ACTIVE table (API reference, CreateTable: "You can perform read and write operations only on an ACTIVE
// table"). The local stack and moto make tables ACTIVE at once, so neither showed that the store wrote to a
// table it had just created. Here DynamoDB's behaviour is emulated over the in-process service.
#include <gtest/gtest.h>

#include "aws/error.h"
#include "monitor/state_store.h"
#include "unit/monitor/in_process_dynamo.h"

using namespace pingwatch;
using nlohmann::json;

namespace {

// CreateTable's table stays CREATING for `describes_while_creating` DescribeTable calls; item operations on
// it meanwhile fail with ResourceNotFoundException, as DynamoDB answers them.
void emulate_creating(pingwatch::testing::RecordingDynamo& http, int describes_while_creating, int& item_calls_while_creating) {
  auto remaining = std::make_shared<int>(-1);   // -1: no table being created
  http.patch = [remaining, describes_while_creating](const std::string& op, aws::HttpResponse& reply) {
    if (op == "CreateTable" && reply.status == 200) *remaining = describes_while_creating;
    if (op == "DescribeTable" && reply.status == 200 && *remaining > 0) {
      auto body = json::parse(reply.body);
      body["Table"]["TableStatus"] = "CREATING";
      reply.body = body.dump();
      --*remaining;
    }
  };
  http.intercept = [remaining, &item_calls_while_creating](const std::string& op, const json&) -> std::optional<aws::HttpResponse> {
    if (*remaining <= 0 || op == "CreateTable" || op == "DescribeTable") return std::nullopt;
    ++item_calls_while_creating;
    return aws::HttpResponse{400, {{"Content-Type", "application/x-amz-json-1.0"}},
                             R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})"};
  };
}

TEST(DynamoTableCreating, TheStoreWaitsUntilTheTableItCreatedIsActive) {
  auto http = std::make_shared<pingwatch::testing::RecordingDynamo>();
  int item_calls_while_creating = 0;
  emulate_creating(*http, 3, item_calls_while_creating);
  std::vector<std::chrono::milliseconds> slept;
  auto store = monitor::open_dynamodb_state_store(pingwatch::testing::dynamo_client(http, &slept), "pingwatch-state", "scope", true);
  core::WatchState next;
  next.cycle = 1;
  try {
    auto loaded = store->load();
    EXPECT_TRUE(store->commit(loaded.version, loaded.watch, next, {}, 1712910060));
  } catch (const aws::AwsError& e) {
    ADD_FAILURE() << e.what();
  }
  EXPECT_EQ(item_calls_while_creating, 0) << "the store read or wrote a CREATING table";
  EXPECT_EQ(slept.size(), 3u);   // one pause after each DescribeTable that said CREATING
  std::size_t creates = 0;
  for (const auto& [op, input] : http->sent) creates += op == "CreateTable";
  EXPECT_EQ(creates, 1u);
}

TEST(DynamoTableCreating, AnExistingActiveTableIsUsedAtOnce) {
  auto http = std::make_shared<pingwatch::testing::RecordingDynamo>();
  std::vector<std::chrono::milliseconds> slept;
  monitor::open_dynamodb_state_store(pingwatch::testing::dynamo_client(http, &slept), "pingwatch-state", "scope", true);
  EXPECT_TRUE(slept.empty());   // CreateTable answered CREATING, the DescribeTable right after said ACTIVE
  monitor::open_dynamodb_state_store(pingwatch::testing::dynamo_client(http, &slept), "pingwatch-state", "scope", true)->load();
  EXPECT_TRUE(slept.empty());   // the table is there and ACTIVE: no wait
}

}  // namespace
