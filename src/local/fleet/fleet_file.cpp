// --fleet FILE: a JSON document describing nodes and a fault timeline.
//
// {
//   "generate": 20,                                  // optional: also generate N EC2 nodes (--fleet-seed)
//   "nodes": [
//     {"id": "i-0572676272d863124", "platform": "amazon-linux-2023", "tags": {"Name": "Agent-Stop"}},
//     {"id": "mi-0a1b2c3d4e5f67890", "platform": "ubuntu-22.04", "name": "onprem-db",
//      "activation_id": "…", "iam_role": "SSMServiceRole", "registration_date": 1712900000},
//     {"hybrid": true, "platform": "windows-2022"}         // id generated from the seed
//   ],
//   "faults": [{"at_minute": 3, "instance_id": "i-0572676272d863124", "fault": "agent-stop"}]
// }
// Optional node fields: platform_name, platform_version, agent_version, is_latest_version, ip, computer_name,
// association_status, first_ping_offset_seconds (0..interval: when in the 5-minute cycle the agent pings),
// platform_type and ping_status: values SSM reports as they are, even ones it does not document (a future
// "Plan9" or "Hibernating"), to test that a listing loses no node it did not foresee.
#include <cmath>
#include <random>
#include <stdexcept>

#include "local/fleet/fleet.h"
#include "local/fleet/platforms.h"

