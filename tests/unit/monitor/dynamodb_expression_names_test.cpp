// Every expression the DynamoDB state store sends names its attributes through ExpressionAttributeNames.
// Issue 11: the meta item's UpdateExpression said `cycle = :c`; `cycle` is a DynamoDB reserved word, so real
// DynamoDB (and moto) refused the first commit with "Invalid UpdateExpression: Attribute name is a reserved
// keyword; reserved keyword: cycle". The check here does not depend on the reserved-word list: any bare
// attribute name fails, so the next attribute added to the store cannot reintroduce the bug.
#include <cctype>
#include <set>

#include <gtest/gtest.h>

#include "monitor/state_store.h"
#include "unit/monitor/in_process_dynamo.h"

using namespace pingwatch;
using nlohmann::json;
using pingwatch::testing::RecordingDynamo;

namespace {

// The words of an expression that are neither syntax, a function, a #name nor a :value: bare attribute names.
std::vector<std::string> bare_names(const std::string& expression) {
  static const std::set<std::string> syntax{"SET", "REMOVE", "ADD", "DELETE", "AND", "OR", "NOT", "BETWEEN", "IN"};
  static const std::set<std::string> functions{"attribute_exists", "attribute_not_exists", "attribute_type", "begins_with",
                                               "contains",         "size",                 "if_not_exists",  "list_append"};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < expression.size();) {
    const char c = expression[i];
    auto word_char = [&](std::size_t k) {
      return k < expression.size() && (std::isalnum(static_cast<unsigned char>(expression[k])) || expression[k] == '_');
    };
    if (!word_char(i) && c != '#' && c != ':') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (word_char(j)) ++j;
    const std::string word = expression.substr(i, j - i);
    std::size_t after = j;
    while (after < expression.size() && expression[after] == ' ') ++after;
    std::string upper = word;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const bool is_function = functions.count(word) && after < expression.size() && expression[after] == '(';
    const bool is_index = std::isdigit(static_cast<unsigned char>(c));   // list[0]
    if (c != '#' && c != ':' && !syntax.count(upper) && !is_function && !is_index) out.push_back(word);
    i = j;
  }
  return out;
}

TEST(DynamoExpressionNames, TheCheckFindsBareNames) {
  EXPECT_EQ(bare_names("SET #version = :v1, cycle = :c"), std::vector<std::string>{"cycle"});
  EXPECT_EQ(bare_names("#pk = :pk AND begins_with(sk, :p)"), std::vector<std::string>{"sk"});
  EXPECT_TRUE(bare_names("attribute_not_exists(#version) OR #version = :v0").empty());
  EXPECT_TRUE(bare_names("SET #s = :sending ADD #attempts :one").empty());
}

core::WatchState state_with(const std::string& id, const std::string& status, long cycle) {
  core::WatchState s;
  core::NodeRecord r;
  r.instance_id = id;
  r.ssm_status = status;
  s.nodes.emplace(id, r);
  s.baseline = true;
  s.cycle = cycle;
  s.last_full_cycle = cycle;
  return s;
}

core::Notice notice(const std::string& id) {
  core::Notice n;
  n.id = id;
  n.subject = "subject " + id;
  n.body = "body";
  n.json = json::object();
  return n;
}

struct Exercise {
  std::vector<std::pair<std::string, json>> sent;   // every request, in order
  std::string error;                                // what stopped the run early ("" = it ran to the end)
};

// Runs every operation of the store (commit, lost race, outbox claim/sent/release, reload) and returns what it sent.
Exercise exercise_store() {
  auto http = std::make_shared<RecordingDynamo>();
  auto client = pingwatch::testing::dynamo_client(http);
  Exercise out;
  try {
    auto store = monitor::open_dynamodb_state_store(client, "pingwatch-state", "123456789012/us-east-1", true);
    auto loaded = store->load();
    const auto one = state_with("i-0123456789abcdef0", "ConnectionLost", 1);
    store->commit(loaded.version, loaded.watch, one, {notice("n1"), notice("n2")}, 1712910060);
    store->commit(loaded.version, loaded.watch, one, {}, 1712910061);   // a run that lost the race
    store->unsent();
    store->claim("n1", "owner-a", 1712910062, 60);
    store->mark_sent("n1", "message-1", 1712910063);
    store->claim("n2", "owner-a", 1712910064, 60);
    store->release("n2");
    auto again = store->load();
    store->commit(again.version, again.watch, state_with("i-0123456789abcdef0", "Online", 2), {}, 1712910120);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.sent = http->sent;
  return out;
}

TEST(DynamoExpressionNames, EveryAttributeNameInEveryExpressionIsAPlaceholder) {
  const auto run = exercise_store();
  const auto& sent = run.sent;
  static const char* kinds[] = {"ConditionExpression", "UpdateExpression", "KeyConditionExpression", "ProjectionExpression",
                                "FilterExpression"};
  int expressions = 0;
  std::set<std::string> operations;
  for (const auto& [op, body] : sent) {
    for (const char* kind : kinds) {
      if (!body.contains(kind)) continue;
      ++expressions;
      operations.insert(op + "." + kind);
      const std::string text = body.at(kind).get<std::string>();
      EXPECT_TRUE(bare_names(text).empty()) << op << " " << kind << " \"" << text << "\" names attributes bare: "
                                            << ::testing::PrintToString(bare_names(text));
    }
  }
  // The run covered the store's writes and reads: the commit point, the outbox, the queries.
  EXPECT_EQ(run.error, "");
  EXPECT_GE(expressions, 10);
  for (const char* expected : {"UpdateItem.UpdateExpression", "UpdateItem.ConditionExpression", "PutItem.ConditionExpression",
                               "Query.KeyConditionExpression"}) {
    EXPECT_TRUE(operations.count(expected)) << expected << " was never sent";
  }
}

TEST(DynamoExpressionNames, EveryRequestSucceedsAgainstAServiceThatEnforcesReservedWords) {
  // The local DynamoDB refuses reserved words as AWS does; the store's requests all pass (conditional
  // failures of the lost race aside, which the store expects). Before the fix: ValidationException on `cycle`.
  EXPECT_EQ(exercise_store().error, "");
}

}  // namespace
