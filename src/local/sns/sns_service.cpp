#include "local/sns/sns_service.h"
#include "local/tags.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>
#include <set>

#include "local/services.h"
#include "local/sns/topic_arn.h"
#include "local/sns/wire_util.h"

namespace pingwatch::local {

std::unique_ptr<Service> make_sns_service(StackContext& context) {
  return std::make_unique<sns::SnsService>(context);
}

namespace sns {
namespace {

constexpr std::size_t kMaxMessageBytes = 262144;   // 256 KB, message and attributes together
constexpr std::size_t kPageSize = 100;              // ListTopics / ListSubscriptions page size on AWS
constexpr std::size_t kMaxMessageAttributes = 10;

[[noreturn]] void invalid_parameter(const std::string& what) {
  throw ServiceError(400, "InvalidParameter", "Invalid parameter: " + what);
}
[[noreturn]] void invalid_value(const std::string& message) {
  throw ServiceError(400, "ParameterValueInvalid", message);
}
[[noreturn]] void not_found(const std::string& message) { throw ServiceError(404, "NotFound", message); }

const std::string* param(const Request& r, const std::string& name) {
  auto it = r.params.find(name);
  return it == r.params.end() ? nullptr : &it->second;
}

std::string required(const Request& r, const std::string& name) {
  const std::string* value = param(r, name);
  if (!value || value->empty()) invalid_parameter(name);
  return *value;
}

std::string optional(const Request& r, const std::string& name) {
  const std::string* value = param(r, name);
  return value ? *value : std::string();
}

// A required TopicArn-like parameter, checked the way SNS checks it before any lookup (see topic_arn.h).
std::string required_topic_arn(const Request& r, const std::string& name = "TopicArn") {
  std::string arn = required(r, name);
  validate_topic_arn(arn, name, r.region);
  return arn;
}

// Query maps: <prefix>N.<key_name> / <prefix>N.<value_name>, N from 1 with no gaps.
std::vector<std::pair<std::string, std::string>> entries(const std::map<std::string, std::string>& params,
                                                         const std::string& prefix, const std::string& key_name,
                                                         const std::string& value_name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int n = 1;; ++n) {
    auto key = params.find(prefix + std::to_string(n) + "." + key_name);
    if (key == params.end()) break;
    auto value = params.find(prefix + std::to_string(n) + "." + value_name);
    out.emplace_back(key->second, value == params.end() ? std::string() : value->second);
  }
  return out;
}

bool valid_topic_name(const std::string& name, bool fifo) {
  std::string base = name;
  if (fifo) {
    if (name.size() < 5 || name.substr(name.size() - 5) != ".fifo") return false;
    base = name.substr(0, name.size() - 5);
  }
  if (base.empty() || name.size() > 256) return false;
  return std::all_of(base.begin(), base.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

const std::set<std::string>& topic_attribute_names() {
  static const std::set<std::string> names = {
      "DeliveryPolicy", "DisplayName", "Policy", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication",
      "SignatureVersion", "TracingConfig", "ArchivePolicy", "FifoThroughputScope", "DataProtectionPolicy",
      "HTTPSuccessFeedbackRoleArn", "HTTPFailureFeedbackRoleArn", "HTTPSuccessFeedbackSampleRate",
      "LambdaSuccessFeedbackRoleArn", "LambdaFailureFeedbackRoleArn", "LambdaSuccessFeedbackSampleRate"};
  return names;
}

const std::set<std::string>& subscription_attribute_names() {
  static const std::set<std::string> names = {"DeliveryPolicy", "FilterPolicy", "FilterPolicyScope",
                                              "RawMessageDelivery", "RedrivePolicy", "SubscriptionRoleArn",
                                              "ReplayPolicy"};
  return names;
}

// Endpoints outside AWS must opt in: SNS asks them to confirm before it delivers anything.
bool needs_confirmation(const std::string& protocol) {
  return protocol == "email" || protocol == "email-json" || protocol == "http" || protocol == "https";
}

const std::set<std::string>& known_protocols() {
  static const std::set<std::string> protocols = {"http", "https", "email", "email-json", "sms",
                                                  "sqs", "application", "lambda", "firehose"};
  return protocols;
}

std::string attributes_xml(const std::vector<std::pair<std::string, std::string>>& attributes) {
  std::string xml = "<Attributes>";
  for (const auto& [k, v] : attributes)
    xml += "<entry><key>" + xml_escape(k) + "</key><value>" + xml_escape(v) + "</value></entry>";
  return xml + "</Attributes>";
}

std::string default_policy(const std::string& topic_arn, const std::string& account) {
  nlohmann::ordered_json statement = {
      {"Sid", "__default_statement_ID"},
      {"Effect", "Allow"},
      {"Principal", {{"AWS", "*"}}},
      {"Action", {"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                  "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"}},
      {"Resource", topic_arn},
      {"Condition", {{"StringEquals", {{"AWS:SourceOwner", account}}}}}};
  nlohmann::ordered_json policy = {{"Version", "2008-10-17"},
                                   {"Id", "__default_policy_ID"},
                                   {"Statement", nlohmann::ordered_json::array({statement})}};
  return policy.dump();
}

const char* kEffectiveDeliveryPolicy =
    R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,)"
    R"("numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},)"
    R"("disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}})";