namespace pingwatch::local::fleet {

namespace {

std::runtime_error field_error(std::size_t index, const std::string& field, const std::string& what) {
  return std::runtime_error("--fleet: nodes[" + std::to_string(index) + "]." + field + ": " + what);
}

std::string optional_string(const nlohmann::json& node, const char* key, std::size_t index, std::string fallback) {
  auto it = node.find(key);
  if (it == node.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw field_error(index, key, "must be a string");
  return it->get<std::string>();
}

std::string random_hex(std::mt19937_64& rng, std::size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  while (out.size() < digits) out += kHex[rng() % 16];
  return out;
}

// The platform fields: the platform's own, each overridable. Throws on an unknown platform.
void read_platform(const nlohmann::json& spec, std::size_t i, Node& node) {
  const std::string platform_key = optional_string(spec, "platform", i, "amazon-linux-2023");
  const Platform* platform = find_platform(platform_key);
  if (platform == nullptr) {
    std::string known;
    for (const auto& p : platform_table()) known += (known.empty() ? "" : ", ") + p.key;
    throw field_error(i, "platform", "unknown '" + platform_key + "'; use one of " + known + " or Linux/Windows/MacOS");
  }
  node.platform_type = optional_string(spec, "platform_type", i, platform->type);
  node.reported_ping_status = optional_string(spec, "ping_status", i, "");
  node.platform_name = optional_string(spec, "platform_name", i, platform->name);
  node.platform_version = optional_string(spec, "platform_version", i, platform->version);
  const auto& latest = agent_versions().front();
  node.agent_version = optional_string(spec, "agent_version", i, node.platform_type == "Windows" ? latest.windows : latest.linux);
  node.is_latest_version = spec.value("is_latest_version", node.agent_version == latest.linux);
}

// A hybrid node's registration: name, activation, role and date.
void read_registration(const nlohmann::json& spec, std::size_t i, std::mt19937_64& rng, double sim_start, Node& node) {
  node.name = optional_string(spec, "name", i, "onprem-" + std::to_string(i + 1));
  node.activation_id = optional_string(spec, "activation_id", i,
                                       random_hex(rng, 8) + "-" + random_hex(rng, 4) + "-" + random_hex(rng, 4) +
                                           "-" + random_hex(rng, 4) + "-" + random_hex(rng, 12));
  node.iam_role = optional_string(spec, "iam_role", i, "SSMServiceRole");
  const auto reg = spec.find("registration_date");
  node.registration_date = reg != spec.end() && reg->is_number() ? reg->get<double>() : sim_start - 86400 * 30;
}

void read_tags(const nlohmann::json& spec, std::size_t i, Node& node) {
  const auto tags = spec.find("tags");
  if (tags == spec.end()) return;
  if (!tags->is_object()) throw field_error(i, "tags", "must be an object of key: value strings");
  for (const auto& [k, v] : tags->items()) {
    if (!v.is_string()) throw field_error(i, "tags." + k, "must be a string");
    node.tags.emplace_back(k, v.get<std::string>());
  }
}

// When in the agent's ping cycle the node pings: first_ping_offset_seconds, else drawn from the seed.
void read_ping_schedule(const nlohmann::json& spec, std::size_t i, std::mt19937_64& rng, double sim_start,
                        double interval, Node& node) {
  double offset = static_cast<double>(rng() % static_cast<std::uint64_t>(interval * 1000)) / 1000.0;
  if (auto it = spec.find("first_ping_offset_seconds"); it != spec.end()) {
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() >= interval) {
      throw field_error(i, "first_ping_offset_seconds", "must be a number in [0, " + std::to_string(interval) + ")");
    }
    offset = it->get<double>();
  }
  node.schedule.anchor = sim_start + offset - interval;
  node.schedule.prior_last_ping = node.schedule.anchor - interval;
}

// nodes[i]. What is not given is drawn from `rng`, always in the same order (the same seed, the same fleet).
Node parse_node(const nlohmann::json& spec, std::size_t i, std::mt19937_64& rng, double sim_start, double interval,
                const std::string& region) {
  if (!spec.is_object()) throw field_error(i, "", "each node must be an object");
  Node node;
  node.hybrid = spec.value("hybrid", false);
  node.id = optional_string(spec, "id", i, "");
  if (node.id.empty()) node.id = (node.hybrid ? "mi-" : "i-0") + random_hex(rng, node.hybrid ? 17 : 16);
  if (!valid_instance_id(node.id)) {
    throw field_error(i, "id", "'" + node.id + "' is not an instance id (i-<17 hex digits> or mi-<17 hex digits>)");
  }
  node.hybrid = node.id.starts_with("mi-");
  read_platform(spec, i, node);
  node.ip_address = optional_string(spec, "ip", i,
                                    (node.hybrid ? "192.168." : "172.31.") + std::to_string(rng() % 256) + "." +
                                        std::to_string(4 + rng() % 250));
  node.computer_name = optional_string(
      spec, "computer_name", i,
      node.hybrid ? optional_string(spec, "name", i, "onprem-" + std::to_string(i + 1)) + ".corp.example.com"
                  : ec2_computer_name(node.ip_address, node.platform_type, region, rng()));
  node.association_status = optional_string(spec, "association_status", i, "");
  if (node.hybrid) read_registration(spec, i, rng, sim_start, node);
  read_tags(spec, i, node);
  read_ping_schedule(spec, i, rng, sim_start, interval, node);
  return node;
}

std::vector<ScheduledFault> parse_faults(const nlohmann::json& document, double sim_start) {
  std::vector<ScheduledFault> out;
  const auto faults = document.value("faults", nlohmann::json::array());
  if (!faults.is_array()) throw std::runtime_error("--fleet: \"faults\" must be an array");
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const auto& f = faults[i];
    const std::string where = "--fleet: faults[" + std::to_string(i) + "]";
    if (!f.is_object() || !f.contains("instance_id") || !f.contains("fault") || !f.contains("at_minute")) {
      throw std::runtime_error(where + ": needs \"at_minute\", \"instance_id\" and \"fault\"");
    }
    auto fault = parse_fault(f["fault"].is_string() ? f["fault"].get<std::string>() : "");
    if (!fault) throw std::runtime_error(where + ".fault: unknown; use one of " + known_faults());
    if (!f["at_minute"].is_number() || f["at_minute"].get<double>() < 0) {
      throw std::runtime_error(where + ".at_minute: must be a non-negative number of simulated minutes after start");
    }
    out.push_back({sim_start + f["at_minute"].get<double>() * 60, f["instance_id"].get<std::string>(), *fault});
  }
  return out;
}

}  // namespace

FleetFile parse_fleet_file(const nlohmann::json& document, double sim_start, double interval, const std::string& region,
                           std::uint64_t seed) {
  if (!document.is_object()) throw std::runtime_error("--fleet: the document must be a JSON object with \"nodes\"");
  FleetFile out;
  if (auto it = document.find("generate"); it != document.end()) {
    if (!it->is_number_unsigned()) throw std::runtime_error("--fleet: \"generate\" must be a non-negative integer");
    out.generate = it->get<std::size_t>();
  }
  std::mt19937_64 rng(seed ^ 0x5eed'f1ee'7000'0001ULL);
  const auto nodes = document.value("nodes", nlohmann::json::array());
  if (!nodes.is_array()) throw std::runtime_error("--fleet: \"nodes\" must be an array");
  for (std::size_t i = 0; i < nodes.size(); ++i) out.nodes.push_back(parse_node(nodes[i], i, rng, sim_start, interval, region));
  out.faults = parse_faults(document, sim_start);
  return out;
}

}  // namespace pingwatch::local::fleet
