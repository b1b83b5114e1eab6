#include "local/fleet/ec2_instance.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "local/fleet/platforms.h"

namespace pingwatch::local::fleet {
namespace {

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// A resource id of the 17-character era (vpc-0…, eni-0…), from a stable key.
std::string resource_id(const std::string& prefix, const std::string& key) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(prefix + "|" + key)));
  return prefix + "-0" + std::string(hex, 16);
}

struct TypeSpec {
  const char* name;
  const char* architecture;
  int cores;
  int threads_per_core;
};

constexpr TypeSpec kLinuxTypes[] = {{"t3.micro", "x86_64", 1, 2},  {"t3.medium", "x86_64", 1, 2},
                                    {"m5.large", "x86_64", 1, 2},  {"c6i.xlarge", "x86_64", 2, 2},
                                    {"t4g.small", "arm64", 2, 1},  {"m6g.large", "arm64", 2, 1}};
constexpr TypeSpec kWindowsTypes[] = {{"t3.medium", "x86_64", 1, 2}, {"m5.large", "x86_64", 1, 2},
                                      {"m5.xlarge", "x86_64", 2, 2}};
constexpr TypeSpec kMacType = {"mac2.metal", "arm64_mac", 8, 1};

const TypeSpec& pick_type(const Node& node) {
  const std::uint64_t h = fnv1a("type|" + node.id);
  if (node.platform_type == "MacOS") return kMacType;
  if (node.platform_type == "Windows") return kWindowsTypes[h % std::size(kWindowsTypes)];
  return kLinuxTypes[h % std::size(kLinuxTypes)];
}

// The letters of the zones a default VPC spans (ap-northeast-1 has no "b" for new accounts).
std::string zone_letters(const std::string& region) {
  if (region == "us-east-1") return "abcdef";
  if (region == "ap-northeast-1") return "acd";
  if (region == "us-west-1") return "bc";
  return "abc";
}

// Default VPC subnets are consecutive /20 blocks of 172.31.0.0/16, one per zone: the third octet picks it.
int subnet_index(const std::string& ip) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (std::sscanf(ip.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) != 4) return 0;
  return static_cast<int>(c / 16);
}

std::string mac_address(const std::string& id) {
  const std::uint64_t h = fnv1a("mac|" + id);
  char out[18];
  std::snprintf(out, sizeof out, "0e:%02x:%02x:%02x:%02x:%02x", static_cast<unsigned>((h >> 32) & 0xff),
                static_cast<unsigned>((h >> 24) & 0xff), static_cast<unsigned>((h >> 16) & 0xff),
                static_cast<unsigned>((h >> 8) & 0xff), static_cast<unsigned>(h & 0xff));
  return out;
}

void set_platform(Ec2Facts& f, const Node& node) {
  const bool amazon_linux = node.platform_name.find("Amazon Linux") != std::string::npos;
  f.root_device_name = amazon_linux ? "/dev/xvda" : "/dev/sda1";
  f.http_tokens = amazon_linux && node.platform_version == "2023" ? "required" : "optional";
  f.hop_limit = f.http_tokens == "required" ? 2 : 1;
  if (node.platform_type == "Windows") {
    f.platform = "windows";
    f.platform_details = "Windows";
    f.usage_operation = "RunInstances:0002";
  } else if (node.platform_name.find("Red Hat") != std::string::npos) {
    f.platform_details = "Red Hat Enterprise Linux";
    f.usage_operation = "RunInstances:0010";
  } else if (node.platform_name.find("SUSE") != std::string::npos) {
    f.platform_details = "SUSE Linux";
    f.usage_operation = "RunInstances:000g";
  } else {
    f.platform_details = "Linux/UNIX";
    f.usage_operation = "RunInstances";
  }
}

}  // namespace

Ec2Facts ec2_facts(const Node& node, const std::string& region, const std::string& account_id) {
  Ec2Facts f;
  const TypeSpec& type = pick_type(node);
  f.instance_type = type.name;
  f.architecture = type.architecture;
  f.core_count = type.cores;
  f.threads_per_core = type.threads_per_core;
  f.boot_mode = f.architecture == "x86_64" ? "legacy-bios" : "uefi";
  f.image_id = resource_id("ami", region + "|" + node.platform_name + "|" + node.platform_version + "|" + f.architecture);
  const std::string account_region = account_id + "|" + region;
  f.vpc_id = resource_id("vpc", account_region);
  f.security_group_id = resource_id("sg", account_region);
  const int subnet = subnet_index(node.ip_address);
  const std::string letters = zone_letters(region);
  f.availability_zone = region + letters[static_cast<std::size_t>(subnet) % letters.size()];
  f.subnet_id = resource_id("subnet", account_region + "|" + std::to_string(subnet));
  f.private_dns_name = ec2_computer_name(node.ip_address, "Linux", region, 0);
  f.network_interface_id = resource_id("eni", node.id);
  f.attachment_id = resource_id("eni-attach", node.id);
  f.mac_address = mac_address(node.id);
  f.volume_id = resource_id("vol", node.id);
  set_platform(f, node);
  f.tenancy = node.platform_type == "MacOS" ? "host" : "default";
  if (node.platform_type == "MacOS") f.host_id = resource_id("h", node.id);
  f.instance_profile_arn = "arn:aws:iam::" + account_id + ":instance-profile/AmazonSSMRoleForInstancesQuickSetup";
  char profile_id[18];
  std::snprintf(profile_id, sizeof profile_id, "%017llu", static_cast<unsigned long long>(fnv1a(account_id) % 100000000000000000ull));
  f.instance_profile_id = "AIPA" + std::string(profile_id);
  return f;
}

double default_launch_time(const std::string& instance_id, double sim_start) {
  const std::uint64_t h = fnv1a("launch|" + instance_id);
  const double days = 1 + static_cast<double>(h % 400);
  const double seconds = static_cast<double>((h >> 16) % 86400);
  return std::floor(sim_start) - days * 86400 - seconds;
}

}  // namespace pingwatch::local::fleet