std::string message_variant(const Publication& p, const std::string& protocol) {
  if (!p.structured) return p.message;
  if (p.variants.contains(protocol) && p.variants[protocol].is_string()) return p.variants[protocol];
  return p.variants["default"];
}

bool valid_attribute_name(const std::string& name) {
  if (name.empty() || name.size() > 256 || name.front() == '.' || name.back() == '.') return false;
  if (name.find("..") != std::string::npos) return false;
  if (name.rfind("AWS.", 0) == 0 || name.rfind("Amazon.", 0) == 0) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.'; });
}

// Checks one attribute ({"DataType", "StringValue"/"BinaryValue"}) and returns it as deliveries show it.
nlohmann::json validated_attribute(const std::string& name, const std::string& data_type,
                                   const std::string* string_value, const std::string* binary_value) {
  if (!valid_attribute_name(name))
    invalid_value("The message attribute name '" + name +
                  "' is invalid: use up to 256 alphanumeric, '-', '_' or '.' characters, not starting with AWS. or "
                  "Amazon.");
  const bool is_string = data_type == "String" || data_type.rfind("String.", 0) == 0;
  const bool is_number = data_type == "Number" || data_type.rfind("Number.", 0) == 0;
  const bool is_binary = data_type == "Binary" || data_type.rfind("Binary.", 0) == 0;
  if (!is_string && !is_number && !is_binary)
    invalid_value("The message attribute '" + name +
                  "' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, "
                  "and String.");
  const std::string* value = is_binary ? binary_value : string_value;
  if (!value || value->empty())
    invalid_value("The message attribute '" + name +
                  "' must contain non-empty message attribute value for message attribute type '" + data_type + "'.");
  if (is_number) {
    try {
      std::size_t used = 0;
      (void)std::stod(*value, &used);
      if (used != value->size()) throw std::invalid_argument("trailing text");
    } catch (const std::exception&) {
      invalid_value("Could not cast message attribute '" + name + "' value to number.");
    }
  }
  if (data_type == "String.Array") {
    auto parsed = nlohmann::json::parse(*value, nullptr, false);
    if (!parsed.is_array())
      invalid_value("The message attribute '" + name + "' with type 'String.Array' must be a JSON array.");
  }
  return {{"Type", data_type}, {"Value", *value}};
}

// Where a List* page starts: its NextToken (our own: the index of the first item), or 0.
std::size_t page_start(const Request& r) {
  const std::string* token = param(r, "NextToken");
  if (!token || token->empty()) return 0;
  try {
    return std::stoul(*token);
  } catch (const std::exception&) {
    invalid_parameter("NextToken");
  }
}

// The page's XML: `members` from `start`, at most kPageSize, and the NextToken when more remain.
template <class T, class Render>
std::string page_xml(const char* list, const std::vector<const T*>& members, std::size_t start, Render&& render) {
  std::string xml = std::string("<") + list + ">";
  const std::size_t end = std::min(members.size(), start + kPageSize);
  for (std::size_t i = start; i < end; ++i) xml += "<member>" + render(*members[i]) + "</member>";
  xml += std::string("</") + list + ">";
  if (end < members.size()) xml += "<NextToken>" + std::to_string(end) + "</NextToken>";
  return xml;
}

}  // namespace

void validate_subject(const std::string& subject) {
  // AWS: ASCII text beginning with a letter, number or punctuation; no line breaks or control characters; < 100.
  if (subject.empty() || subject.size() >= 100) invalid_parameter("Subject");
  if (std::isspace(static_cast<unsigned char>(subject.front()))) invalid_parameter("Subject");
  for (unsigned char c : subject)
    if (c < 0x20 || c > 0x7e) invalid_parameter("Subject");
}

