#include "aws/events_client.h"

#include <set>

#include "aws/error_parse.h"
#include "aws/json_protocol.h"

namespace pingwatch::aws {

using nlohmann::json;
namespace jp = json_protocol;

namespace {
constexpr const char* kService = "events";

std::vector<PutTargetsFailure> read_failures(const json& body) {
  std::vector<PutTargetsFailure> out;
  for (const auto& f : jp::get_array(body, "FailedEntries")) {
    out.push_back({jp::get_string(f, "TargetId"), jp::get_string(f, "ErrorCode"), jp::get_string(f, "ErrorMessage")});
  }
  return out;
}

void add_bus(json& in, const std::string& bus) {
  if (!bus.empty()) in["EventBusName"] = bus;
}
}  // namespace

ServiceInfo EventsClient::service_info() { return ServiceInfo{"events", "events", "EVENTBRIDGE", "eventbridge"}; }

ProtocolInfo EventsClient::protocol_info() { return ProtocolInfo{Protocol::Json11, "AWSEvents", "2015-10-07", "", false}; }

EventsClient::EventsClient(ClientConfig config)
    : client_(std::make_shared<ServiceClient>(service_info(), protocol_info(), std::move(config))) {}

EventsClient::EventsClient(std::shared_ptr<ServiceClient> client) : client_(std::move(client)) {}

json encode_put_rule(const PutRuleRequest& r) {
  if (r.schedule_expression.empty() && r.event_pattern.empty()) {
    throw std::invalid_argument("EventBridge PutRule " + r.name + ": set schedule_expression or event_pattern");
  }
  json in = {{"Name", r.name}};
  if (!r.schedule_expression.empty()) in["ScheduleExpression"] = r.schedule_expression;
  if (!r.event_pattern.empty()) in["EventPattern"] = r.event_pattern;
  if (!r.state.empty()) in["State"] = r.state;
  if (!r.description.empty()) in["Description"] = r.description;
  if (!r.role_arn.empty()) in["RoleArn"] = r.role_arn;
  if (!r.tags.empty()) {
    json tags = json::array();
    for (const auto& [k, v] : r.tags) tags.push_back({{"Key", k}, {"Value", v}});
    in["Tags"] = std::move(tags);
  }
  add_bus(in, r.event_bus_name);
  return in;
}

std::string EventsClient::put_rule(const PutRuleRequest& request) {
  auto reply = client_->call_json("PutRule", encode_put_rule(request));
  return decode_reply(kService, "PutRule", [&] { return jp::get_string(reply.body, "RuleArn"); });
}

std::vector<PutTargetsFailure> EventsClient::put_targets(const std::string& rule, const std::vector<EventTarget>& targets,
                                                         const std::string& event_bus_name) {
  json list = json::array();
  for (const auto& t : targets) {
    json item = {{"Id", t.id}, {"Arn", t.arn}};
    if (!t.role_arn.empty()) item["RoleArn"] = t.role_arn;
    if (!t.input.empty()) item["Input"] = t.input;
    list.push_back(std::move(item));
  }
  json in = {{"Rule", rule}, {"Targets", std::move(list)}};
  add_bus(in, event_bus_name);
  auto reply = client_->call_json("PutTargets", in);
  return decode_reply(kService, "PutTargets", [&] { return read_failures(reply.body); });
}

ListRulesPage EventsClient::list_rules(const std::string& name_prefix, const std::string& next_token,
                                       const std::string& event_bus_name, std::optional<int> limit) {
  json in = json::object();
  if (!name_prefix.empty()) in["NamePrefix"] = name_prefix;
  if (!next_token.empty()) in["NextToken"] = next_token;
  if (limit) in["Limit"] = *limit;
  add_bus(in, event_bus_name);
  auto reply = client_->call_json("ListRules", in);
  return decode_reply(kService, "ListRules", [&] {
    ListRulesPage page;
    for (const auto& r : jp::get_array(reply.body, "Rules")) {
      page.rules.push_back({jp::get_string(r, "Name"), jp::get_string(r, "Arn"), jp::get_string(r, "State"),
                            jp::get_string(r, "ScheduleExpression"), jp::get_string(r, "EventPattern"),
                            jp::get_string(r, "Description"), jp::get_string(r, "RoleArn"),
                            jp::get_string(r, "EventBusName")});
    }
    page.next_token = jp::get_string(reply.body, "NextToken");
    return page;
  });
}

std::vector<EventRule> EventsClient::list_all_rules(const std::string& name_prefix, const std::string& event_bus_name) {
  std::vector<EventRule> all;
  std::set<std::string> seen;
  std::string token;
  for (;;) {
    ListRulesPage page = list_rules(name_prefix, token, event_bus_name);
    all.insert(all.end(), page.rules.begin(), page.rules.end());
    if (page.next_token.empty()) return all;
    if (!seen.insert(page.next_token).second) {
      throw AwsError("MalformedResponse", "events ListRules: NextToken repeated; the server is paging in a loop", 0, {},
                     kService, "ListRules");
    }
    token = page.next_token;
  }
}

std::vector<EventTarget> EventsClient::list_targets_by_rule(const std::string& rule, const std::string& event_bus_name) {
  std::vector<EventTarget> all;
  std::set<std::string> seen;
  std::string token;
  for (;;) {
    json in = {{"Rule", rule}};
    add_bus(in, event_bus_name);
    if (!token.empty()) in["NextToken"] = token;
    auto reply = client_->call_json("ListTargetsByRule", in);
    token = decode_reply(kService, "ListTargetsByRule", [&] {
      for (const auto& t : jp::get_array(reply.body, "Targets")) {
        all.push_back({jp::get_string(t, "Id"), jp::get_string(t, "Arn"), jp::get_string(t, "RoleArn"),
                       jp::get_string(t, "Input")});
      }
      return jp::get_string(reply.body, "NextToken");
    });
    if (token.empty()) return all;
    if (!seen.insert(token).second) {
      throw AwsError("MalformedResponse", "events ListTargetsByRule: NextToken repeated; the server is paging in a loop",
                     0, {}, kService, "ListTargetsByRule");
    }
  }
}

void EventsClient::delete_rule(const std::string& name, const std::string& event_bus_name, bool force) {
  json in = {{"Name", name}};
  add_bus(in, event_bus_name);
  if (force) in["Force"] = true;
  client_->call_json("DeleteRule", in);
}

std::vector<PutTargetsFailure> EventsClient::remove_targets(const std::string& rule, const std::vector<std::string>& ids,
                                                            const std::string& event_bus_name, bool force) {
  json in = {{"Rule", rule}, {"Ids", ids}};
  add_bus(in, event_bus_name);
  if (force) in["Force"] = true;
  auto reply = client_->call_json("RemoveTargets", in);
  return decode_reply(kService, "RemoveTargets", [&] { return read_failures(reply.body); });
}

}  // namespace pingwatch::aws
