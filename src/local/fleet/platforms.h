#pragma once
// Platforms and SSM Agent versions the simulated fleet draws from, with the names SSM reports
// (PlatformName/PlatformVersion as DescribeInstanceInformation shows them for these AMIs).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pingwatch::local::fleet {

struct Platform {
  std::string key;       // used in --fleet files: "amazon-linux-2023", "windows-2022", ...
  std::string type;      // Linux | Windows | MacOS
  std::string name;
  std::string version;
  double weight;         // share of a generated fleet
};

struct AgentVersion {
  std::string linux;     // newest first: index 0 is the "latest" release
  std::string windows;
};

const std::vector<Platform>& platform_table();
const std::vector<AgentVersion>& agent_versions();
std::size_t pick_platform_index(double unit_random);   // weighted choice
const Platform* find_platform(std::string_view key_or_type);

std::string ec2_computer_name(const std::string& ip, const std::string& platform_type, const std::string& region,
                              std::uint64_t entropy);

}  // namespace pingwatch::local::fleet
