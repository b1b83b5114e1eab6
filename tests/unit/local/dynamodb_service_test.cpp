// The local DynamoDB service, called as the router calls it (parsed JSON 1.0 bodies).
#include <gtest/gtest.h>

#include "local/service.h"
#include "local/dynamodb/reserved_words.h"
#include "local/services.h"

using namespace pingwatch::local;
using nlohmann::json;

namespace {

class Dynamo : public ::testing::Test {
 protected:
  void SetUp() override {
    context_.clock = std::make_shared<SimClock>(1712910000, 1);
    service_ = make_dynamodb_service(context_);
    ASSERT_NE(service_, nullptr);
    call("CreateTable", {{"TableName", "watch"},
                         {"KeySchema", json::array({{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                                                    {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}})},
                         {"AttributeDefinitions", json::array({{{"AttributeName", "pk"}, {"AttributeType", "S"}},
                                                               {{"AttributeName", "sk"}, {"AttributeType", "S"}}})},
                         {"BillingMode", "PAY_PER_REQUEST"}});
  }

  Response raw(const std::string& op, const json& body) {
    Request r;
    r.method = "POST";
    r.path = "/";
    r.service = "dynamodb";
    r.operation = op;
    r.protocol = WireProtocol::Json10;
    r.json = body;
    r.region = "us-east-1";
    r.account_id = "123456789012";
    r.request_id = "test";
    return service_->handle(r);
  }

  json call(const std::string& op, const json& body) {
    auto resp = raw(op, body);
    EXPECT_EQ(resp.status, 200) << resp.body;
    return json::parse(resp.body);
  }

  // The whole error body of a call expected to fail: thrown for the router to render, or rendered here
  // (a failed condition whose body carries the Item).
  json error_body(const std::string& op, const json& body) {
    try {
      auto resp = raw(op, body);
      if (resp.status != 200) return json::parse(resp.body);
    } catch (const ServiceError& e) {
      return {{"__type", e.code}, {"message", e.what()}};
    }
    ADD_FAILURE() << op << " did not fail";
    return {{"__type", ""}, {"message", ""}};
  }

  // The error __type and message of a call expected to fail.
  std::pair<std::string, std::string> error(const std::string& op, const json& body) {
    auto e = error_body(op, body);
    return {e.value("__type", ""), e.value("message", "")};
  }

  static json item(const std::string& pk, const std::string& sk, int n) {
    return {{"pk", {{"S", pk}}}, {"sk", {{"S", sk}}}, {"n", {{"N", std::to_string(n)}}}};
  }
  void put(const json& it) { call("PutItem", {{"TableName", "watch"}, {"Item", it}}); }

  StackContext context_;
  std::unique_ptr<Service> service_;
};

}  // namespace

TEST_F(Dynamo, DescribeAndDuplicateAndMissingTables) {
  auto d = call("DescribeTable", {{"TableName", "watch"}});
  EXPECT_EQ(d["Table"]["TableStatus"], "ACTIVE");
  EXPECT_EQ(d["Table"]["TableArn"], "arn:aws:dynamodb:us-east-1:123456789012:table/watch");
  auto [code, msg] = error("CreateTable", {{"TableName", "watch"},
                                           {"KeySchema", json::array({{{"AttributeName", "pk"}, {"KeyType", "HASH"}}})},
                                           {"AttributeDefinitions", json::array({{{"AttributeName", "pk"}, {"AttributeType", "S"}}})},
                                           {"BillingMode", "PAY_PER_REQUEST"}});
  EXPECT_EQ(code, "com.amazonaws.dynamodb.v20120810#ResourceInUseException");
  EXPECT_EQ(msg, "Table already exists: watch");
  auto [c2, m2] = error("GetItem", {{"TableName", "nope"}, {"Key", {{"pk", {{"S", "a"}}}}}});
  EXPECT_EQ(c2, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
  EXPECT_EQ(m2, "Requested resource not found: Table: nope not found");
  call("DeleteTable", {{"TableName", "watch"}});
  EXPECT_EQ(error("DescribeTable", {{"TableName", "watch"}}).first, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
}

TEST_F(Dynamo, PutGetDeleteAndKeyValidation) {
  put(item("a", "1", 5));
  auto g = call("GetItem", {{"TableName", "watch"}, {"Key", {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}}}});
  EXPECT_EQ(g["Item"]["n"]["N"], "5");
  EXPECT_TRUE(call("GetItem", {{"TableName", "watch"}, {"Key", {{"pk", {{"S", "a"}}}, {"sk", {{"S", "2"}}}}}}).empty());
  EXPECT_EQ(error("PutItem", {{"TableName", "watch"}, {"Item", {{"pk", {{"S", "a"}}}}}}).second,
            "One or more parameter values were invalid: Missing the key sk in the item");
  EXPECT_EQ(error("PutItem", {{"TableName", "watch"}, {"Item", {{"pk", {{"N", "1"}}}, {"sk", {{"S", "x"}}}}}}).second,
            "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N");
  EXPECT_EQ(error("GetItem", {{"TableName", "watch"}, {"Key", {{"pk", {{"S", "a"}}}}}}).second,
            "The provided key element does not match the schema");
  // A string where the model has an AttributeValue structure does not deserialize: the protocol's error.
  EXPECT_EQ(error("PutItem", {{"TableName", "watch"}, {"Item", {{"pk", "a"}, {"sk", {{"S", "x"}}}}}}).first,
            "com.amazon.coral.service#SerializationException");
  EXPECT_EQ(error("PutItem", {{"TableName", "watch"}, {"Item", {{"pk", json::object()}, {"sk", {{"S", "x"}}}}}}).second,
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  auto del = call("DeleteItem", {{"TableName", "watch"}, {"Key", {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}}}, {"ReturnValues", "ALL_OLD"}});
  EXPECT_EQ(del["Attributes"]["n"]["N"], "5");
}

TEST_F(Dynamo, ConditionExpressions) {
  const json cond_new = {{"TableName", "watch"}, {"Item", item("a", "1", 1)}, {"ConditionExpression", "attribute_not_exists(pk)"}};
  call("PutItem", cond_new);
  auto [code, msg] = error("PutItem", cond_new);
  EXPECT_EQ(code, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
  EXPECT_EQ(msg, "The conditional request failed");
  // = with names and values, AND/OR/NOT, <>, <, >.
  auto upd = [&](const std::string& cond, const json& values) {
    json v = values;
    v[":one"] = {{"N", "1"}};
    return json{{"TableName", "watch"},
                {"Key", {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}}},
                {"UpdateExpression", "SET #n = #n + :one"},
                {"ConditionExpression", cond},
                {"ExpressionAttributeNames", {{"#n", "n"}}},
                {"ExpressionAttributeValues", v},
                {"ReturnValues", "ALL_NEW"}};
  };
  EXPECT_EQ(call("UpdateItem", upd("#n = :v", {{":v", {{"N", "1"}}}}))["Attributes"]["n"]["N"], "2");
  EXPECT_EQ(error("UpdateItem", upd("#n = :v", {{":v", {{"N", "1"}}}})).second, "The conditional request failed");
  EXPECT_EQ(call("UpdateItem", upd("#n <> :v AND #n < :w", {{":v", {{"N", "1"}}}, {":w", {{"N", "10"}}}}))["Attributes"]["n"]["N"], "3");
  EXPECT_EQ(call("UpdateItem", upd("NOT #n > :v OR attribute_exists(nothing)", {{":v", {{"N", "3"}}}}))["Attributes"]["n"]["N"], "4");
  EXPECT_EQ(error("UpdateItem", upd("(#n > :v) AND attribute_exists(pk)", {{":v", {{"N", "4"}}}})).first,
            "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
  // Undefined placeholders and unused values are validation errors.
  EXPECT_NE(error("UpdateItem", upd("#n = :missing", {})).second.find("attribute value: :missing"), std::string::npos);
  EXPECT_NE(error("UpdateItem", upd("#n > :v", {{":v", {{"N", "0"}}}, {":unused", {{"S", "x"}}}})).second.find("unused"), std::string::npos);
  // A condition on a missing item sees no attributes.
  auto missing = upd("attribute_exists(pk)", {});
  missing["Key"]["sk"]["S"] = "zzz";
  EXPECT_EQ(error("UpdateItem", missing).first, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
}

TEST_F(Dynamo, UpdateSetRemoveAdd) {
  put(item("a", "1", 1));
  auto r = call("UpdateItem", {{"TableName", "watch"},
                               {"Key", {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}}},
                               {"UpdateExpression", "SET s = :s, m = :m, l = list_append(if_not_exists(l, :e), :l) REMOVE n ADD c :c, tags :t"},
                               {"ExpressionAttributeValues", {{":s", {{"S", "x"}}}, {":m", {{"M", {{"k", {{"S", "v"}}}}}}},
                                                              {":e", {{"L", json::array()}}}, {":l", {{"L", json::array({{{"N", "7"}}})}}},
                                                              {":c", {{"N", "2.50"}}}, {":t", {{"SS", {"a", "b"}}}}}},
                               {"ReturnValues", "ALL_NEW"}});
  auto a = r["Attributes"];
  EXPECT_FALSE(a.contains("n"));
  EXPECT_EQ(a["s"]["S"], "x");
  EXPECT_EQ(a["c"]["N"], "2.5");
  EXPECT_EQ(a["l"]["L"][0]["N"], "7");
  EXPECT_EQ(a["m"]["M"]["k"]["S"], "v");
  r = call("UpdateItem", {{"TableName", "watch"},
                          {"Key", {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}}},
                          {"UpdateExpression", "ADD c :c, tags :t SET m.k2 = :s"},
                          {"ExpressionAttributeValues", {{":c", {{"N", "-0.5"}}}, {":t", {{"SS", {"b", "c"}}}}, {":s", {{"S", "y"}}}}},
                          {"ReturnValues", "ALL_NEW"}});
  EXPECT_EQ(r["Attributes"]["c"]["N"], "2");
  EXPECT_EQ(r["Attributes"]["tags"]["SS"].size(), 3u);
  EXPECT_EQ(r["Attributes"]["m"]["M"]["k2"]["S"], "y");
  EXPECT_NE(error("UpdateItem", {{"TableName", "watch"},
                                 {"Key", {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}}},
                                 {"UpdateExpression", "SET pk = :s"},
                                 {"ExpressionAttributeValues", {{":s", {{"S", "x"}}}}}})
                .second.find("This attribute is part of the key"),
            std::string::npos);
}

TEST_F(Dynamo, QueryKeyConditions) {
  for (int i = 0; i < 10; ++i) put(item("p", "k" + std::to_string(i), i));
  put(item("q", "k1", 100));
  auto q = [&](const std::string& expr, json values, json extra = json::object()) {
    values[":p"] = {{"S", "p"}};
    json body = {{"TableName", "watch"}, {"KeyConditionExpression", expr}, {"ExpressionAttributeValues", values}};
    for (auto& [k, v] : extra.items()) body[k] = v;
    return call("Query", body);
  };
  EXPECT_EQ(q("pk = :p", {})["Count"], 10);
  EXPECT_EQ(q("pk = :p AND sk = :s", {{":s", {{"S", "k3"}}}})["Items"][0]["n"]["N"], "3");
  EXPECT_EQ(q("pk = :p AND sk < :s", {{":s", {{"S", "k3"}}}})["Count"], 3);
  EXPECT_EQ(q("pk = :p AND sk <= :s", {{":s", {{"S", "k3"}}}})["Count"], 4);
  EXPECT_EQ(q("pk = :p AND sk > :s", {{":s", {{"S", "k3"}}}})["Count"], 6);
  EXPECT_EQ(q("pk = :p AND sk >= :s", {{":s", {{"S", "k3"}}}})["Count"], 7);
  EXPECT_EQ(q("pk = :p AND sk BETWEEN :a AND :b", {{":a", {{"S", "k2"}}}, {":b", {{"S", "k4"}}}})["Count"], 3);
  EXPECT_EQ(q("pk = :p AND begins_with(sk, :b)", {{":b", {{"S", "k"}}}})["Count"], 10);
  auto desc = q("pk = :p", {}, {{"ScanIndexForward", false}, {"Limit", 2}});
  EXPECT_EQ(desc["Items"][0]["sk"]["S"], "k9");
  EXPECT_EQ(desc["LastEvaluatedKey"]["sk"]["S"], "k8");
  auto filtered = q("pk = :p", {{":five", {{"N", "5"}}}}, {{"FilterExpression", "n >= :five"}});
  EXPECT_EQ(filtered["Count"], 5);
  EXPECT_EQ(filtered["ScannedCount"], 10);
  EXPECT_EQ(error("Query", {{"TableName", "watch"}, {"KeyConditionExpression", "sk = :s"},
                            {"ExpressionAttributeValues", {{":s", {{"S", "k1"}}}}}}).second,
            "Query condition missed key schema element: pk");
}

TEST_F(Dynamo, ScanPagesWithLimitAndExclusiveStartKey) {
  for (int i = 0; i < 25; ++i) put(item("p" + std::to_string(i % 3), "k" + std::to_string(i), i));
  std::set<std::string> seen;
  json start;
  int pages = 0;
  for (; pages < 20; ++pages) {
    json body = {{"TableName", "watch"}, {"Limit", 7}};
    if (!start.is_null()) body["ExclusiveStartKey"] = start;
    auto page = call("Scan", body);
    for (const auto& it : page["Items"]) EXPECT_TRUE(seen.insert(it["pk"]["S"].get<std::string>() + it["sk"]["S"].get<std::string>()).second);
    if (!page.contains("LastEvaluatedKey")) break;
    start = page["LastEvaluatedKey"];
  }
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(pages, 3);   // 7 + 7 + 7 + 4: the last page has no LastEvaluatedKey
}

TEST_F(Dynamo, BatchWriteAndGet) {
  json writes = json::array();
  for (int i = 0; i < 25; ++i) writes.push_back({{"PutRequest", {{"Item", item("b", "k" + std::to_string(i), i)}}}});
  EXPECT_TRUE(call("BatchWriteItem", {{"RequestItems", {{"watch", writes}}}})["UnprocessedItems"].empty());
  writes.push_back({{"PutRequest", {{"Item", item("b", "x", 1)}}}});
  EXPECT_NE(error("BatchWriteItem", {{"RequestItems", {{"watch", writes}}}}).second.find("25"), std::string::npos);
  json keys = json::array({{{"pk", {{"S", "b"}}}, {"sk", {{"S", "k1"}}}}, {{"pk", {{"S", "b"}}}, {"sk", {{"S", "nope"}}}}});
  auto got = call("BatchGetItem", {{"RequestItems", {{"watch", {{"Keys", keys}}}}}});
  EXPECT_EQ(got["Responses"]["watch"].size(), 1u);
  call("BatchWriteItem", {{"RequestItems", {{"watch", json::array({{{"DeleteRequest", {{"Key", keys[0]}}}}})}}}});
  EXPECT_EQ(call("BatchGetItem", {{"RequestItems", {{"watch", {{"Keys", keys}}}}}})["Responses"]["watch"].size(), 0u);
}

TEST_F(Dynamo, SaveAndLoad) {
  put(item("a", "1", 42));
  auto state = service_->save();
  auto other = make_dynamodb_service(context_);
  other->load(state);
  service_ = std::move(other);
  EXPECT_EQ(call("GetItem", {{"TableName", "watch"}, {"Key", {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}}}})["Item"]["n"]["N"], "42");
}

