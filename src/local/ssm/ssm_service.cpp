#include "local/ssm/ssm_service.h"
#include "local/tags.h"

#include <algorithm>

#include "local/services.h"

namespace pingwatch::local {

void ValidationErrors::add(const std::string& value, const std::string& path, const std::string& constraint) {
  items_.push_back("Value '" + value + "' at '" + path + "' failed to satisfy constraint: " + constraint);
}

std::string ValidationErrors::text() const {
  std::string out = std::to_string(items_.size()) + (items_.size() == 1 ? " validation error" : " validation errors") +
                    " detected: ";
  for (std::size_t i = 0; i < items_.size(); ++i) {
    if (i > 0) out += "; ";
    out += items_[i];
  }
  return out;
}

void ValidationErrors::raise() const { throw ServiceError(400, "ValidationException", text()); }

SsmService::SsmService(StackContext& context, std::shared_ptr<fleet::Fleet> fleet)
    : context_(context), fleet_(std::move(fleet)) {}

Response SsmService::handle(const Request& request) {
  const auto& op = request.operation;
  const nlohmann::json& input = request.json;
  if (!input.is_object()) throw ServiceError(400, "SerializationException", "Start of structure or map found where not expected.");
  if (op == "DescribeInstanceInformation") {
    Response reply;
    reply.headers.emplace_back("Content-Type", request.protocol == WireProtocol::Json10 ? "application/x-amz-json-1.0"
                                                                                      : "application/x-amz-json-1.1");
    reply.body = describe_instance_information_text(input, context_.clock->now());
    return reply;
  }
  if (op == "AddTagsToResource") return json_reply(request, add_tags_to_resource(input));
  if (op == "RemoveTagsFromResource") return json_reply(request, remove_tags_from_resource(input));
  if (op == "ListTagsForResource") return json_reply(request, list_tags_for_resource(input));
  // The error a real endpoint gives for an operation the service does not have.
  throw ServiceError(400, "UnknownOperationException", op.empty() ? "Missing X-Amz-Target" : "");
}

void SsmService::tick(double sim_now) { fleet_->tick(sim_now); }

nlohmann::json SsmService::save() const { return {{"fleet", fleet_->save()}}; }

void SsmService::load(const nlohmann::json& state) {
  if (state.is_object() && state.contains("fleet")) fleet_->load(state["fleet"]);
}

namespace {

constexpr std::size_t kMaxTagsPerResource = 50;

std::string required_string(const nlohmann::json& input, const char* member, const char* path, ValidationErrors& errors) {
  auto it = input.find(member);
  if (it == input.end() || it->is_null()) {
    errors.add("null", path, "Member must not be null");
    return {};
  }
  if (!it->is_string()) throw ServiceError(400, "SerializationException", std::string("Unexpected value type for ") + member);
  return it->get<std::string>();
}

// Resolves ResourceType/ResourceId to a managed node, as SSM does for ResourceType ManagedInstance.
fleet::Node* resolve_node(fleet::Fleet& fleet, const nlohmann::json& input) {
  ValidationErrors errors;
  const std::string type = required_string(input, "ResourceType", "resourceType", errors);
  const std::string id = required_string(input, "ResourceId", "resourceId", errors);
  static const std::vector<std::string> kTypes = {"Document", "ManagedInstance", "MaintenanceWindow", "Parameter",
                                                  "PatchBaseline", "OpsItem", "OpsMetadata", "Automation",
                                                  "Association"};
  if (!type.empty() && std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
    errors.add(type, "resourceType",
               "Member must satisfy enum value set: [Document, ManagedInstance, MaintenanceWindow, Parameter, "
               "PatchBaseline, OpsItem, OpsMetadata, Automation, Association]");
  }
  errors.raise_if_any();
  if (type != "ManagedInstance") {
    // Only managed nodes exist in this stack; any other resource id names nothing.
    throw ServiceError(400, "InvalidResourceId", "The resource ID isn't valid. Verify that you entered the correct ID and try again.");
  }
  fleet::Node* node = fleet.find(id);
  if (node == nullptr || !node->managed || node->ec2_state == fleet::Ec2State::Terminated) {
    throw ServiceError(400, "InvalidResourceId", "The resource ID isn't valid. Verify that you entered the correct ID and try again.");
  }
  return node;
}

}  // namespace

nlohmann::json SsmService::add_tags_to_resource(const nlohmann::json& input) {
  auto tags = input.find("Tags");
  ValidationErrors errors;
  if (tags == input.end() || tags->is_null()) errors.add("null", "tags", "Member must not be null");
  else if (!tags->is_array()) throw ServiceError(400, "SerializationException", "Unexpected value type for Tags");
  else if (tags->size() > 1000) errors.add("[...]", "tags", "Member must have length less than or equal to 1000");
  std::vector<std::pair<std::string, std::string>> parsed;
  if (tags != input.end() && tags->is_array()) {
    for (std::size_t i = 0; i < tags->size(); ++i) {
      const auto& t = (*tags)[i];
      const std::string base = "tags." + std::to_string(i + 1) + ".member.";
      if (!t.is_object()) throw ServiceError(400, "SerializationException", "Unexpected value type for Tags member");
      const std::string key = required_string(t, "Key", (base + "key").c_str(), errors);
      const std::string value = required_string(t, "Value", (base + "value").c_str(), errors);
      if (t.contains("Key") && key.size() > 128) errors.add(key, base + "key", "Member must have length less than or equal to 128");
      if (t.contains("Key") && t["Key"].is_string() && key.empty()) errors.add(key, base + "key", "Member must have length greater than or equal to 1");
      if (value.size() > 256) errors.add(value, base + "value", "Member must have length less than or equal to 256");
      parsed.emplace_back(key, value);
    }
  }
  errors.raise_if_any();
  auto lock = fleet_->write_lock();
  fleet::Node* node = resolve_node(*fleet_, input);
  fleet::Tags merged = node->tags;
  for (const auto& tag : parsed) upsert_tag(merged, tag);
  if (merged.size() > kMaxTagsPerResource) {
    throw ServiceError(400, "TooManyTagsError", "The Targets parameter includes too many tags. Remove one or more tags and try the command again.");
  }
  node->tags = std::move(merged);
  return nlohmann::json::object();
}

nlohmann::json SsmService::remove_tags_from_resource(const nlohmann::json& input) {
  auto keys = input.find("TagKeys");
  ValidationErrors errors;
  if (keys == input.end() || keys->is_null()) errors.add("null", "tagKeys", "Member must not be null");
  else if (!keys->is_array()) throw ServiceError(400, "SerializationException", "Unexpected value type for TagKeys");
  errors.raise_if_any();
  auto lock = fleet_->write_lock();
  fleet::Node* node = resolve_node(*fleet_, input);
  for (const auto& k : *keys) {
    if (!k.is_string()) throw ServiceError(400, "SerializationException", "Unexpected value type for TagKeys member");
    const std::string key = k.get<std::string>();
    std::erase_if(node->tags, [&](const auto& p) { return p.first == key; });
  }
  return nlohmann::json::object();
}

nlohmann::json SsmService::list_tags_for_resource(const nlohmann::json& input) const {
  auto lock = fleet_->read_lock();
  const fleet::Node* node = resolve_node(*fleet_, input);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [k, v] : node->tags) list.push_back({{"Key", k}, {"Value", v}});
  return {{"TagList", list}};
}

std::unique_ptr<SsmService> make_ssm_service_with_fleet(StackContext& context, std::shared_ptr<fleet::Fleet> fleet) {
  return std::make_unique<SsmService>(context, std::move(fleet));
}

}  // namespace pingwatch::local
