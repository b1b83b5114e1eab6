#pragma once
// The local stack's EventBridge (JSON 1.1, AWSEvents): schedule rules on the default bus and their targets.
// tick() fires every enabled schedule rule exactly once per scheduled instant of the simulated clock.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "local/events/schedule_expression.h"
#include "local/service.h"

namespace pingwatch::local::events {

struct Target {
  std::string id, arn;
  nlohmann::json extra = nlohmann::json::object();   // Input, InputPath, RoleArn, ... as given
};

struct Rule {
  std::string name, arn, region;
  std::string schedule_expression, event_pattern, description, role_arn;
  std::string state = "ENABLED";
  nlohmann::json tags = nlohmann::json::array();
  std::vector<Target> targets;
  std::optional<ScheduleExpression> schedule;
  std::int64_t rate_anchor = 0;
  std::optional<std::int64_t> next_fire;              // simulated epoch seconds
};

// One invocation a rule firing produces (made under the lock, performed outside it).
struct Firing {
  std::string rule_name;
  std::string target_arn;
  nlohmann::json payload;
};

// The standard "Scheduled Event" EventBridge sends to targets of schedule rules.
nlohmann::json scheduled_event(const std::string& account, const std::string& region, const std::string& rule_arn,
                               std::int64_t instant);

class EventsService : public Service {
 public:
  explicit EventsService(StackContext& context);
  std::string signing_name() const override { return "events"; }
  Response handle(const Request& request) override;
  void tick(double sim_now) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

  // What tick() would invoke at sim_now, with the rule state advanced; exposed so tests can check timing
  // without a Lambda service. tick() = due_firings() + deliver().
  std::vector<Firing> due_firings(double sim_now);
  void deliver(const std::vector<Firing>& firings);
  // GET /_local/rules: every rule with its targets and next scheduled instant.
  nlohmann::json local_rules() const;

 private:
  nlohmann::json put_rule(const Request& r);
  nlohmann::json describe_rule(const Request& r);
  nlohmann::json list_rules(const Request& r);
  nlohmann::json delete_rule(const Request& r);
  nlohmann::json set_rule_state(const Request& r, const std::string& state);
  nlohmann::json put_targets(const Request& r);
  nlohmann::json remove_targets(const Request& r);
  nlohmann::json list_targets_by_rule(const Request& r);

  Rule& find_rule(const std::string& name);   // throws ResourceNotFoundException; caller holds the lock
  void reschedule(Rule& rule, std::int64_t now);
  double now() const;

  StackContext& context_;
  mutable std::mutex mutex_;
  std::map<std::string, Rule> rules_;   // by name (default bus only)
};

}  // namespace pingwatch::local::events