nlohmann::json parse_message_structure(const std::string& message) {
  auto parsed = nlohmann::json::parse(message, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    invalid_parameter("Message Structure - JSON message body failed to parse");
  // Keys with non-string values are ignored, as SNS does.
  nlohmann::json variants = nlohmann::json::object();
  for (auto& [key, value] : parsed.items())
    if (value.is_string()) variants[key] = value;
  if (!variants.contains("default")) invalid_parameter("Message Structure - No default entry in JSON message body");
  return variants;
}

nlohmann::json parse_query_message_attributes(const std::map<std::string, std::string>& params,
                                              const std::string& prefix) {
  nlohmann::json out = nlohmann::json::object();
  for (int n = 1;; ++n) {
    const std::string base = prefix + std::to_string(n) + ".";
    auto name = params.find(base + "Name");
    if (name == params.end()) break;
    auto find = [&](const std::string& key) -> const std::string* {
      auto it = params.find(base + "Value." + key);
      return it == params.end() ? nullptr : &it->second;
    };
    const std::string* data_type = find("DataType");
    if (!data_type) invalid_value("The message attribute '" + name->second + "' must contain a DataType.");
    out[name->second] = validated_attribute(name->second, *data_type, find("StringValue"), find("BinaryValue"));
  }
  if (out.size() > kMaxMessageAttributes)
    invalid_value("Number of message attributes [" + std::to_string(out.size()) + "] exceeds the allowed maximum [" +
                  std::to_string(kMaxMessageAttributes) + "].");
  return out;
}

nlohmann::json normalise_message_attributes(const nlohmann::json& sdk_style) {
  nlohmann::json out = nlohmann::json::object();
  if (!sdk_style.is_object()) return out;
  for (auto& [name, value] : sdk_style.items()) {
    std::string data_type = value.value("DataType", value.value("Type", std::string()));
    std::string string_value = value.value("StringValue", value.value("Value", std::string()));
    std::string binary_value = value.value("BinaryValue", std::string());
    out[name] = validated_attribute(name, data_type, value.contains("BinaryValue") ? nullptr : &string_value,
                                    value.contains("BinaryValue") ? &binary_value : nullptr);
  }
  if (out.size() > kMaxMessageAttributes)
    invalid_value("Number of message attributes [" + std::to_string(out.size()) + "] exceeds the allowed maximum [" +
                  std::to_string(kMaxMessageAttributes) + "].");
  return out;
}

void validate_message_size(const std::string& message, const nlohmann::json& attributes) {
  std::size_t size = message.size();
  for (auto& [name, value] : attributes.items())
    size += name.size() + value["Type"].get<std::string>().size() + value["Value"].get<std::string>().size();
  if (size > kMaxMessageBytes) invalid_parameter("Message too long");
}

SnsService::SnsService(StackContext& context)
    : context_(context), worker_(std::make_unique<DeliveryWorker>(context)) {}

std::string SnsService::region_of(const Request& r) const {
  return r.region.empty() ? context_.default_region : r.region;
}

Response SnsService::handle(const Request& r) {
  std::string op = r.operation;
  if (op.rfind("_local/mailbox", 0) == 0) {
    // GET /_local/mailbox (routed here by the stack): what has been delivered, for tests and the demo.
    if (r.method != "GET") throw ServiceError(405, "MethodNotAllowed", "GET /_local/mailbox only");
    // Deliveries run on a worker thread: without this a reader right after a Publish (or a job that published) races
    // it on a loaded machine. Bounded: a delivery still running after 10 s (an HTTP endpoint being retried) is left
    // out, as from a real inbox; later Publishes are not waited for.
    worker_->wait_queued_before_now(std::chrono::seconds(10));
    return json_reply(r, mailbox());
  }
  if (op.empty()) op = optional(r, "Action");
  std::string inner;
  if (op == "CreateTopic") inner = create_topic(r);
  else if (op == "ListTopics") inner = list_topics(r);
  else if (op == "DeleteTopic") inner = delete_topic(r);
  else if (op == "GetTopicAttributes") inner = get_topic_attributes(r);
  else if (op == "SetTopicAttributes") inner = set_topic_attributes(r);
  else if (op == "Subscribe") inner = subscribe(r);
  else if (op == "ConfirmSubscription") inner = confirm_subscription(r);
  else if (op == "ListSubscriptions") inner = list_subscriptions(r, false);
  else if (op == "ListSubscriptionsByTopic") inner = list_subscriptions(r, true);
  else if (op == "Unsubscribe") inner = unsubscribe(r);
  else if (op == "GetSubscriptionAttributes") inner = get_subscription_attributes(r);
  else if (op == "SetSubscriptionAttributes") inner = set_subscription_attributes(r);
  else if (op == "Publish") inner = publish_action(r);
  else if (op == "PublishBatch") inner = publish_batch(r);
  else if (op == "ListTagsForResource") inner = list_tags_for_resource(r);
  else if (op == "TagResource") inner = tag_resource(r);
  else
    throw ServiceError(400, "InvalidAction", "The action " + op + " is not valid for this web service.");
  Request named = r;
  named.operation = op;
  return query_reply(named, kXmlNamespace, inner);
}

std::string SnsService::create_topic(const Request& r) {
  const std::string name = required(r, "Name");
  auto attributes = entries(r.params, "Attributes.entry.", "key", "value");
  auto tags = entries(r.params, "Tags.member.", "Key", "Value");
  std::map<std::string, std::string> attribute_map;
  for (const auto& [k, v] : attributes) {
    if (!topic_attribute_names().count(k)) invalid_parameter("AttributeName");
    attribute_map[k] = v;
  }
  const bool fifo = attribute_map.count("FifoTopic") && attribute_map["FifoTopic"] == "true";
  if (!valid_topic_name(name, fifo)) {
    if (!fifo && name.size() > 5 && name.substr(name.size() - 5) == ".fifo")
      invalid_parameter("Topic Name: FIFO topic names require the FifoTopic attribute set to true");
    invalid_parameter("Topic Name");
  }
  const std::string region = region_of(r);
  const std::string arn = "arn:aws:sns:" + region + ":" + context_.account_id + ":" + name;
  std::lock_guard lock(mutex_);
  auto existing = topics_.find(arn);
  if (existing != topics_.end()) {
    // Idempotent: the same name gives the same ARN; conflicting attributes or tags are refused as AWS does.
    for (const auto& [k, v] : attribute_map) {
      auto it = existing->second.attributes.find(k);
      if (it == existing->second.attributes.end() || it->second != v)
        invalid_parameter("Attributes Reason: Topic already exists with different attributes");
    }
    for (const auto& tag : tags)
      if (std::find(existing->second.tags.begin(), existing->second.tags.end(), tag) == existing->second.tags.end())
        invalid_parameter("Tags Reason: Topic already exists with different tags");
  } else {
    Topic topic{arn, name, region, attribute_map, tags};
    topics_.emplace(arn, std::move(topic));
  }
  return "<TopicArn>" + xml_escape(arn) + "</TopicArn>";
}

std::string SnsService::list_topics(const Request& r) {
  const std::size_t start = page_start(r);
  const std::string region = region_of(r);
  std::lock_guard lock(mutex_);
  std::vector<const Topic*> in_region;
  for (const auto& [arn, topic] : topics_)
    if (topic.region == region) in_region.push_back(&topic);
  return page_xml("Topics", in_region, start,
                  [](const Topic& topic) { return "<TopicArn>" + xml_escape(topic.arn) + "</TopicArn>"; });
}

std::string SnsService::delete_topic(const Request& r) {
  const std::string arn = required_topic_arn(r);
  std::lock_guard lock(mutex_);
  // Deleting a topic that does not exist is not an error on AWS.
  topics_.erase(arn);
  for (auto it = subscriptions_.begin(); it != subscriptions_.end();)
    it = it->second.topic_arn == arn ? subscriptions_.erase(it) : std::next(it);
  return {};
}

std::string SnsService::get_topic_attributes(const Request& r) {
  const std::string arn = required_topic_arn(r);
  std::lock_guard lock(mutex_);
  auto it = topics_.find(arn);
  if (it == topics_.end()) not_found("Topic does not exist");
  const Topic& topic = it->second;
  int confirmed = 0, pending = 0;
  for (const auto& [sarn, sub] : subscriptions_)
    if (sub.topic_arn == arn) (sub.confirmed ? confirmed : pending)++;
  std::map<std::string, std::string> attributes = {
      {"TopicArn", arn},
      {"Owner", context_.account_id},
      {"Policy", default_policy(arn, context_.account_id)},
      {"DisplayName", ""},
      {"SubscriptionsConfirmed", std::to_string(confirmed)},
      {"SubscriptionsPending", std::to_string(pending)},
      {"SubscriptionsDeleted", "0"},
      {"EffectiveDeliveryPolicy", kEffectiveDeliveryPolicy},
  };
  for (const auto& [k, v] : topic.attributes) attributes[k] = v;
  return attributes_xml({attributes.begin(), attributes.end()});
}

std::string SnsService::set_topic_attributes(const Request& r) {
  const std::string arn = required_topic_arn(r);
  const std::string name = required(r, "AttributeName");
  if (!topic_attribute_names().count(name)) invalid_parameter("AttributeName");
  std::lock_guard lock(mutex_);
  auto it = topics_.find(arn);
  if (it == topics_.end()) not_found("Topic does not exist");
  it->second.attributes[name] = optional(r, "AttributeValue");
  return {};
}

std::string SnsService::subscribe(const Request& r) {
  const std::string topic_arn = required_topic_arn(r);
  const std::string protocol = required(r, "Protocol");
  const std::string endpoint = optional(r, "Endpoint");
  if (!known_protocols().count(protocol))
    invalid_parameter("Amazon SNS does not support this protocol string: " + protocol);
  if (protocol == "email" || protocol == "email-json") {
    auto at = endpoint.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= endpoint.size()) invalid_parameter("Email address");
  } else if (protocol == "http" || protocol == "https") {
    if (endpoint.rfind(protocol + "://", 0) != 0) invalid_parameter("Endpoint must match the specified protocol");
  } else if (protocol == "lambda") {
    if (endpoint.rfind("arn:aws:lambda:", 0) != 0) invalid_parameter("Lambda endpoint ARN");
  } else if (endpoint.empty()) {
    invalid_parameter("Endpoint");
  }
  std::map<std::string, std::string> attributes;
  for (const auto& [k, v] : entries(r.params, "Attributes.entry.", "key", "value")) {
    if (!subscription_attribute_names().count(k)) invalid_parameter("Attributes Reason: Unknown attribute " + k);
    attributes[k] = v;
  }
  const bool return_arn = optional(r, "ReturnSubscriptionArn") == "true";

  std::optional<DeliveryJob> confirmation;
  std::string result_arn;
  {
    std::lock_guard lock(mutex_);
    auto topic = topics_.find(topic_arn);
    if (topic == topics_.end()) not_found("Topic does not exist");
    const Subscription* existing = nullptr;
    for (const auto& [arn, sub] : subscriptions_)
      if (sub.topic_arn == topic_arn && sub.protocol == protocol && sub.endpoint == endpoint) existing = &sub;
    if (!existing) {
      Subscription sub;
      sub.arn = topic_arn + ":" + wire::uuid4();
      sub.topic_arn = topic_arn;
      sub.protocol = protocol;
      sub.endpoint = endpoint;
      sub.owner = context_.account_id;
      sub.attributes = attributes;
      sub.token = wire::sha256_hex(sub.arn + wire::uuid4());
      sub.confirmed = !needs_confirmation(protocol) || context_.auto_confirm;
      sub.authenticated = sub.confirmed;   // confirmed by the owner's own signed Subscribe
      existing = &subscriptions_.emplace(sub.arn, std::move(sub)).first->second;
    }
    // A new pending subscription gets its confirmation request; subscribing again while it is pending sends
    // another, with the same token (AWS does the same, so a lost confirmation mail can be asked for again).
    if (!existing->confirmed) {
      confirmation = confirmation_request(*existing, topic->second);
      spdlog::info("sns: subscription {} is pending confirmation (SubscribeURL {})", existing->arn,
                   subscribe_url(*confirmation));
    }
    result_arn = existing->confirmed || return_arn ? existing->arn : "pending confirmation";
  }
  if (confirmation) worker_->enqueue(std::move(*confirmation));
  return "<SubscriptionArn>" + xml_escape(result_arn) + "</SubscriptionArn>";
}

