#include "local/events/events_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "local/services.h"
#include "local/sns/wire_util.h"

namespace pingwatch::local {

std::unique_ptr<Service> make_events_service(StackContext& context) {
  return std::make_unique<events::EventsService>(context);
}

namespace events {
namespace {

constexpr std::size_t kMaxTargetsPerRule = 5;
constexpr std::size_t kMaxTargetsPerCall = 10;
constexpr std::size_t kDefaultListLimit = 100;

[[noreturn]] void validation(const std::string& message) { throw ServiceError(400, "ValidationException", message); }

std::string string_field(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_string()) validation(std::string("1 validation error detected: Value at '") + name +
                                   "' failed to satisfy constraint: Member must be a string");
  return it->get<std::string>();
}

bool valid_name(const std::string& name, std::size_t max) {
  return !name.empty() && name.size() <= max && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_';
  });
}

void require_name(const std::string& value, const char* field, std::size_t max) {
  if (!valid_name(value, max))
    validation("1 validation error detected: Value '" + value + "' at '" + field +
               "' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
}

void require_default_bus(const nlohmann::json& body) {
  std::string bus = string_field(body, "EventBusName");
  if (bus.empty() || bus == "default" || bus.find(":event-bus/default") != std::string::npos) return;
  throw ServiceError(400, "ResourceNotFoundException", "Event bus " + bus + " does not exist.");
}

nlohmann::json rule_json(const Rule& rule, const std::string& account, bool describe) {
  nlohmann::json out = {{"Name", rule.name}, {"Arn", rule.arn}, {"State", rule.state}, {"EventBusName", "default"}};
  if (!rule.event_pattern.empty()) out["EventPattern"] = rule.event_pattern;
  if (!rule.schedule_expression.empty()) out["ScheduleExpression"] = rule.schedule_expression;
  if (!rule.description.empty()) out["Description"] = rule.description;
  if (!rule.role_arn.empty()) out["RoleArn"] = rule.role_arn;
  if (describe) out["CreatedBy"] = account;
  return out;
}

nlohmann::json target_json(const Target& target) {
  nlohmann::json out = target.extra;
  out["Id"] = target.id;
  out["Arn"] = target.arn;
  return out;
}

std::string function_region(const std::string& arn, const std::string& fallback) {
  // arn:aws:<service>:<region>:...
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string::npos) return fallback;
    ++pos;
  }
  auto end = arn.find(':', pos);
  return end == std::string::npos ? fallback : arn.substr(pos, end - pos);
}

// A Target's required members (Id, Arn) are checked by the service framework before the operation runs: a
// missing one fails the whole call with a ValidationException naming it (1-based, as AWS writes it), and a
// member of the wrong JSON type is a SerializationException; neither becomes a FailedEntries item.
void require_target_members(const nlohmann::json& targets) {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    if (!t.is_object()) throw ServiceError(400, "SerializationException", "Start of structure or map found where not expected.");
    for (const char* member : {"Id", "Arn"}) {
      auto it = t.find(member);
      const std::string where = "targets." + std::to_string(i + 1) + ".member." + (member[0] == 'I' ? "id" : "arn");
      if (it == t.end() || it->is_null())
        validation("1 validation error detected: Value null at '" + where +
                   "' failed to satisfy constraint: Member must not be null");
      if (!it->is_string()) throw ServiceError(400, "SerializationException", "Unexpected value type in payload");
    }
  }
}

}  // namespace

nlohmann::json scheduled_event(const std::string& account, const std::string& region, const std::string& rule_arn,
                               std::int64_t instant) {
  return {{"version", "0"},
          {"id", wire::uuid4()},
          {"detail-type", "Scheduled Event"},
          {"source", "aws.events"},
          {"account", account},
          {"time", wire::iso8601_seconds_z(static_cast<double>(instant))},
          {"region", region},
          {"resources", nlohmann::json::array({rule_arn})},
          {"detail", nlohmann::json::object()}};
}

EventsService::EventsService(StackContext& context) : context_(context) {}

double EventsService::now() const { return context_.clock ? context_.clock->now() : SimClock::wall_now(); }

