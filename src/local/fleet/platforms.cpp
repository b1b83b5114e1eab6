#include "local/fleet/platforms.h"

namespace pingwatch::local::fleet {

const std::vector<Platform>& platform_table() {
  static const std::vector<Platform> table = {
      {"amazon-linux-2023", "Linux", "Amazon Linux", "2023", 0.34},
      {"amazon-linux-2", "Linux", "Amazon Linux", "2", 0.22},
      {"ubuntu-22.04", "Linux", "Ubuntu", "22.04", 0.14},
      {"ubuntu-20.04", "Linux", "Ubuntu", "20.04", 0.06},
      {"rhel-9", "Linux", "Red Hat Enterprise Linux", "9.3", 0.05},
      {"windows-2022", "Windows", "Microsoft Windows Server 2022 Datacenter", "10.0.20348", 0.11},
      {"windows-2019", "Windows", "Microsoft Windows Server 2019 Datacenter", "10.0.17763", 0.07},
      {"macos-14", "MacOS", "macOS", "14.4.1", 0.01},
  };
  return table;
}

const std::vector<AgentVersion>& agent_versions() {
  static const std::vector<AgentVersion> versions = {
      {"3.3.380.0", "3.3.380.0"}, {"3.3.131.0", "3.3.131.0"}, {"3.2.2303.0", "3.2.2303.0"},
      {"3.2.1705.0", "3.2.1705.0"}, {"3.1.1732.0", "3.1.1732.0"},
  };
  return versions;
}

std::size_t pick_platform_index(double unit_random) {
  const auto& table = platform_table();
  double total = 0;
  for (const auto& p : table) total += p.weight;
  double x = unit_random * total;
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (x < table[i].weight) return i;
    x -= table[i].weight;
  }
  return table.size() - 1;
}

const Platform* find_platform(std::string_view key_or_type) {
  for (const auto& p : platform_table()) {
    if (p.key == key_or_type) return &p;
  }
  for (const auto& p : platform_table()) {   // a bare type picks that type's most common platform
    if (p.type == key_or_type) return &p;
  }
  return nullptr;
}

}  // namespace pingwatch::local::fleet
