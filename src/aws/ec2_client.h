#pragma once
// EC2 (the ec2 query variant, Version 2016-11-15: Filter.1.Name / InstanceId.1 encoding, XML reply
// without a Result wrapper). Only what pingwatch needs: does an instance still exist, and in what state.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/service_client.h"

namespace pingwatch::aws {

struct Ec2Filter {
  std::string name;                       // instance-state-name, tag:Name, ...
  std::vector<std::string> values;
};

struct DescribeInstancesRequest {
  std::vector<std::string> instance_ids;  // InstanceId.N
  std::vector<Ec2Filter> filters;         // Filter.N.Name / Filter.N.Value.M
  std::optional<int> max_results;         // 5..1000; not allowed together with instance_ids
  std::string next_token;
};

struct Ec2Instance {
  std::string instance_id;
  std::string state_name;                 // pending | running | shutting-down | terminated | stopping | stopped
  std::string instance_type;
  std::string private_ip_address;
  std::map<std::string, std::string> tags;
};

struct DescribeInstancesPage {
  std::vector<Ec2Instance> instances;     // flattened across reservations
  std::string next_token;
};

class Ec2Client : public ClientOf<Ec2Client> {
 public:
  static ServiceInfo service_info();      // ec2 / AWS_ENDPOINT_URL_EC2
  static ProtocolInfo protocol_info();    // Query, 2016-11-15

  using ClientOf::ClientOf;

  DescribeInstancesPage describe_instances(const DescribeInstancesRequest& request);
  std::vector<Ec2Instance> describe_all_instances(DescribeInstancesRequest request);
};

QueryParams encode_describe_instances(const DescribeInstancesRequest& request);

}  // namespace pingwatch::aws
