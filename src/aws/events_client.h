#pragma once
// EventBridge (awsJson1_1, X-Amz-Target AWSEvents.<Op>): schedule rules and their targets.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/service_client.h"

namespace pingwatch::aws {

struct PutRuleRequest {
  std::string name;
  std::string schedule_expression;   // rate(1 minute) | cron(...)
  std::string event_pattern;         // JSON text; at least one of schedule/pattern
  std::string state;                 // ENABLED | DISABLED (empty: not sent, AWS default ENABLED)
  std::string description;
  std::string role_arn;
  std::string event_bus_name;        // empty: default bus
  std::vector<std::pair<std::string, std::string>> tags;
};

struct EventTarget {
  std::string id;
  std::string arn;
  std::string role_arn;
  std::string input;                 // constant JSON text passed to the target
};

struct PutTargetsFailure {
  std::string target_id;
  std::string error_code;
  std::string error_message;
};

struct EventRule {
  std::string name;
  std::string arn;
  std::string state;
  std::string schedule_expression;
  std::string event_pattern;
  std::string description;
  std::string role_arn;
  std::string event_bus_name;
};

struct ListRulesPage {
  std::vector<EventRule> rules;
  std::string next_token;
};

class EventsClient {
 public:
  static ServiceInfo service_info();     // events / AWS_ENDPOINT_URL_EVENTBRIDGE
  static ProtocolInfo protocol_info();   // Json11, AWSEvents

  explicit EventsClient(ClientConfig config);
  explicit EventsClient(std::shared_ptr<ServiceClient> client);

  std::string put_rule(const PutRuleRequest& request);   // RuleArn
  // Returns the failed entries (empty when all succeeded).
  std::vector<PutTargetsFailure> put_targets(const std::string& rule, const std::vector<EventTarget>& targets,
                                             const std::string& event_bus_name = {});
  ListRulesPage list_rules(const std::string& name_prefix = {}, const std::string& next_token = {},
                           const std::string& event_bus_name = {}, std::optional<int> limit = std::nullopt);
  std::vector<EventRule> list_all_rules(const std::string& name_prefix = {}, const std::string& event_bus_name = {});
  std::vector<EventTarget> list_targets_by_rule(const std::string& rule, const std::string& event_bus_name = {});
  void delete_rule(const std::string& name, const std::string& event_bus_name = {}, bool force = false);
  std::vector<PutTargetsFailure> remove_targets(const std::string& rule, const std::vector<std::string>& ids,
                                                const std::string& event_bus_name = {}, bool force = false);

  ServiceClient& service_client() { return *client_; }

 private:
  std::shared_ptr<ServiceClient> client_;
};

nlohmann::json encode_put_rule(const PutRuleRequest& request);

}  // namespace pingwatch::aws