DeliveryJob SnsService::confirmation_request(const Subscription& sub, const Topic& topic) const {
  DeliveryJob job;
  job.protocol = sub.protocol;
  job.endpoint = sub.endpoint;
  job.subscription_arn = sub.arn;
  job.topic_arn = sub.topic_arn;
  job.region = topic.region;
  const auto display = topic.attributes.find("DisplayName");
  if (display != topic.attributes.end()) job.display_name = display->second;
  job.message_id = wire::uuid4();
  job.type = "SubscriptionConfirmation";
  job.token = sub.token;
  job.service_url = context_.endpoint_url;
  job.message = "You have chosen to subscribe to the topic " + sub.topic_arn +
                ".\nTo confirm the subscription, visit the SubscribeURL included in this message.";
  job.timestamp = context_.clock ? context_.clock->now() : SimClock::wall_now();
  return job;
}

// Signed (the SDK's ConfirmSubscription) or not (a visit to the SubscribeURL, which AWS serves without a
// signature): either confirms. Unsigned, the topic's region comes from its ARN: the URL carries no signing region.
std::string SnsService::confirm_subscription(const Request& r) {
  const bool signed_request = !r.access_key_id.empty();
  const std::string topic_arn = required(r, "TopicArn");
  validate_topic_arn(topic_arn, "TopicArn", signed_request ? r.region : "");
  const std::string token = required(r, "Token");
  std::lock_guard lock(mutex_);
  if (!topics_.count(topic_arn)) not_found("Topic does not exist");
  for (auto& [arn, sub] : subscriptions_) {
    if (sub.topic_arn == topic_arn && sub.token == token) {
      if (!sub.confirmed) {
        sub.confirmed = true;
        sub.authenticated = signed_request;   // ConfirmationWasAuthenticated: the confirmation request was signed
        spdlog::info("sns: subscription {} confirmed", arn);
      }
      return "<SubscriptionArn>" + xml_escape(arn) + "</SubscriptionArn>";
    }
  }
  invalid_parameter("Token");
}

