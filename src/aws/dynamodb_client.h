#pragma once
// DynamoDB (awsJson1_0, DynamoDB_20120810): a thin wrapper. Items, keys and expression values are
// nlohmann::json in DynamoDB's attribute-value format ({"pk": {"S": "x"}, "n": {"N": "1"}}).
// Failed conditions surface as AwsError with code ConditionalCheckFailedException.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/service_client.h"

namespace pingwatch::aws {

// Optional expression parts shared by PutItem/UpdateItem/DeleteItem.
struct DynamoCondition {
  std::string condition_expression;                              // empty: unconditional
  nlohmann::json expression_attribute_names = nlohmann::json::object();    // {"#n": "name"}
  nlohmann::json expression_attribute_values = nlohmann::json::object();   // {":v": {"S": "x"}}
};

struct DynamoPage {
  std::vector<nlohmann::json> items;
  nlohmann::json last_evaluated_key;     // null when there are no more pages
  long long count = 0;
  long long scanned_count = 0;
};

class DynamoDbClient : public ClientOf<DynamoDbClient> {
 public:
  static ServiceInfo service_info();     // dynamodb / AWS_ENDPOINT_URL_DYNAMODB
  static ProtocolInfo protocol_info();   // Json10, DynamoDB_20120810

  using ClientOf::ClientOf;

  // request is the full CreateTable input; returns TableDescription.
  nlohmann::json create_table(const nlohmann::json& request);
  nlohmann::json describe_table(const std::string& table_name);   // Table; AwsError ResourceNotFoundException
  std::optional<nlohmann::json> get_item(const std::string& table, const nlohmann::json& key,
                                         bool consistent_read = false);
  void put_item(const std::string& table, const nlohmann::json& item, const DynamoCondition& condition = {});
  // Returns Attributes per return_values (NONE | ALL_OLD | UPDATED_OLD | ALL_NEW | UPDATED_NEW); null for NONE.
  nlohmann::json update_item(const std::string& table, const nlohmann::json& key,
                             const std::string& update_expression, const DynamoCondition& condition = {},
                             const std::string& return_values = "NONE");
  std::optional<nlohmann::json> delete_item(const std::string& table, const nlohmann::json& key,
                                            const DynamoCondition& condition = {},
                                            const std::string& return_values = "NONE");
  // request: the full Query/Scan input (TableName, KeyConditionExpression, ExclusiveStartKey, ...).
  DynamoPage query(const nlohmann::json& request);
  std::vector<nlohmann::json> query_all(nlohmann::json request);
  DynamoPage scan(const nlohmann::json& request);
  // request_items: {"Table": [{"PutRequest": {"Item": ...}}, {"DeleteRequest": {"Key": ...}}]}; <= 25.
  // Returns UnprocessedItems (empty object when all were written).
  nlohmann::json batch_write_item(const nlohmann::json& request_items);
  // request_items: {"Table": {"Keys": [...]}}; returns the whole reply (Responses, UnprocessedKeys).
  nlohmann::json batch_get_item(const nlohmann::json& request_items);

  // Any other operation, raw.
  nlohmann::json call(const std::string& operation, const nlohmann::json& input);
};

}  // namespace pingwatch::aws