// DynamoDB refuses its reserved words as bare attribute names in every kind of expression, with the text AWS
// sends (docs: "Reserved words in DynamoDB"; texts as real DynamoDB answers them, e.g. aws/aws-sdk-php#1233 for
// KeyConditionExpression, rebuy-de/aws-nuke#412 for ProjectionExpression). Issue 11: `SET cycle = :c` passed here.
TEST_F(Dynamo, ReservedWordsAreRefusedInEveryExpression) {
  put(item("a", "1", 1));
  const json key = {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}};
  const std::string kValidation = "com.amazonaws.dynamodb.v20120810#ValidationException";
  auto expect_reserved = [&](const std::string& op, const json& body, const std::string& kind, const std::string& word) {
    auto [code, msg] = error(op, body);
    EXPECT_EQ(code, kValidation) << op << " " << kind;
    EXPECT_EQ(msg, "Invalid " + kind + ": Attribute name is a reserved keyword; reserved keyword: " + word);
  };
  expect_reserved("UpdateItem", {{"TableName", "watch"}, {"Key", key}, {"UpdateExpression", "SET baseline = :b, cycle = :c"},
                                 {"ExpressionAttributeValues", {{":b", {{"N", "1"}}}, {":c", {{"N", "2"}}}}}},
                  "UpdateExpression", "cycle");
  expect_reserved("UpdateItem", {{"TableName", "watch"}, {"Key", key}, {"UpdateExpression", "REMOVE m.Status"}}, "UpdateExpression",
                  "Status");   // nested path elements too, any case, echoed as written
  expect_reserved("PutItem", {{"TableName", "watch"}, {"Item", item("a", "2", 1)}, {"ConditionExpression", "attribute_not_exists(name)"}},
                  "ConditionExpression", "name");
  expect_reserved("DeleteItem", {{"TableName", "watch"}, {"Key", key}, {"ConditionExpression", "#n = :v OR status = :v"},
                                 {"ExpressionAttributeNames", {{"#n", "n"}}}, {"ExpressionAttributeValues", {{":v", {{"N", "1"}}}}}},
                  "ConditionExpression", "status");
  expect_reserved("Query", {{"TableName", "watch"}, {"KeyConditionExpression", "pk = :p AND begins_with(sk, :s)"},
                            {"FilterExpression", "size(data) > :z"},
                            {"ExpressionAttributeValues", {{":p", {{"S", "a"}}}, {":s", {{"S", "1"}}}, {":z", {{"N", "0"}}}}}},
                  "FilterExpression", "data");
  expect_reserved("Scan", {{"TableName", "watch"}, {"ProjectionExpression", "pk, comment"}}, "ProjectionExpression", "comment");
  expect_reserved("GetItem", {{"TableName", "watch"}, {"Key", key}, {"ProjectionExpression", "Year"}}, "ProjectionExpression", "Year");
  // A table whose hash key is a reserved word: the key condition must name it with a placeholder.
  call("CreateTable", {{"TableName", "hashed"},
                       {"KeySchema", json::array({{{"AttributeName", "hash"}, {"KeyType", "HASH"}}})},
                       {"AttributeDefinitions", json::array({{{"AttributeName", "hash"}, {"AttributeType", "S"}}})},
                       {"BillingMode", "PAY_PER_REQUEST"}});
  expect_reserved("Query", {{"TableName", "hashed"}, {"KeyConditionExpression", "hash = :h"}, {"ExpressionAttributeValues", {{":h", {{"S", "x"}}}}}},
                  "KeyConditionExpression", "hash");
  EXPECT_EQ(call("Query", {{"TableName", "hashed"}, {"KeyConditionExpression", "#h = :h"}, {"ExpressionAttributeNames", {{"#h", "hash"}}},
                           {"ExpressionAttributeValues", {{":h", {{"S", "x"}}}}}})["Count"], 0);
  // Through placeholders the same names work; so do names that merely contain a reserved word.
  auto r = call("UpdateItem", {{"TableName", "watch"}, {"Key", key}, {"UpdateExpression", "SET #c = :c, last_full_cycle = :c"},
                               {"ExpressionAttributeNames", {{"#c", "cycle"}}}, {"ExpressionAttributeValues", {{":c", {{"N", "2"}}}}},
                               {"ReturnValues", "ALL_NEW"}});
  EXPECT_EQ(r["Attributes"]["cycle"]["N"], "2");
  EXPECT_EQ(r["Attributes"]["last_full_cycle"]["N"], "2");
}