std::string SnsService::list_subscriptions(const Request& r, bool by_topic) {
  std::string topic_arn;
  if (by_topic) topic_arn = required_topic_arn(r);
  const std::size_t start = page_start(r);
  const std::string region = region_of(r);
  std::lock_guard lock(mutex_);
  if (by_topic && !topics_.count(topic_arn)) not_found("Topic does not exist");
  std::vector<const Subscription*> selected;
  for (const auto& [arn, sub] : subscriptions_) {
    if (by_topic ? sub.topic_arn == topic_arn : topic_arn_region(sub.topic_arn) == region)
      selected.push_back(&sub);
  }
  return page_xml("Subscriptions", selected, start, [](const Subscription& s) {
    return "<TopicArn>" + xml_escape(s.topic_arn) + "</TopicArn><Protocol>" + xml_escape(s.protocol) +
           "</Protocol><SubscriptionArn>" + xml_escape(s.confirmed ? s.arn : "PendingConfirmation") +
           "</SubscriptionArn><Owner>" + xml_escape(s.owner) + "</Owner><Endpoint>" + xml_escape(s.endpoint) +
           "</Endpoint>";
  });
}

std::string SnsService::unsubscribe(const Request& r) {
  const std::string arn = required(r, "SubscriptionArn");
  std::lock_guard lock(mutex_);
  if (!subscriptions_.erase(arn)) not_found("Subscription does not exist");
  return {};
}

