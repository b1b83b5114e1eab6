#include "aws/dynamodb_client.h"

#include "aws/error_parse.h"
#include "aws/json_protocol.h"

namespace pingwatch::aws {

using nlohmann::json;
namespace jp = json_protocol;

namespace {
constexpr const char* kService = "dynamodb";

void add_condition(json& in, const DynamoCondition& c) {
  if (!c.condition_expression.empty()) in["ConditionExpression"] = c.condition_expression;
  if (c.expression_attribute_names.is_object() && !c.expression_attribute_names.empty()) {
    in["ExpressionAttributeNames"] = c.expression_attribute_names;
  }
  if (c.expression_attribute_values.is_object() && !c.expression_attribute_values.empty()) {
    in["ExpressionAttributeValues"] = c.expression_attribute_values;
  }
}

json object_field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  if (!it->is_object()) throw DecodeError(std::string("field ") + name + " should be an object");
  return *it;
}

DynamoPage read_page(const json& body) {
  DynamoPage page;
  for (const auto& item : jp::get_array(body, "Items")) {
    if (!item.is_object()) throw DecodeError("Items should hold objects");
    page.items.push_back(item);
  }
  page.last_evaluated_key = object_field(body, "LastEvaluatedKey");
  page.count = jp::get_integer(body, "Count").value_or(static_cast<long long>(page.items.size()));
  page.scanned_count = jp::get_integer(body, "ScannedCount").value_or(page.count);
  return page;
}
}  // namespace

ServiceInfo DynamoDbClient::service_info() { return ServiceInfo{"dynamodb", "dynamodb", "DYNAMODB", "dynamodb"}; }

ProtocolInfo DynamoDbClient::protocol_info() {
  return ProtocolInfo{Protocol::Json10, "DynamoDB_20120810", "2012-08-10", "", false};
}

json DynamoDbClient::call(const std::string& operation, const json& input) {
  return client_->call_json(operation, input).body;
}

json DynamoDbClient::create_table(const json& request) {
  json body = call("CreateTable", request);
  return decode_reply(kService, "CreateTable", [&] { return object_field(body, "TableDescription"); });
}

json DynamoDbClient::describe_table(const std::string& table_name) {
  json body = call("DescribeTable", json{{"TableName", table_name}});
  return decode_reply(kService, "DescribeTable", [&] {
    json table = object_field(body, "Table");
    if (table.is_null()) throw DecodeError("reply has no Table");
    return table;
  });
}

std::optional<json> DynamoDbClient::get_item(const std::string& table, const json& key, bool consistent_read) {
  json in = {{"TableName", table}, {"Key", key}};
  if (consistent_read) in["ConsistentRead"] = true;
  json body = call("GetItem", in);
  return decode_reply(kService, "GetItem", [&]() -> std::optional<json> {
    json item = object_field(body, "Item");
    if (item.is_null()) return std::nullopt;
    return item;
  });
}

void DynamoDbClient::put_item(const std::string& table, const json& item, const DynamoCondition& condition) {
  json in = {{"TableName", table}, {"Item", item}};
  add_condition(in, condition);
  call("PutItem", in);
}

json DynamoDbClient::update_item(const std::string& table, const json& key, const std::string& update_expression,
                                 const DynamoCondition& condition, const std::string& return_values) {
  json in = {{"TableName", table}, {"Key", key}, {"UpdateExpression", update_expression}};
  add_condition(in, condition);
  if (!return_values.empty() && return_values != "NONE") in["ReturnValues"] = return_values;
  json body = call("UpdateItem", in);
  return decode_reply(kService, "UpdateItem", [&] { return object_field(body, "Attributes"); });
}

std::optional<json> DynamoDbClient::delete_item(const std::string& table, const json& key,
                                                const DynamoCondition& condition, const std::string& return_values) {
  json in = {{"TableName", table}, {"Key", key}};
  add_condition(in, condition);
  if (!return_values.empty() && return_values != "NONE") in["ReturnValues"] = return_values;
  json body = call("DeleteItem", in);
  return decode_reply(kService, "DeleteItem", [&]() -> std::optional<json> {
    json attrs = object_field(body, "Attributes");
    if (attrs.is_null()) return std::nullopt;
    return attrs;
  });
}

DynamoPage DynamoDbClient::query(const json& request) {
  json body = call("Query", request);
  return decode_reply(kService, "Query", [&] { return read_page(body); });
}

DynamoPage DynamoDbClient::scan(const json& request) {
  json body = call("Scan", request);
  return decode_reply(kService, "Scan", [&] { return read_page(body); });
}

namespace {
template <class Fetch>
std::vector<json> all_pages(json request, const char* op, Fetch&& fetch) {
  std::vector<json> all;
  for (;;) {
    DynamoPage page = fetch(request);
    for (auto& item : page.items) all.push_back(std::move(item));
    if (page.last_evaluated_key.is_null() || page.last_evaluated_key.empty()) return all;
    if (request.contains("ExclusiveStartKey") && request["ExclusiveStartKey"] == page.last_evaluated_key) {
      throw AwsError("MalformedResponse",
                     std::string("dynamodb ") + op + ": LastEvaluatedKey repeated; the server is paging in a loop", 0,
                     {}, kService, op);
    }
    request["ExclusiveStartKey"] = page.last_evaluated_key;
  }
}
}  // namespace

std::vector<json> DynamoDbClient::query_all(json request) {
  return all_pages(std::move(request), "Query", [this](const json& r) { return query(r); });
}

json DynamoDbClient::batch_write_item(const json& request_items) {
  json body = call("BatchWriteItem", json{{"RequestItems", request_items}});
  return decode_reply(kService, "BatchWriteItem", [&] {
    json unprocessed = object_field(body, "UnprocessedItems");
    return unprocessed.is_null() ? json::object() : unprocessed;
  });
}

json DynamoDbClient::batch_get_item(const json& request_items) {
  return call("BatchGetItem", json{{"RequestItems", request_items}});
}

}  // namespace pingwatch::aws
