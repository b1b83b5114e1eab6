#pragma once
// What EC2's DescribeInstances knows about a simulated node beyond what SSM reports: instance type and
// architecture, AMI, the default VPC's subnet and availability zone of its private IP, network interface,
// root volume, instance profile. Every value is derived from the node's id, platform and IP (and the region
// and account), never drawn from the fleet's random stream, so the same node always gets the same values
// and generated fleets keep their ids. Consistent with SSM's view: PrivateIpAddress is SSM's IPAddress,
// Platform/PlatformDetails follow PlatformType/PlatformName.
#include <string>

#include "local/fleet/fleet.h"

namespace pingwatch::local::fleet {

struct Ec2Facts {
  std::string instance_type;        // t3.micro, t4g.small, m5.large, mac2.metal, ...
  std::string architecture;         // x86_64 | arm64 | arm64_mac
  int core_count = 1;
  int threads_per_core = 2;
  std::string image_id;             // one AMI per platform, architecture and region
  std::string vpc_id;               // the account's default VPC in the region
  std::string subnet_id;            // the default subnet holding the private IP (one /20 per zone)
  std::string availability_zone;
  std::string private_dns_name;     // ip-172-31-5-9.ec2.internal: EC2's name, whatever the OS calls itself
  std::string security_group_id;    // the default VPC's "default" group
  std::string network_interface_id;
  std::string attachment_id;
  std::string mac_address;
  std::string volume_id;            // the EBS root volume
  std::string root_device_name;     // /dev/xvda (Amazon Linux) or /dev/sda1
  std::string platform;             // "windows" or "" (EC2 reports Platform only for Windows)
  std::string platform_details;     // Linux/UNIX | Windows | Red Hat Enterprise Linux | SUSE Linux
  std::string usage_operation;      // RunInstances, RunInstances:0002, ...
  std::string boot_mode;            // CurrentInstanceBootMode: legacy-bios | uefi
  std::string tenancy;              // default, or host for Mac (dedicated hosts)
  std::string host_id;              // Mac only
  std::string http_tokens;          // IMDS: required (Amazon Linux 2023's AMI default) or optional
  int hop_limit = 1;
  std::string instance_profile_arn;
  std::string instance_profile_id;
};

Ec2Facts ec2_facts(const Node& node, const std::string& region, const std::string& account_id);

// When a generated or file-defined node was last launched: 1 to 400 days before the fleet came to life, by id.
double default_launch_time(const std::string& instance_id, double sim_start);

}  // namespace pingwatch::local::fleet
