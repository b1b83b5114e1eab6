// DescribeInstanceInformation: filters (current and legacy), MaxResults, NextToken, every field.
//
// Cost: nodes are sorted by id and the NextToken carries the last id examined, so a page costs a binary
// search plus the nodes walked to fill it: O(page) without filters or with InstanceIds, and bounded by
// kScanBudget nodes with selective filters (a short page with a NextToken then, as AWS also returns).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

#include "local/ssm/ssm_service.h"
#include "local/ssm/token.h"

namespace pingwatch::local {

namespace {

constexpr std::size_t kScanBudget = 20000;   // nodes examined per request at most
constexpr std::size_t kPeekWindow = 256;     // look-ahead to avoid a NextToken that leads to nothing

using Predicate = std::function<bool(const fleet::Fleet&, const fleet::Node&, double now)>;

struct Query {
  std::vector<Predicate> predicates;
  std::optional<std::vector<std::string>> instance_ids;   // sorted, unique: walk these instead of the fleet
  std::string fingerprint;                                // what NextToken is bound to
};

[[noreturn]] void filter_value_error(const std::string& message) {
  throw ServiceError(400, "InvalidInstanceInformationFilterValue", message);
}

bool in(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

void check_enum(const std::string& key, const std::vector<std::string>& values, const std::vector<std::string>& allowed) {
  for (const auto& v : values) {
    if (!in(allowed, v)) filter_value_error(key + " filter is invalid, valid values are " + join(allowed));
  }
}

// What SSM reports: the agent's state, or a value the fleet file forces (a status AWS might add one day).
std::string_view status_name(const fleet::Fleet& f, const fleet::Node& n, double now) {
  if (!n.reported_ping_status.empty()) return n.reported_ping_status;
  return f.status(n, now) == fleet::Status::Online ? "Online" : "ConnectionLost";
}

// One filter (both forms end up here). Keys are as AWS spells them in either list.
void add_filter(Query& q, const std::string& key, std::vector<std::string> values) {
  if (key == "InstanceIds") {
    for (const auto& id : values) {
      if (!fleet::valid_instance_id(id)) {
        throw ServiceError(400, "InvalidInstanceId", "Instances [[" + id + "]] not in a valid state for account");
      }
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (q.instance_ids) {   // two InstanceIds filters: the intersection
      std::vector<std::string> both;
      std::set_intersection(q.instance_ids->begin(), q.instance_ids->end(), values.begin(), values.end(),
                            std::back_inserter(both));
      values = both;
    }
    q.instance_ids = values;
    return;
  }
  if (key == "PingStatus") {
    check_enum(key, values, {"Online", "ConnectionLost", "Inactive"});
    q.predicates.push_back([values](const fleet::Fleet& f, const fleet::Node& n, double now) {
      return in(values, std::string(status_name(f, n, now)));
    });
  } else if (key == "PlatformTypes" || key == "PlatformType") {
    check_enum(key, values, {"Windows", "Linux", "MacOS"});
    q.predicates.push_back([values](const fleet::Fleet&, const fleet::Node& n, double) { return in(values, n.platform_type); });
  } else if (key == "ResourceType") {
    if (values.size() != 1) filter_value_error("ResourceType filter may contain only one value.");
    check_enum(key, values, {"EC2Instance", "ManagedInstance"});
    const bool hybrid = values[0] == "ManagedInstance";
    q.predicates.push_back([hybrid](const fleet::Fleet&, const fleet::Node& n, double) { return n.hybrid == hybrid; });
  } else if (key == "AgentVersion") {
    q.predicates.push_back([values](const fleet::Fleet&, const fleet::Node& n, double) { return in(values, n.agent_version); });
  } else if (key == "ActivationIds") {
    q.predicates.push_back([values](const fleet::Fleet&, const fleet::Node& n, double) { return in(values, n.activation_id); });
  } else if (key == "IamRole") {
    q.predicates.push_back([values](const fleet::Fleet&, const fleet::Node& n, double) { return in(values, n.iam_role); });
  } else if (key == "AssociationStatus") {
    check_enum(key, values, {"Success", "Pending", "Failed"});
    q.predicates.push_back([values](const fleet::Fleet&, const fleet::Node& n, double) { return in(values, n.association_status); });
  } else if (key == "SourceIds") {
    q.predicates.push_back([values](const fleet::Fleet&, const fleet::Node& n, double) { return in(values, n.id); });
  } else if (key == "SourceTypes") {
    check_enum(key, values, {"AWS::EC2::Instance", "AWS::SSM::ManagedInstance", "AWS::IoT::Thing"});
    q.predicates.push_back([values](const fleet::Fleet&, const fleet::Node& n, double) {
      return in(values, n.hybrid ? "AWS::SSM::ManagedInstance" : "AWS::EC2::Instance");
    });
  } else if (key == "tag-key") {
    q.predicates.push_back([values](const fleet::Fleet&, const fleet::Node& n, double) {
      return std::any_of(n.tags.begin(), n.tags.end(), [&](const auto& t) { return in(values, t.first); });
    });
  } else if (key.starts_with("tag:") && key.size() > 4) {
    const std::string tag = key.substr(4);
    q.predicates.push_back([tag, values](const fleet::Fleet&, const fleet::Node& n, double) {
      return std::any_of(n.tags.begin(), n.tags.end(), [&](const auto& t) { return t.first == tag && in(values, t.second); });
    });
  } else {
    throw ServiceError(400, "InvalidFilterKey", "The specified key isn't valid.");
  }
}

std::vector<std::string> string_list(const nlohmann::json& values, const std::string& path, ValidationErrors& errors) {
  std::vector<std::string> out;
  if (values.is_null()) {
    errors.add("null", path, "Member must not be null");
    return out;
  }
  if (!values.is_array()) throw ServiceError(400, "SerializationException", "Unexpected value type for " + path);
  for (const auto& v : values) {
    if (!v.is_string()) throw ServiceError(400, "SerializationException", "Unexpected value type in " + path);
    out.push_back(v.get<std::string>());
  }
  if (out.empty()) errors.add("[]", path, "Member must have length greater than or equal to 1");
  if (out.size() > 100) errors.add("[" + join(out) + "]", path, "Member must have length less than or equal to 100");
  return out;
}

Query parse_query(const nlohmann::json& input) {
  Query q;
  const auto filters = input.value("Filters", nlohmann::json());
  const auto legacy = input.value("InstanceInformationFilterList", nlohmann::json());
  if ((!filters.is_null() && !filters.is_array()) || (!legacy.is_null() && !legacy.is_array())) {
    throw ServiceError(400, "SerializationException", "Filters must be a list");
  }
  const bool has_filters = filters.is_array() && !filters.empty();
  const bool has_legacy = legacy.is_array() && !legacy.empty();
  if (has_filters && has_legacy) {
    throw ServiceError(400, "ValidationException",
                       "Filters and InstanceInformationFilterList cannot be used together. Use Filters.");
  }
  ValidationErrors errors;
  std::vector<std::pair<std::string, std::vector<std::string>>> parsed;
  if (has_legacy) {
    static const std::vector<std::string> kLegacyKeys = {"InstanceIds", "AgentVersion", "PingStatus", "PlatformTypes",
                                                         "ActivationIds", "IamRole", "ResourceType", "AssociationStatus"};
    for (std::size_t i = 0; i < legacy.size(); ++i) {
      const auto& f = legacy[i];
      const std::string base = "instanceInformationFilterList." + std::to_string(i + 1) + ".member.";
      if (!f.is_object()) throw ServiceError(400, "SerializationException", "Unexpected value type for " + base);
      const std::string key = f.value("key", "");
      if (!f.contains("key")) errors.add("null", base + "key", "Member must not be null");
      else if (!in(kLegacyKeys, key)) {
        errors.add(key, base + "key", "Member must satisfy enum value set: [" + join(kLegacyKeys) + "]");
      }
      parsed.emplace_back(key, string_list(f.value("valueSet", nlohmann::json()), base + "valueSet", errors));
    }
  }
  if (has_filters) {
    for (std::size_t i = 0; i < filters.size(); ++i) {
      const auto& f = filters[i];
      const std::string base = "filters." + std::to_string(i + 1) + ".member.";
      if (!f.is_object()) throw ServiceError(400, "SerializationException", "Unexpected value type for " + base);
      if (!f.contains("Key") || !f["Key"].is_string()) errors.add("null", base + "key", "Member must not be null");
      const std::string key = f.value("Key", "");
      if (f.contains("Key") && key.empty()) errors.add(key, base + "key", "Member must have length greater than or equal to 1");
      parsed.emplace_back(key, string_list(f.value("Values", nlohmann::json()), base + "values", errors));
    }
    errors.raise_if_any();
    const bool any_tag = std::any_of(parsed.begin(), parsed.end(), [](const auto& p) {
      return p.first == "tag-key" || p.first.starts_with("tag:");
    });
    const bool any_other = std::any_of(parsed.begin(), parsed.end(), [](const auto& p) {
      return !(p.first == "tag-key" || p.first.starts_with("tag:"));
    });
    if (any_tag && any_other) throw ServiceError(400, "ValidationException", "Cannot mix tag or inventory filter with any other filter.");
  }
  errors.raise_if_any();
  for (auto& [key, values] : parsed) {
    q.fingerprint += key + "=" + join(values) + ";";
    add_filter(q, key, std::move(values));
  }
  return q;
}

nlohmann::json render(const fleet::Fleet& fleet, const fleet::Node& n, double now) {
  nlohmann::json out = {
      {"InstanceId", n.id},
      {"PingStatus", status_name(fleet, n, now)},
      {"LastPingDateTime", std::round(fleet.last_ping(n, now) * 1000) / 1000},
      {"AgentVersion", n.agent_version},
      {"IsLatestVersion", n.is_latest_version},
      {"PlatformType", n.platform_type},
      {"PlatformName", n.platform_name},
      {"PlatformVersion", n.platform_version},
      {"ResourceType", n.hybrid ? "ManagedInstance" : "EC2Instance"},
      {"IPAddress", n.ip_address},
      {"ComputerName", n.computer_name},
      {"SourceId", n.id},
      {"SourceType", n.hybrid ? "AWS::SSM::ManagedInstance" : "AWS::EC2::Instance"},
  };
  if (n.hybrid) {
    out["ActivationId"] = n.activation_id;
    out["IamRole"] = n.iam_role;
    out["RegistrationDate"] = std::round(n.registration_date * 1000) / 1000;
    out["Name"] = n.name;
  }
  if (!n.association_status.empty()) {
    out["AssociationStatus"] = n.association_status;
    // Associations run every 30 minutes in this simulation; reported on the half-hour grid.
    const double last_run = std::floor(now / 1800) * 1800;
    out["LastAssociationExecutionDate"] = last_run;
    if (n.association_status == "Success") out["LastSuccessfulAssociationExecutionDate"] = last_run;
    out["AssociationOverview"] = {{"DetailedStatus", n.association_status},
                                  {"InstanceAssociationStatusAggregatedCount", {{n.association_status, 1}}}};
  }
  return out;
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, value);
}

void append_number(std::string& out, std::string_view name, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, ",\"%.*s\":%.3f", static_cast<int>(name.size()), name.data(), value);
  out += buf;
}

// The same document as render(), written straight into the reply: the hot path of every monitor's poll.
void render_text(std::string& out, const fleet::Fleet& fleet, const fleet::Node& n, double now) {
  out += "{\"InstanceId\":";
  append_json_string(out, n.id);
  append_field(out, "PingStatus", status_name(fleet, n, now));
  append_number(out, "LastPingDateTime", std::round(fleet.last_ping(n, now) * 1000) / 1000);
  append_field(out, "AgentVersion", n.agent_version);
  out += n.is_latest_version ? ",\"IsLatestVersion\":true" : ",\"IsLatestVersion\":false";
  append_field(out, "PlatformType", n.platform_type);
  append_field(out, "PlatformName", n.platform_name);
  append_field(out, "PlatformVersion", n.platform_version);
  append_field(out, "ResourceType", n.hybrid ? "ManagedInstance" : "EC2Instance");
  append_field(out, "IPAddress", n.ip_address);
  append_field(out, "ComputerName", n.computer_name);
  append_field(out, "SourceId", n.id);
  append_field(out, "SourceType", n.hybrid ? "AWS::SSM::ManagedInstance" : "AWS::EC2::Instance");
  if (n.hybrid) {
    append_field(out, "ActivationId", n.activation_id);
    append_field(out, "IamRole", n.iam_role);
    append_number(out, "RegistrationDate", std::round(n.registration_date * 1000) / 1000);
    append_field(out, "Name", n.name);
  }
  if (!n.association_status.empty()) {
    const double last_run = std::floor(now / 1800) * 1800;
    append_field(out, "AssociationStatus", n.association_status);
    append_number(out, "LastAssociationExecutionDate", last_run);
    if (n.association_status == "Success") append_number(out, "LastSuccessfulAssociationExecutionDate", last_run);
    out += ",\"AssociationOverview\":{\"DetailedStatus\":";
    append_json_string(out, n.association_status);
    out += ",\"InstanceAssociationStatusAggregatedCount\":{";
    append_json_string(out, n.association_status);
    out += ":1}}";
  }
  out += '}';
}

}  // namespace

nlohmann::json SsmService::describe_instance_information(const nlohmann::json& input, double now) const {
  nlohmann::json list = nlohmann::json::array();
  const std::string next = describe_page(input, now, [&](const fleet::Fleet& f, const fleet::Node& n) {
    list.push_back(render(f, n, now));
  });
  nlohmann::json out = {{"InstanceInformationList", list}};
  if (!next.empty()) out["NextToken"] = next;
  return out;
}

std::string SsmService::describe_instance_information_text(const nlohmann::json& input, double now) const {
  std::string body = "{\"InstanceInformationList\":[";
  body.reserve(512 * 50);
  bool first = true;
  const std::string next = describe_page(input, now, [&](const fleet::Fleet& f, const fleet::Node& n) {
    if (!first) body += ',';
    first = false;
    render_text(body, f, n, now);
  });
  body += ']';
  if (!next.empty()) {
    body += ",\"NextToken\":";
    append_json_string(body, next);
  }
  body += '}';
  return body;
}

std::string SsmService::describe_page(const nlohmann::json& input, double now,
                                      const std::function<void(const fleet::Fleet&, const fleet::Node&)>& emit) const {
  ValidationErrors errors;
  std::size_t max_results = 10;
  if (auto it = input.find("MaxResults"); it != input.end() && !it->is_null()) {
    if (!it->is_number_integer()) throw ServiceError(400, "SerializationException", "STRING_VALUE can not be converted to an Integer");
    const auto v = it->get<long long>();
    if (v > 50) errors.add(std::to_string(v), "maxResults", "Member must have value less than or equal to 50");
    if (v < 5) errors.add(std::to_string(v), "maxResults", "Member must have value greater than or equal to 5");
    max_results = static_cast<std::size_t>(std::clamp<long long>(v, 5, 50));
  }
  std::string token;
  if (auto it = input.find("NextToken"); it != input.end() && !it->is_null()) {
    if (!it->is_string()) throw ServiceError(400, "SerializationException", "Unexpected value type for NextToken");
    token = it->get<std::string>();
  }
  errors.raise_if_any();
  const Query query = parse_query(input);
  std::string after;
  if (!token.empty()) {
    auto decoded = ssm::decode_next_token(token, query.fingerprint);
    if (!decoded) throw ServiceError(400, "InvalidNextToken", "The specified token isn't valid.");
    after = *decoded;
  }

  auto lock = fleet_->read_lock();
  const fleet::Fleet& f = *fleet_;
  auto matches = [&](const fleet::Node& n) {
    if (!fleet::Fleet::listed_in_ssm(n)) return false;
    return std::all_of(query.predicates.begin(), query.predicates.end(), [&](const auto& p) { return p(f, n, now); });
  };
  std::size_t emitted = 0;
  std::string last_examined;
  bool more = false;
  if (query.instance_ids) {
    const auto& ids = *query.instance_ids;
    auto it = after.empty() ? ids.begin() : std::upper_bound(ids.begin(), ids.end(), after);
    for (; it != ids.end(); ++it) {
      const fleet::Node* n = f.find(*it);
      if (n == nullptr || !matches(*n)) continue;
      if (emitted == max_results) { more = true; break; }
      emit(f, *n);
      ++emitted;
      last_examined = n->id;
    }
  } else {
    const auto& nodes = f.nodes();
    std::size_t i = after.empty() ? 0 : f.lower_bound_index(after);
    if (i < nodes.size() && nodes[i].id == after) ++i;
    std::size_t scanned = 0;
    for (; i < nodes.size(); ++i) {
      if (emitted == max_results) {
        // Is there anything left to page to? Look a little way ahead rather than promise an empty page.
        for (std::size_t j = i; j < nodes.size() && j < i + kPeekWindow; ++j) {
          if (matches(nodes[j]) || j + 1 == i + kPeekWindow) { more = true; break; }
        }
        break;
      }
      if (scanned++ == kScanBudget) { more = true; break; }
      last_examined = nodes[i].id;
      if (matches(nodes[i])) {
        emit(f, nodes[i]);
        ++emitted;
      }
    }
  }
  return more ? ssm::encode_next_token(last_examined, query.fingerprint) : std::string();
}

}  // namespace pingwatch::local