std::string SnsService::get_subscription_attributes(const Request& r) {
  const std::string arn = required(r, "SubscriptionArn");
  std::lock_guard lock(mutex_);
  auto it = subscriptions_.find(arn);
  if (it == subscriptions_.end()) not_found("Subscription does not exist");
  const Subscription& s = it->second;
  std::map<std::string, std::string> attributes = {
      {"SubscriptionArn", s.arn},
      {"TopicArn", s.topic_arn},
      {"Protocol", s.protocol},
      {"Endpoint", s.endpoint},
      {"Owner", s.owner},
      {"ConfirmationWasAuthenticated", s.authenticated ? "true" : "false"},
      {"PendingConfirmation", s.confirmed ? "false" : "true"},
      {"RawMessageDelivery", "false"},
      {"SubscriptionPrincipal", "arn:aws:iam::" + s.owner + ":root"},
  };
  for (const auto& [k, v] : s.attributes) attributes[k] = v;
  return attributes_xml({attributes.begin(), attributes.end()});
}

std::string SnsService::set_subscription_attributes(const Request& r) {
  const std::string arn = required(r, "SubscriptionArn");
  const std::string name = required(r, "AttributeName");
  if (!subscription_attribute_names().count(name)) invalid_parameter("AttributeName");
  std::lock_guard lock(mutex_);
  auto it = subscriptions_.find(arn);
  if (it == subscriptions_.end()) not_found("Subscription does not exist");
  it->second.attributes[name] = optional(r, "AttributeValue");
  return {};
}