Response EventsService::handle(const Request& r) {
  std::string op = r.operation;
  if (op.rfind("_local/rules", 0) == 0) return json_reply(r, local_rules());
  if (op.empty()) {
    if (const std::string* target = aws::find_header(r.headers, "X-Amz-Target")) {
      auto dot = target->rfind('.');
      op = dot == std::string::npos ? *target : target->substr(dot + 1);
    }
  }
  nlohmann::json out;
  if (op == "PutRule") out = put_rule(r);
  else if (op == "DescribeRule") out = describe_rule(r);
  else if (op == "ListRules") out = list_rules(r);
  else if (op == "DeleteRule") out = delete_rule(r);
  else if (op == "EnableRule") out = set_rule_state(r, "ENABLED");
  else if (op == "DisableRule") out = set_rule_state(r, "DISABLED");
  else if (op == "PutTargets") out = put_targets(r);
  else if (op == "RemoveTargets") out = remove_targets(r);
  else if (op == "ListTargetsByRule") out = list_targets_by_rule(r);
  else
    throw ServiceError(400, "UnknownOperationException", "The operation " + op + " is not supported by the local stack.");
  return json_reply(r, out);
}

Rule& EventsService::find_rule(const std::string& name) {
  auto it = rules_.find(name);
  if (it == rules_.end())
    throw ServiceError(400, "ResourceNotFoundException", "Rule " + name + " does not exist on EventBus default.");
  return it->second;
}

void EventsService::reschedule(Rule& rule, std::int64_t at) {
  rule.next_fire.reset();
  if (!rule.schedule || rule.state == "DISABLED") return;
  rule.rate_anchor = rate_anchor_for(at);
  rule.next_fire = next_fire_after(*rule.schedule, at, rule.rate_anchor);
}

