#include "aws/sns_client.h"

#include <set>

#include "aws/error_parse.h"
#include "aws/query_protocol.h"

namespace pingwatch::aws {

namespace qp = query_protocol;

namespace {
constexpr const char* kService = "sns";

void add_string_map(qp::ParamsBuilder& b, const std::string& prefix, const std::map<std::string, std::string>& map) {
  int i = 0;
  for (const auto& [k, v] : map) {
    const std::string entry = prefix + ".entry." + std::to_string(++i);
    b.add(entry + ".key", k).add(entry + ".value", v);
  }
}

template <class Decode>
auto call(ServiceClient& client, const std::string& op, const QueryParams& params, Decode&& decode) {
  auto reply = client.call_query(op, params);
  return decode_reply(kService, op, [&] { return decode(reply.result); });
}

void check_token_loop(std::set<std::string>& seen, const std::string& token, const char* op) {
  if (!seen.insert(token).second) {
    throw AwsError("MalformedResponse", std::string("sns ") + op + ": NextToken repeated; the server is paging in a loop",
                   0, {}, kService, op);
  }
}
}  // namespace

ServiceInfo SnsClient::service_info() { return ServiceInfo{"sns", "sns", "SNS", "sns"}; }

ProtocolInfo SnsClient::protocol_info() {
  return ProtocolInfo{Protocol::Query, "", "2010-03-31", "http://sns.amazonaws.com/doc/2010-03-31/", false};
}

std::string SnsClient::create_topic(const std::string& name, const std::map<std::string, std::string>& attributes,
                                    const std::vector<std::pair<std::string, std::string>>& tags) {
  qp::ParamsBuilder b;
  b.add("Name", name);
  add_string_map(b, "Attributes", attributes);
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string m = "Tags.member." + std::to_string(i + 1);
    b.add(m + ".Key", tags[i].first).add(m + ".Value", tags[i].second);
  }
  return call(*client_, "CreateTopic", b.params(), [](const pugi::xml_node& r) {
    std::string arn = qp::child_text(r, "TopicArn");
    if (arn.empty()) throw DecodeError("CreateTopicResult has no TopicArn");
    return arn;
  });
}

std::string SnsClient::subscribe(const std::string& topic_arn, const std::string& protocol, const std::string& endpoint,
                                 const std::map<std::string, std::string>& attributes, bool return_subscription_arn) {
  qp::ParamsBuilder b;
  b.add("TopicArn", topic_arn).add("Protocol", protocol).add_if("Endpoint", endpoint);
  add_string_map(b, "Attributes", attributes);
  if (return_subscription_arn) b.add_bool("ReturnSubscriptionArn", true);
  return call(*client_, "Subscribe", b.params(),
              [](const pugi::xml_node& r) { return qp::child_text(r, "SubscriptionArn"); });
}

QueryParams encode_publish(const PublishRequest& request) {
  qp::ParamsBuilder b;
  b.add_if("TopicArn", request.topic_arn)
      .add_if("TargetArn", request.target_arn)
      .add_if("PhoneNumber", request.phone_number)
      .add("Message", request.message)
      .add_if("Subject", request.subject)
      .add_if("MessageStructure", request.message_structure);
  int i = 0;
  for (const auto& [name, value] : request.message_attributes) {
    const std::string entry = "MessageAttributes.entry." + std::to_string(++i);
    b.add(entry + ".Name", name).add(entry + ".Value.DataType", value.data_type);
    if (value.data_type == "Binary") {
      b.add(entry + ".Value.BinaryValue", value.binary_value);
    } else {
      b.add(entry + ".Value.StringValue", value.string_value);
    }
  }
  b.add_if("MessageDeduplicationId", request.message_deduplication_id)
      .add_if("MessageGroupId", request.message_group_id);
  return b.take();
}

std::string SnsClient::publish(const PublishRequest& request) {
  if (request.topic_arn.empty() && request.target_arn.empty() && request.phone_number.empty()) {
    throw std::invalid_argument("SNS Publish: set topic_arn, target_arn or phone_number");
  }
  return call(*client_, "Publish", encode_publish(request), [](const pugi::xml_node& r) {
    std::string id = qp::child_text(r, "MessageId");
    if (id.empty()) throw DecodeError("PublishResult has no MessageId");
    return id;
  });
}

ListTopicsPage SnsClient::list_topics(const std::string& next_token) {
  qp::ParamsBuilder b;
  b.add_if("NextToken", next_token);
  return call(*client_, "ListTopics", b.params(), [](const pugi::xml_node& r) {
    ListTopicsPage page;
    for (const auto& m : qp::members(r, "Topics")) page.topic_arns.push_back(qp::child_text(m, "TopicArn"));
    page.next_token = qp::child_text(r, "NextToken");
    return page;
  });
}

std::vector<std::string> SnsClient::list_all_topics() {
  std::vector<std::string> all;
  std::set<std::string> seen;
  std::string token;
  for (;;) {
    ListTopicsPage page = list_topics(token);
    all.insert(all.end(), page.topic_arns.begin(), page.topic_arns.end());
    if (page.next_token.empty()) return all;
    check_token_loop(seen, page.next_token, "ListTopics");
    token = page.next_token;
  }
}

ListSubscriptionsPage SnsClient::list_subscriptions_by_topic(const std::string& topic_arn, const std::string& next_token) {
  qp::ParamsBuilder b;
  b.add("TopicArn", topic_arn).add_if("NextToken", next_token);
  return call(*client_, "ListSubscriptionsByTopic", b.params(), [](const pugi::xml_node& r) {
    ListSubscriptionsPage page;
    for (const auto& m : qp::members(r, "Subscriptions")) {
      page.subscriptions.push_back({qp::child_text(m, "SubscriptionArn"), qp::child_text(m, "Owner"),
                                    qp::child_text(m, "Protocol"), qp::child_text(m, "Endpoint"),
                                    qp::child_text(m, "TopicArn")});
    }
    page.next_token = qp::child_text(r, "NextToken");
    return page;
  });
}

std::vector<SnsSubscription> SnsClient::list_all_subscriptions_by_topic(const std::string& topic_arn) {
  std::vector<SnsSubscription> all;
  std::set<std::string> seen;
  std::string token;
  for (;;) {
    ListSubscriptionsPage page = list_subscriptions_by_topic(topic_arn, token);
    all.insert(all.end(), page.subscriptions.begin(), page.subscriptions.end());
    if (page.next_token.empty()) return all;
    check_token_loop(seen, page.next_token, "ListSubscriptionsByTopic");
    token = page.next_token;
  }
}

}  // namespace pingwatch::aws
