#pragma once
// The local stack's SNS (awsQuery, 2010-03-31): topics, subscriptions, Publish with AWS's validation.
// Implements SnsPublisher for CloudWatch alarm actions. Deliveries run on a worker (see delivery.h).
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "local/service.h"
#include "local/sns/delivery.h"

namespace pingwatch::local::sns {

inline constexpr const char* kXmlNamespace = "http://sns.amazonaws.com/doc/2010-03-31/";

struct Topic {
  std::string arn, name, region;
  std::map<std::string, std::string> attributes;      // user-set: DisplayName, Policy, DeliveryPolicy, ...
  std::vector<std::pair<std::string, std::string>> tags;
};

struct Subscription {
  std::string arn, topic_arn, protocol, endpoint, owner, token;
  bool confirmed = false;
  bool authenticated = false;                          // GetSubscriptionAttributes' ConfirmationWasAuthenticated
  std::map<std::string, std::string> attributes;      // RawMessageDelivery, FilterPolicy, ...
};

// A validated publish, before fan-out.
struct Publication {
  std::string topic_arn;
  std::string subject;
  std::string message;
  bool structured = false;
  nlohmann::json variants;                             // MessageStructure=json: protocol -> text
  nlohmann::json attributes = nlohmann::json::object();   // {"name": {"Type": "String", "Value": "..."}}
};

class SnsService : public Service, public SnsPublisher {
 public:
  explicit SnsService(StackContext& context);
  std::string signing_name() const override { return "sns"; }
  Response handle(const Request& request) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

  std::string publish(const std::string& topic_arn, const std::string& subject, const std::string& message,
                      bool message_structure_json, const nlohmann::json& message_attributes) override;

  // Delivered messages for GET /_local/mailbox, and a way for tests to wait for the worker.
  nlohmann::json mailbox() const { return worker_->mailbox(); }
  bool wait_for_deliveries(std::chrono::milliseconds timeout) { return worker_->wait_idle(timeout); }

 private:
  std::string create_topic(const Request& r);
  std::string list_topics(const Request& r);
  std::string delete_topic(const Request& r);
  std::string get_topic_attributes(const Request& r);
  std::string set_topic_attributes(const Request& r);
  std::string subscribe(const Request& r);
  std::string confirm_subscription(const Request& r);
  DeliveryJob confirmation_request(const Subscription& sub, const Topic& topic) const;   // call with mutex_ held
  std::string list_subscriptions(const Request& r, bool by_topic);
  std::string unsubscribe(const Request& r);
  std::string get_subscription_attributes(const Request& r);
  std::string set_subscription_attributes(const Request& r);
  std::string publish_action(const Request& r);
  std::string publish_batch(const Request& r);
  std::string list_tags_for_resource(const Request& r);
  std::string tag_resource(const Request& r);

  // Validates and queues deliveries; returns the MessageId. Takes the lock itself.
  std::string fan_out(Publication publication);
  std::string region_of(const Request& r) const;

  StackContext& context_;
  mutable std::mutex mutex_;
  std::map<std::string, Topic> topics_;                 // by ARN
  std::map<std::string, Subscription> subscriptions_;   // by ARN (insertion order is not needed: sorted is stable)
  std::unique_ptr<DeliveryWorker> worker_;              // last: stopped first
};

// Validation shared by Publish, PublishBatch and the CloudWatch path. Throw ServiceError as AWS answers.
void validate_subject(const std::string& subject);
nlohmann::json parse_message_structure(const std::string& message);     // returns the variants object
nlohmann::json parse_query_message_attributes(const std::map<std::string, std::string>& params,
                                              const std::string& prefix);   // "MessageAttributes.entry."
nlohmann::json normalise_message_attributes(const nlohmann::json& sdk_style);   // {"n": {"DataType",...}}
void validate_message_size(const std::string& message, const nlohmann::json& attributes);

}  // namespace pingwatch::local::sns