nlohmann::json EventsService::put_rule(const Request& r) {
  const nlohmann::json& body = r.json;
  const std::string name = string_field(body, "Name");
  require_name(name, "name", 64);
  require_default_bus(body);
  const std::string expression = string_field(body, "ScheduleExpression");
  const std::string pattern = string_field(body, "EventPattern");
  if (expression.empty() && pattern.empty())
    validation("Parameter(s) EventPattern or ScheduleExpression must be specified.");
  std::optional<ScheduleExpression> schedule;
  if (!expression.empty()) {
    try {
      schedule = parse_schedule_expression(expression);
    } catch (const InvalidScheduleExpression&) {
      validation("Parameter ScheduleExpression is not valid.");
    }
  }
  if (!pattern.empty()) {
    auto parsed = nlohmann::json::parse(pattern, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
      throw ServiceError(400, "InvalidEventPatternException", "Event pattern is not valid. Reason: Filter is not an object");
  }
  std::string state = string_field(body, "State");
  if (state.empty()) state = "ENABLED";
  if (state != "ENABLED" && state != "DISABLED" && state != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    validation("1 validation error detected: Value '" + state +
               "' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, "
               "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]");
  const std::string region = r.region.empty() ? context_.default_region : r.region;
  const auto at = static_cast<std::int64_t>(std::floor(now()));
  std::lock_guard lock(mutex_);
  auto [it, created] = rules_.try_emplace(name);
  Rule& rule = it->second;
  const bool same_schedule = !created && rule.schedule_expression == expression && rule.state == state;
  rule.name = name;
  rule.region = region;
  rule.arn = "arn:aws:events:" + region + ":" + context_.account_id + ":rule/" + name;
  rule.schedule_expression = expression;
  rule.event_pattern = pattern;
  // PutRule replaces the rule: arguments left out are not kept (AWS documents this).
  rule.description = string_field(body, "Description");
  rule.role_arn = string_field(body, "RoleArn");
  if (body.contains("Tags") && body["Tags"].is_array()) rule.tags = body["Tags"];
  rule.state = state;
  rule.schedule = schedule;
  // Re-putting an unchanged schedule keeps its instants, so a deploy script run twice does not shift them.
  if (!same_schedule) reschedule(rule, at);
  return {{"RuleArn", rule.arn}};
}

nlohmann::json EventsService::describe_rule(const Request& r) {
  const std::string name = string_field(r.json, "Name");
  require_name(name, "name", 64);
  require_default_bus(r.json);
  std::lock_guard lock(mutex_);
  return rule_json(find_rule(name), context_.account_id, true);
}

nlohmann::json EventsService::list_rules(const Request& r) {
  require_default_bus(r.json);
  const std::string prefix = string_field(r.json, "NamePrefix");
  std::size_t limit = kDefaultListLimit;
  if (r.json.contains("Limit")) {
    const auto& l = r.json["Limit"];
    if (!l.is_number_integer() || l.get<long long>() < 1 || l.get<long long>() > 100)
      validation("1 validation error detected: Value '" + l.dump() +
                 "' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100");
    limit = l.get<std::size_t>();
  }
  std::string start_after;
  const std::string token = string_field(r.json, "NextToken");
  if (!token.empty()) {
    try {
      start_after = wire::base64_decode(token);
    } catch (const std::invalid_argument&) {
      validation("The NextToken provided is not valid.");
    }
  }
  std::lock_guard lock(mutex_);
  nlohmann::json rules = nlohmann::json::array();
  std::string last;
  bool more = false;
  for (auto it = start_after.empty() ? rules_.begin() : rules_.upper_bound(start_after); it != rules_.end(); ++it) {
    if (it->first.rfind(prefix, 0) != 0) continue;
    if (rules.size() == limit) {
      more = true;
      break;
    }
    rules.push_back(rule_json(it->second, context_.account_id, false));
    last = it->first;
  }
  nlohmann::json out = {{"Rules", rules}};
  if (more) out["NextToken"] = wire::base64_encode(last);
  return out;
}

nlohmann::json EventsService::delete_rule(const Request& r) {
  const std::string name = string_field(r.json, "Name");
  require_name(name, "name", 64);
  require_default_bus(r.json);
  std::lock_guard lock(mutex_);
  auto it = rules_.find(name);
  if (it == rules_.end()) return nlohmann::json::object();   // deleting a missing rule succeeds on AWS
  if (!it->second.targets.empty()) validation("Rule can't be deleted since it has targets.");
  rules_.erase(it);
  return nlohmann::json::object();
}

nlohmann::json EventsService::set_rule_state(const Request& r, const std::string& state) {
  const std::string name = string_field(r.json, "Name");
  require_name(name, "name", 64);
  require_default_bus(r.json);
  const auto at = static_cast<std::int64_t>(std::floor(now()));
  std::lock_guard lock(mutex_);
  Rule& rule = find_rule(name);
  if (rule.state == state) return nlohmann::json::object();
  rule.state = state;
  // Enabling starts the schedule afresh: instants missed while disabled are not caught up.
  reschedule(rule, at);
  return nlohmann::json::object();
}

nlohmann::json EventsService::put_targets(const Request& r) {
  const std::string name = string_field(r.json, "Rule");
  require_name(name, "rule", 64);
  require_default_bus(r.json);
  if (!r.json.contains("Targets") || !r.json["Targets"].is_array() || r.json["Targets"].empty())
    validation("1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null");
  const auto& targets = r.json["Targets"];
  if (targets.size() > kMaxTargetsPerCall)
    validation("1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length "
               "less than or equal to 10");
  require_target_members(targets);
  std::lock_guard lock(mutex_);
  Rule& rule = find_rule(name);
  nlohmann::json failed = nlohmann::json::array();
  std::vector<Target> accepted;
  for (const auto& t : targets) {
    const std::string id = t["Id"].get<std::string>();
    const std::string arn = t["Arn"].get<std::string>();
    require_name(id, "targets.member.id", 64);
    if (arn.rfind("arn:", 0) != 0) {
      failed.push_back({{"TargetId", id}, {"ErrorCode", "ValidationException"},
                        {"ErrorMessage", "Parameter " + arn + " is not valid. Reason: Provided Arn is not in correct format."}});
      continue;
    }
    if (t.contains("Input")) {
      nlohmann::json parsed(nlohmann::json::value_t::discarded);
      if (t["Input"].is_string()) parsed = nlohmann::json::parse(t["Input"].get<std::string>(), nullptr, false);
      if (parsed.is_discarded()) {
        failed.push_back({{"TargetId", id}, {"ErrorCode", "ValidationException"},
                          {"ErrorMessage", "Parameter Input is not valid JSON."}});
        continue;
      }
    }
    Target target{id, arn, t};
    target.extra.erase("Id");
    target.extra.erase("Arn");
    accepted.push_back(std::move(target));
  }
  // Count the targets the rule would end with before changing anything.
  std::size_t final_count = rule.targets.size();
  for (const auto& t : accepted)
    if (std::none_of(rule.targets.begin(), rule.targets.end(), [&](const Target& e) { return e.id == t.id; }))
      ++final_count;
  if (final_count > kMaxTargetsPerRule)
    throw ServiceError(400, "LimitExceededException", "The requested resource exceeds the maximum number allowed.");
  for (auto& t : accepted) {
    auto existing = std::find_if(rule.targets.begin(), rule.targets.end(), [&](const Target& e) { return e.id == t.id; });
    if (existing != rule.targets.end()) *existing = std::move(t);
    else rule.targets.push_back(std::move(t));
  }
  return {{"FailedEntryCount", failed.size()}, {"FailedEntries", failed}};
}

nlohmann::json EventsService::remove_targets(const Request& r) {
  const std::string name = string_field(r.json, "Rule");
  require_name(name, "rule", 64);
  require_default_bus(r.json);
  if (!r.json.contains("Ids") || !r.json["Ids"].is_array() || r.json["Ids"].empty())
    validation("1 validation error detected: Value null at 'ids' failed to satisfy constraint: Member must not be null");
  std::lock_guard lock(mutex_);
  Rule& rule = find_rule(name);
  for (const auto& id : r.json["Ids"]) {
    if (!id.is_string()) continue;
    std::erase_if(rule.targets, [&](const Target& t) { return t.id == id.get<std::string>(); });
  }
  return {{"FailedEntryCount", 0}, {"FailedEntries", nlohmann::json::array()}};
}

nlohmann::json EventsService::list_targets_by_rule(const Request& r) {
  const std::string name = string_field(r.json, "Rule");
  require_name(name, "rule", 64);
  require_default_bus(r.json);
  std::lock_guard lock(mutex_);
  const Rule& rule = find_rule(name);
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : rule.targets) targets.push_back(target_json(t));
  return {{"Targets", targets}};
}

std::vector<Firing> EventsService::due_firings(double sim_now) {
  const auto now_s = static_cast<std::int64_t>(std::floor(sim_now));
  std::vector<Firing> firings;
  std::lock_guard lock(mutex_);
  for (auto& [name, rule] : rules_) {
    if (!rule.schedule || rule.state == "DISABLED" || !rule.next_fire || *rule.next_fire > now_s) continue;
    // The instant to fire: the latest one due. Instants before it that a late tick skipped are not fired again,
    // so a stalled clock catches up with one event, never a burst.
    std::int64_t instant = *rule.next_fire;
    if (rule.schedule->kind == ScheduleExpression::Kind::Rate) {
      const std::int64_t period = rule.schedule->rate_seconds;
      instant = rule.rate_anchor + (now_s - rule.rate_anchor) / period * period;
    } else {
      for (int guard = 0; guard < 100000; ++guard) {
        auto next = next_fire_after(*rule.schedule, instant);
        if (!next || *next > now_s) break;
        instant = *next;
      }
    }
    rule.next_fire = next_fire_after(*rule.schedule, now_s, rule.rate_anchor);
    const nlohmann::json event = scheduled_event(context_.account_id, rule.region, rule.arn, instant);
    for (const auto& target : rule.targets) {
      nlohmann::json payload = event;
      if (target.extra.contains("Input") && target.extra["Input"].is_string())
        payload = nlohmann::json::parse(target.extra["Input"].get<std::string>());
      firings.push_back({rule.name, target.arn, std::move(payload)});
    }
  }
  return firings;
}

void EventsService::deliver(const std::vector<Firing>& firings) {
  for (const auto& f : firings) {
    try {
      if (f.target_arn.find(":lambda:") != std::string::npos) {
        if (!context_.lambda) throw std::runtime_error("the stack has no Lambda service");
        context_.lambda->invoke(f.target_arn, f.payload, /*async=*/true);
      } else if (f.target_arn.find(":sns:") != std::string::npos) {
        if (!context_.sns) throw std::runtime_error("the stack has no SNS service");
        context_.sns->publish(f.target_arn, "", f.payload.dump(), false, nlohmann::json::object());
      } else {
        throw std::runtime_error("the local stack only delivers to Lambda functions and SNS topics");
      }
    } catch (const std::exception& e) {
      // EventBridge counts these as FailedInvocations; the rule keeps its schedule.
      spdlog::warn("events: rule {} could not invoke {} ({}): {}", f.rule_name, f.target_arn,
                   function_region(f.target_arn, "?"), e.what());
    }
  }
}

nlohmann::json EventsService::local_rules() const {
  std::lock_guard lock(mutex_);
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& [name, rule] : rules_) {
    nlohmann::json entry = rule_json(rule, context_.account_id, false);
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& t : rule.targets) targets.push_back(target_json(t));
    entry["Targets"] = targets;
    if (rule.next_fire) entry["NextFire"] = wire::iso8601_seconds_z(static_cast<double>(*rule.next_fire));
    rules.push_back(std::move(entry));
  }
  return {{"rules", rules}};
}

