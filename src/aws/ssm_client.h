#pragma once
// Systems Manager (awsJson1_1, X-Amz-Target AmazonSSM.<Op>): managed-node inventory and tags.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/service_client.h"
#include "core/managed_node.h"

namespace pingwatch::aws {

// Filters entry: {"Key": "PingStatus" | "tag:Name" | "tag-key" | ..., "Values": [...]}.
struct SsmFilter {
  std::string key;
  std::vector<std::string> values;
};

struct DescribeInstanceInformationRequest {
  std::vector<SsmFilter> filters;                              // Filters (Key/Values)
  std::vector<SsmFilter> instance_information_filter_list;     // legacy (key/valueSet); exclusive with filters
  std::optional<int> max_results;                              // 5..50, AWS default 10
  std::string next_token;
};

struct DescribeInstanceInformationPage {
  std::vector<core::ManagedNode> nodes;
  std::string next_token;      // empty on the last page
  SystemTime server_time;      // Date header of this page's reply
  std::string request_id;
};

class SsmClient : public ClientOf<SsmClient> {
 public:
  static ServiceInfo service_info();     // ssm / AWS_ENDPOINT_URL_SSM
  static ProtocolInfo protocol_info();   // Json11, AmazonSSM

  using ClientOf::ClientOf;

  // One page.
  DescribeInstanceInformationPage describe_instance_information(const DescribeInstanceInformationRequest& request);

  // Every page in order; on_page returns false to stop early. max_pages 0 = no limit.
  // Returns the number of pages fetched. Throws std::runtime_error if the server repeats a NextToken (loop guard).
  // A page after the first that still fails with a transient error after the SDK's retries is asked for
  // again (same NextToken) up to kListingResumes times per page, 0.5 s, 1 s, 2 s apart, before the error is
  // thrown.
  static constexpr int kListingResumes = 3;
  using PageCallback = std::function<bool(const DescribeInstanceInformationPage&)>;
  int for_each_instance_information_page(DescribeInstanceInformationRequest request, const PageCallback& on_page,
                                         int max_pages = 0);

  // All pages: every node, and server_time = Date of the last page (epoch seconds). complete = true.
  core::FleetSnapshot describe_all_instance_information(DescribeInstanceInformationRequest request = {});

  // ListTagsForResource. For nodes, resource_type "ManagedInstance" and an mi-* id (hybrid nodes); an EC2
  // instance's tags live in EC2 (Ec2Client::describe_instances), not in SSM.
  std::map<std::string, std::string> list_tags_for_resource(const std::string& resource_type,
                                                            const std::string& resource_id);
};

// Encoders/decoders, exposed for tests, the conformance tool and benchmarks.
nlohmann::json encode_describe_instance_information(const DescribeInstanceInformationRequest& request);
core::ManagedNode decode_instance_information(const nlohmann::json& item);   // throws DecodeError

}  // namespace pingwatch::aws