// ReturnValuesOnConditionCheckFailure=ALL_OLD: the ConditionalCheckFailedException body carries the item as it
// is (API reference, PutItem/UpdateItem/DeleteItem: "ReturnValuesOnConditionCheckFailure ... ALL_OLD | NONE";
// ConditionalCheckFailedException member Item). No item: no Item member. NONE or absent: no Item.
TEST_F(Dynamo, ConditionFailureReturnsTheItemWhenAsked) {
  put(item("a", "1", 7));
  const json key = {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}};
  const json cond = {{"ConditionExpression", "#n = :v"}, {"ExpressionAttributeNames", {{"#n", "n"}}},
                     {"ExpressionAttributeValues", {{":v", {{"N", "0"}}}}}, {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}};
  auto with = [&](json body) {
    for (auto& [k, v] : cond.items()) body[k] = v;
    return body;
  };
  const std::vector<std::pair<std::string, json>> calls = {
      {"PutItem", with({{"TableName", "watch"}, {"Item", item("a", "1", 8)}})},
      {"UpdateItem", with({{"TableName", "watch"}, {"Key", key}, {"UpdateExpression", "SET #n = :v"}})},
      {"DeleteItem", with({{"TableName", "watch"}, {"Key", key}})}};
  for (const auto& [op, body] : calls) {
    auto e = error_body(op, body);
    EXPECT_EQ(e["__type"], "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException") << op;
    EXPECT_EQ(e["message"], "The conditional request failed") << op;
    EXPECT_EQ(e["Item"], item("a", "1", 7)) << op;
    auto none = body;
    none["ReturnValuesOnConditionCheckFailure"] = "NONE";
    EXPECT_FALSE(error_body(op, none).contains("Item")) << op;
    none.erase("ReturnValuesOnConditionCheckFailure");
    EXPECT_FALSE(error_body(op, none).contains("Item")) << op;
  }
  // The item is unchanged, and a missing item gives no Item member.
  EXPECT_EQ(call("GetItem", {{"TableName", "watch"}, {"Key", key}})["Item"], item("a", "1", 7));
  auto missing = with({{"TableName", "watch"}, {"Key", {{"pk", {{"S", "a"}}}, {"sk", {{"S", "2"}}}}}});
  missing["ConditionExpression"] = "attribute_exists(#n)";
  missing.erase("ExpressionAttributeValues");
  auto e = error_body("DeleteItem", missing);
  EXPECT_EQ(e["__type"], "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
  EXPECT_FALSE(e.contains("Item"));
  auto bad = with({{"TableName", "watch"}, {"Key", key}});
  bad["ReturnValuesOnConditionCheckFailure"] = "ALL_NEW";
  EXPECT_EQ(error("DeleteItem", bad).second,
            "1 validation error detected: Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: "
            "Member must satisfy enum value set: [ALL_OLD, NONE]");
}