void EventsService::tick(double sim_now) { deliver(due_firings(sim_now)); }

nlohmann::json EventsService::save() const {
  std::lock_guard lock(mutex_);
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& [name, rule] : rules_) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& t : rule.targets) targets.push_back(target_json(t));
    nlohmann::json saved = {{"name", rule.name}, {"arn", rule.arn}, {"region", rule.region},
                            {"schedule_expression", rule.schedule_expression}, {"event_pattern", rule.event_pattern},
                            {"description", rule.description}, {"role_arn", rule.role_arn}, {"state", rule.state},
                            {"tags", rule.tags}, {"targets", targets}, {"rate_anchor", rule.rate_anchor}};
    if (rule.next_fire) saved["next_fire"] = *rule.next_fire;
    rules.push_back(std::move(saved));
  }
  return {{"rules", rules}};
}

void EventsService::load(const nlohmann::json& state) {
  const auto at = static_cast<std::int64_t>(std::floor(now()));
  std::lock_guard lock(mutex_);
  rules_.clear();
  for (const auto& s : state.value("rules", nlohmann::json::array())) {
    Rule rule;
    rule.name = s.at("name");
    rule.arn = s.at("arn");
    rule.region = s.value("region", context_.default_region);
    rule.schedule_expression = s.value("schedule_expression", std::string());
    rule.event_pattern = s.value("event_pattern", std::string());
    rule.description = s.value("description", std::string());
    rule.role_arn = s.value("role_arn", std::string());
    rule.state = s.value("state", std::string("ENABLED"));
    rule.tags = s.value("tags", nlohmann::json::array());
    for (const auto& t : s.value("targets", nlohmann::json::array())) {
      Target target{t.at("Id"), t.at("Arn"), t};
      target.extra.erase("Id");
      target.extra.erase("Arn");
      rule.targets.push_back(std::move(target));
    }
    if (!rule.schedule_expression.empty()) rule.schedule = parse_schedule_expression(rule.schedule_expression);
    rule.rate_anchor = s.value("rate_anchor", std::int64_t{0});
    if (rule.schedule && rule.state != "DISABLED") {
      // Keep the saved instants; an instant that passed while the stack was down is fired once by the next tick.
      rule.next_fire = s.contains("next_fire") ? std::optional<std::int64_t>(s["next_fire"].get<std::int64_t>())
                                               : next_fire_after(*rule.schedule, at, rule.rate_anchor);
    }
    rules_.emplace(rule.name, std::move(rule));
  }
}

}  // namespace events
}  // namespace pingwatch::local