std::string SnsService::publish_action(const Request& r) {
  Publication p;
  p.topic_arn = optional(r, "TopicArn");
  const char* arn_param = "TopicArn";
  if (p.topic_arn.empty()) {
    p.topic_arn = optional(r, "TargetArn");
    arn_param = "TargetArn";
  }
  const std::string phone = optional(r, "PhoneNumber");
  if (p.topic_arn.empty() && phone.empty()) invalid_parameter("TopicArn or TargetArn Reason: no value for required parameter");
  if (!p.topic_arn.empty()) validate_topic_arn(p.topic_arn, arn_param, r.region);
  const std::string* message = param(r, "Message");
  // Message is required by the model: absent is the protocol's validation error, present but empty SNS's own.
  if (!message)
    throw ServiceError(400, "ValidationError",
                       "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must "
                       "not be null");
  if (message->empty()) invalid_parameter("Empty message");
  p.message = *message;
  if (const std::string* subject = param(r, "Subject")) {
    validate_subject(*subject);
    p.subject = *subject;
  }
  const std::string structure = optional(r, "MessageStructure");
  if (!structure.empty()) {
    if (structure != "json") invalid_parameter("Invalid message structure. Must be json");
    p.structured = true;
    p.variants = parse_message_structure(p.message);
  }
  p.attributes = parse_query_message_attributes(r.params, "MessageAttributes.entry.");
  validate_message_size(p.message, p.attributes);
  if (p.topic_arn.empty()) {
    // SMS is not emulated; AWS would accept and send a text message.
    const std::string id = wire::uuid4();
    spdlog::info("sns: SMS to {} not delivered by the local stack (message {})", phone, id);
    return "<MessageId>" + id + "</MessageId>";
  }
  return "<MessageId>" + fan_out(std::move(p)) + "</MessageId>";
}

std::string SnsService::publish_batch(const Request& r) {
  const std::string topic_arn = required_topic_arn(r);
  const std::string prefix = "PublishBatchRequestEntries.member.";
  std::vector<std::string> bases;
  for (int n = 1; r.params.count(prefix + std::to_string(n) + ".Id"); ++n) bases.push_back(prefix + std::to_string(n) + ".");
  if (bases.empty()) throw ServiceError(400, "EmptyBatchRequest", "The batch request doesn't contain any entries.");
  if (bases.size() > 10)
    throw ServiceError(400, "TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.");
  std::set<std::string> ids;
  static const std::regex entry_id("[A-Za-z0-9_-]{1,80}");   // PublishBatchRequestEntry.Id, as documented
  for (const auto& base : bases) {
    const std::string& id = r.params.at(base + "Id");
    if (!std::regex_match(id, entry_id))
      throw ServiceError(400, "InvalidBatchEntryId",
                         "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can "
                         "be at most 80 letters long.");
    if (!ids.insert(id).second)
      throw ServiceError(400, "BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.");
  }
  {
    std::lock_guard lock(mutex_);
    if (!topics_.count(topic_arn)) not_found("Topic does not exist");
  }
  std::string successful = "<Successful>", failed = "<Failed>";
  for (const auto& base : bases) {
    const std::string id = r.params.at(base + "Id");
    try {
      Publication p;
      p.topic_arn = topic_arn;
      auto message = r.params.find(base + "Message");
      if (message == r.params.end() || message->second.empty()) invalid_parameter("Empty message");
      p.message = message->second;
      if (auto subject = r.params.find(base + "Subject"); subject != r.params.end()) {
        validate_subject(subject->second);
        p.subject = subject->second;
      }
      if (auto structure = r.params.find(base + "MessageStructure"); structure != r.params.end()) {
        if (structure->second != "json") invalid_parameter("Invalid message structure. Must be json");
        p.structured = true;
        p.variants = parse_message_structure(p.message);
      }
      p.attributes = parse_query_message_attributes(r.params, base + "MessageAttributes.entry.");
      validate_message_size(p.message, p.attributes);
      const std::string message_id = fan_out(std::move(p));
      successful += "<member><Id>" + xml_escape(id) + "</Id><MessageId>" + message_id + "</MessageId></member>";
    } catch (const ServiceError& e) {
      if (e.code == "NotFound") throw;
      failed += "<member><Id>" + xml_escape(id) + "</Id><Code>" + xml_escape(e.code) + "</Code><Message>" +
                xml_escape(e.what()) + "</Message><SenderFault>true</SenderFault></member>";
    }
  }
  return successful + "</Successful>" + failed + "</Failed>";
}

std::string SnsService::list_tags_for_resource(const Request& r) {
  const std::string arn = required(r, "ResourceArn");
  std::lock_guard lock(mutex_);
  auto it = topics_.find(arn);
  if (it == topics_.end()) throw ServiceError(404, "ResourceNotFound", "Resource does not exist");
  std::string xml = "<Tags>";
  for (const auto& [k, v] : it->second.tags)
    xml += "<member><Key>" + xml_escape(k) + "</Key><Value>" + xml_escape(v) + "</Value></member>";
  return xml + "</Tags>";
}

std::string SnsService::tag_resource(const Request& r) {
  const std::string arn = required(r, "ResourceArn");
  auto tags = entries(r.params, "Tags.member.", "Key", "Value");
  std::lock_guard lock(mutex_);
  auto it = topics_.find(arn);
  if (it == topics_.end()) throw ServiceError(404, "ResourceNotFound", "Resource does not exist");
  for (const auto& tag : tags) upsert_tag(it->second.tags, tag);
  if (it->second.tags.size() > 50)
    throw ServiceError(400, "TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded");
  return {};
}