TEST(DynamoReservedWords, TheEmbeddedListIsAwsFullList) {
  const auto& words = dynamodb::reserved_words();
  EXPECT_EQ(words.size(), 573u);   // "Reserved words in DynamoDB", Amazon DynamoDB Developer Guide
  for (const char* w : {"ABORT", "CYCLE", "STATUS", "NAME", "DATA", "ZONE", "FLATTERN"}) EXPECT_TRUE(words.count(w)) << w;
  EXPECT_TRUE(dynamodb::is_reserved_word("cycle"));
  EXPECT_TRUE(dynamodb::is_reserved_word("Status"));
  EXPECT_FALSE(dynamodb::is_reserved_word("last_full_cycle"));
  EXPECT_FALSE(dynamodb::is_reserved_word("pk"));
}

// TransactWriteItems is all or nothing; a failed condition cancels it with one CancellationReason per action in
// request order, carrying the item where that action asked ReturnValuesOnConditionCheckFailure=ALL_OLD
// (API reference: TransactWriteItems, CancellationReason).
TEST_F(Dynamo, TransactWriteItemsAllOrNothingWithReasons) {
  put(item("a", "1", 7));
  put(item("a", "2", 8));
  const json k1 = {{"pk", {{"S", "a"}}}, {"sk", {{"S", "1"}}}}, k2 = {{"pk", {{"S", "a"}}}, {"sk", {{"S", "2"}}}};
  const json k3 = {{"pk", {{"S", "a"}}}, {"sk", {{"S", "3"}}}};
  const json names = {{"#n", "n"}};
  auto actions = [&](const std::string& check_value) {
    return json::array(
        {{{"Put", {{"TableName", "watch"}, {"Item", item("a", "3", 9)}}}},
         {{"Update", {{"TableName", "watch"}, {"Key", k1}, {"UpdateExpression", "SET #n = #n + :one"}, {"ExpressionAttributeNames", names},
                      {"ExpressionAttributeValues", {{":one", {{"N", "1"}}}}}}}},
         {{"ConditionCheck", {{"TableName", "watch"}, {"Key", k2}, {"ConditionExpression", "#n = :v"}, {"ExpressionAttributeNames", names},
                              {"ExpressionAttributeValues", {{":v", {{"N", check_value}}}}},
                              {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}}}},
         {{"Delete", {{"TableName", "watch"}, {"Key", {{"pk", {{"S", "zz"}}}, {"sk", {{"S", "1"}}}}}}}}});
  };
  auto e = error_body("TransactWriteItems", {{"TransactItems", actions("0")}});
  EXPECT_EQ(e["__type"], "com.amazonaws.dynamodb.v20120810#TransactionCanceledException");
  EXPECT_EQ(e["message"], "Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, ConditionalCheckFailed, None]");
  ASSERT_EQ(e["CancellationReasons"].size(), 4u);
  EXPECT_EQ(e["CancellationReasons"][0], json({{"Code", "None"}}));
  EXPECT_EQ(e["CancellationReasons"][2]["Code"], "ConditionalCheckFailed");
  EXPECT_EQ(e["CancellationReasons"][2]["Message"], "The conditional request failed");
  EXPECT_EQ(e["CancellationReasons"][2]["Item"], item("a", "2", 8));
  // Nothing was written.
  EXPECT_TRUE(call("GetItem", {{"TableName", "watch"}, {"Key", k3}}).empty());
  EXPECT_EQ(call("GetItem", {{"TableName", "watch"}, {"Key", k1}})["Item"]["n"]["N"], "7");
  // The condition holding, everything is written.
  EXPECT_TRUE(call("TransactWriteItems", {{"TransactItems", actions("8")}}).empty());
  EXPECT_EQ(call("GetItem", {{"TableName", "watch"}, {"Key", k3}})["Item"]["n"]["N"], "9");
  EXPECT_EQ(call("GetItem", {{"TableName", "watch"}, {"Key", k1}})["Item"]["n"]["N"], "8");
  // Two actions on one item, reserved words, one kind per entry: validation errors.
  json twice = json::array({{{"Delete", {{"TableName", "watch"}, {"Key", k1}}}}, {{"Delete", {{"TableName", "watch"}, {"Key", k1}}}}});
  EXPECT_EQ(error("TransactWriteItems", {{"TransactItems", twice}}).second, "Transaction request cannot include multiple operations on one item");
  json reserved = json::array({{{"Update", {{"TableName", "watch"}, {"Key", k1}, {"UpdateExpression", "SET cycle = :c"},
                                            {"ExpressionAttributeValues", {{":c", {{"N", "1"}}}}}}}}});
  EXPECT_EQ(error("TransactWriteItems", {{"TransactItems", reserved}}).second,
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: cycle");
  json both = json::array({{{"Delete", {{"TableName", "watch"}, {"Key", k1}}}, {"Put", {{"TableName", "watch"}, {"Item", item("a", "9", 1)}}}}});
  EXPECT_EQ(error("TransactWriteItems", {{"TransactItems", both}}).second, "TransactItems can only contain one of Check, Put, Update or Delete");
}
