// Generated fleets: realistic-looking EC2 nodes, identical for the same seed on every machine
// (only raw mt19937_64 output is used; std distributions differ between standard libraries).
#include <cmath>
#include <cstdio>
#include <random>
#include <unordered_set>

#include "local/fleet/fleet.h"
#include "local/fleet/platforms.h"

namespace pingwatch::local::fleet {

namespace {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t next() { return engine_(); }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }
  double unit() { return static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0); }
 private:
  std::mt19937_64 engine_;
};

std::string hex17(Rng& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(17, '0');
  std::uint64_t bits = rng.next();
  for (int i = 0; i < 16; ++i) {
    out[static_cast<std::size_t>(i)] = kHex[bits & 0xf];
    bits >>= 4;
  }
  out[16] = kHex[rng.below(16)];
  return out;
}

constexpr const char* kRoles[] = {"web", "api", "app", "db", "cache", "batch", "worker", "bastion", "queue", "search"};
constexpr const char* kEnvironments[] = {"prod", "prod", "prod", "stg", "dev"};
constexpr const char* kTeams[] = {"platform", "payments", "data", "identity", "growth"};

}  // namespace

std::string ec2_computer_name(const std::string& ip, const std::string& platform_type, const std::string& region,
                              std::uint64_t entropy) {
  if (platform_type == "Windows") {
    static constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string name = "EC2AMAZ-";
    for (int i = 0; i < 7; ++i) {
      name += kAlnum[entropy % 36];
      entropy /= 36;
    }
    return name;
  }
  std::string host = "ip-" + ip;
  for (char& c : host) {
    if (c == '.') c = '-';
  }
  return host + (region == "us-east-1" ? ".ec2.internal" : "." + region + ".compute.internal");
}

std::vector<Node> generate_nodes(std::size_t count, std::uint64_t seed, double sim_start, double interval,
                                 const std::string& region) {
  Rng rng(seed);
  std::vector<Node> nodes;
  nodes.reserve(count);
  std::unordered_set<std::string> seen;
  seen.reserve(count * 2);
  const auto& platforms = platform_table();
  const auto& agents = agent_versions();
  std::size_t ordinal = 0;
  while (nodes.size() < count) {
    Node node;
    node.id = "i-0" + hex17(rng).substr(1);   // EC2 ids of the 17-digit era start with 0
    if (!seen.insert(node.id).second) continue;
    const Platform& platform = platforms[pick_platform_index(rng.unit())];
    node.platform_type = platform.type;
    node.platform_name = platform.name;
    node.platform_version = platform.version;
    const std::size_t agent = rng.below(agents.size());
    node.agent_version = platform.type == "Windows" ? agents[agent].windows : agents[agent].linux;
    node.is_latest_version = agent == 0;
    char ip[32];
    std::snprintf(ip, sizeof ip, "172.31.%zu.%zu", rng.below(256), 4 + rng.below(250));
    node.ip_address = ip;
    node.computer_name = ec2_computer_name(node.ip_address, node.platform_type, region, rng.next());
    const char* role = kRoles[rng.below(std::size(kRoles))];
    const char* env = kEnvironments[rng.below(std::size(kEnvironments))];
    char name[64];
    std::snprintf(name, sizeof name, "%s-%s-%03zu", role, env, ++ordinal % 1000);
    node.tags = {{"Name", name}, {"Environment", env}, {"Role", role}};
    if (rng.below(3) == 0) node.tags.emplace_back("Team", kTeams[rng.below(std::size(kTeams))]);
    if (rng.below(10) < 3) node.association_status = rng.below(20) == 0 ? "Failed" : "Success";
    // Agents have been pinging for a while, each at its own phase of the 5-minute cycle: the newest ping
    // is within the last interval and the next one is `offset` seconds after start.
    const double offset = std::floor(rng.unit() * interval * 1000) / 1000;
    node.schedule.anchor = sim_start + offset - interval;
    node.schedule.prior_last_ping = node.schedule.anchor - interval;
    nodes.push_back(std::move(node));
  }
  return nodes;
}

}  // namespace pingwatch::local::fleet
