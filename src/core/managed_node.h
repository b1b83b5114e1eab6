#pragma once
// One SSM managed node, as DescribeInstanceInformation returns it (every field of InstanceInformation).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/ping_status.h"

namespace pingwatch::core {

// Seconds since the Unix epoch (SSM's JSON sends epoch seconds with fractions).
using EpochSeconds = double;

struct ManagedNode {
  std::string instance_id;
  PingStatus ping_status = PingStatus::Unknown;
  std::string ping_status_raw;                 // exactly what SSM sent, for unknown values
  std::optional<EpochSeconds> last_ping;       // LastPingDateTime
  std::string agent_version;
  std::optional<bool> is_latest_version;
  std::string platform_type;                   // Windows | Linux | MacOS
  std::string platform_name;
  std::string platform_version;
  std::string activation_id;
  std::string iam_role;
  std::optional<EpochSeconds> registration_date;
  std::string resource_type;                   // ManagedInstance | EC2Instance
  std::string name;                            // hybrid nodes only
  std::string ip_address;
  std::string computer_name;
  std::string association_status;
  std::string source_id;
  std::string source_type;
  std::map<std::string, std::string> tags;     // filled only when the caller looked them up
};

// Everything one inventory pass saw, with the server's clock (Date header) at the time.
struct FleetSnapshot {
  std::vector<ManagedNode> nodes;
  EpochSeconds server_time = 0;
  bool complete = true;   // false when paging stopped early (deadline): absent != vanished
};

}  // namespace pingwatch::core