std::string SnsService::publish(const std::string& topic_arn, const std::string& subject, const std::string& message,
                                bool message_structure_json, const nlohmann::json& message_attributes) {
  Publication p;
  p.topic_arn = topic_arn;
  if (message.empty()) invalid_parameter("Empty message");
  p.message = message;
  if (!subject.empty()) {
    validate_subject(subject);
    p.subject = subject;
  }
  if (message_structure_json) {
    p.structured = true;
    p.variants = parse_message_structure(message);
  }
  p.attributes = normalise_message_attributes(message_attributes);
  validate_message_size(p.message, p.attributes);
  return fan_out(std::move(p));
}

std::string SnsService::fan_out(Publication p) {
  const std::string message_id = wire::uuid4();
  const double now = context_.clock ? context_.clock->now() : SimClock::wall_now();
  std::vector<DeliveryJob> jobs;
  {
    std::lock_guard lock(mutex_);
    auto topic = topics_.find(p.topic_arn);
    if (topic == topics_.end()) not_found("Topic does not exist");
    const auto display = topic->second.attributes.find("DisplayName");
    for (const auto& [arn, sub] : subscriptions_) {
      if (sub.topic_arn != p.topic_arn || !sub.confirmed) continue;
      DeliveryJob job;
      job.protocol = sub.protocol;
      job.endpoint = sub.endpoint;
      job.subscription_arn = arn;
      job.topic_arn = p.topic_arn;
      job.region = topic->second.region;
      job.display_name = display == topic->second.attributes.end() ? std::string() : display->second;
      job.message_id = message_id;
      job.subject = p.subject;
      job.message = message_variant(p, sub.protocol);
      job.message_attributes = p.attributes;
      job.timestamp = now;
      auto raw = sub.attributes.find("RawMessageDelivery");
      job.raw = raw != sub.attributes.end() && raw->second == "true";
      jobs.push_back(std::move(job));
    }
  }
  // Queued outside the lock: the worker may call Lambda, which must never wait on SNS's lock.
  for (auto& job : jobs) worker_->enqueue(std::move(job));
  return message_id;
}

nlohmann::json SnsService::save() const {
  std::lock_guard lock(mutex_);
  nlohmann::json topics = nlohmann::json::array(), subscriptions = nlohmann::json::array();
  for (const auto& [arn, t] : topics_) {
    nlohmann::json tags = nlohmann::json::array();
    for (const auto& [k, v] : t.tags) tags.push_back({{"Key", k}, {"Value", v}});
    topics.push_back({{"arn", t.arn}, {"name", t.name}, {"region", t.region}, {"attributes", t.attributes},
                      {"tags", tags}});
  }
  for (const auto& [arn, s] : subscriptions_)
    subscriptions.push_back({{"arn", s.arn}, {"topic_arn", s.topic_arn}, {"protocol", s.protocol},
                             {"endpoint", s.endpoint}, {"owner", s.owner}, {"token", s.token},
                             {"confirmed", s.confirmed}, {"authenticated", s.authenticated},
                             {"attributes", s.attributes}});
  return {{"topics", topics}, {"subscriptions", subscriptions}};
}

void SnsService::load(const nlohmann::json& state) {
  std::lock_guard lock(mutex_);
  topics_.clear();
  subscriptions_.clear();
  for (const auto& t : state.value("topics", nlohmann::json::array())) {
    Topic topic{t.at("arn"), t.at("name"), t.at("region"),
                t.value("attributes", std::map<std::string, std::string>{}), {}};
    for (const auto& tag : t.value("tags", nlohmann::json::array())) topic.tags.emplace_back(tag.at("Key"), tag.at("Value"));
    topics_.emplace(topic.arn, std::move(topic));
  }
  for (const auto& s : state.value("subscriptions", nlohmann::json::array())) {
    Subscription sub;
    sub.arn = s.at("arn");
    sub.topic_arn = s.at("topic_arn");
    sub.protocol = s.at("protocol");
    sub.endpoint = s.at("endpoint");
    sub.owner = s.value("owner", context_.account_id);
    sub.token = s.value("token", std::string());
    sub.confirmed = s.value("confirmed", true);
    sub.authenticated = s.value("authenticated", sub.confirmed);
    sub.attributes = s.value("attributes", std::map<std::string, std::string>{});
    subscriptions_.emplace(sub.arn, std::move(sub));
  }
}

}  // namespace sns
}  // namespace pingwatch::local
