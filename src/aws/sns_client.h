#pragma once
// SNS (awsQuery, Version 2010-03-31, XML replies).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/service_client.h"

namespace pingwatch::aws {

struct SnsMessageAttribute {
  std::string data_type = "String";   // String | String.Array | Number | Binary
  std::string string_value;
  std::string binary_value;           // base64 text as sent on the wire (Binary only)
};

struct PublishRequest {
  std::string topic_arn;
  std::string target_arn;
  std::string phone_number;
  std::string message;
  std::string subject;                 // < 100 characters; empty: not sent
  std::string message_structure;       // "json" or empty
  std::map<std::string, SnsMessageAttribute> message_attributes;   // entry.N.Name / Value.DataType / ...
  std::string message_group_id;
  std::string message_deduplication_id;
};

struct SnsSubscription {
  std::string subscription_arn;        // "PendingConfirmation" until confirmed
  std::string owner;
  std::string protocol;
  std::string endpoint;
  std::string topic_arn;
};

struct ListTopicsPage {
  std::vector<std::string> topic_arns;
  std::string next_token;
};

struct ListSubscriptionsPage {
  std::vector<SnsSubscription> subscriptions;
  std::string next_token;
};

class SnsClient : public ClientOf<SnsClient> {
 public:
  static ServiceInfo service_info();     // sns / AWS_ENDPOINT_URL_SNS
  static ProtocolInfo protocol_info();   // Query, 2010-03-31

  using ClientOf::ClientOf;

  // Idempotent on AWS: returns the existing topic's ARN for the same name and attributes.
  std::string create_topic(const std::string& name, const std::map<std::string, std::string>& attributes = {},
                           const std::vector<std::pair<std::string, std::string>>& tags = {});
  // Returns the SubscriptionArn ("pending confirmation" for email unless return_subscription_arn).
  std::string subscribe(const std::string& topic_arn, const std::string& protocol, const std::string& endpoint,
                        const std::map<std::string, std::string>& attributes = {},
                        bool return_subscription_arn = false);
  std::string publish(const PublishRequest& request);   // MessageId

  ListTopicsPage list_topics(const std::string& next_token = {});
  std::vector<std::string> list_all_topics();
  ListSubscriptionsPage list_subscriptions_by_topic(const std::string& topic_arn, const std::string& next_token = {});
  std::vector<SnsSubscription> list_all_subscriptions_by_topic(const std::string& topic_arn);
};

QueryParams encode_publish(const PublishRequest& request);   // for tests and the conformance tool

}  // namespace pingwatch::aws
