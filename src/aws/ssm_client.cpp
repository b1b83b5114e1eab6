#include "aws/ssm_client.h"

#include <set>
#include <stdexcept>

#include "aws/error_parse.h"
#include "aws/json_protocol.h"

namespace pingwatch::aws {

using nlohmann::json;
namespace jp = json_protocol;

ServiceInfo SsmClient::service_info() { return ServiceInfo{"ssm", "ssm", "SSM", "ssm"}; }

ProtocolInfo SsmClient::protocol_info() { return ProtocolInfo{Protocol::Json11, "AmazonSSM", "2014-11-06", "", false}; }

json encode_describe_instance_information(const DescribeInstanceInformationRequest& request) {
  if (!request.filters.empty() && !request.instance_information_filter_list.empty()) {
    // SSM rejects the pair with InvalidFilter; say so before spending a call.
    throw std::invalid_argument(
        "DescribeInstanceInformation: Filters and InstanceInformationFilterList cannot be combined; use Filters");
  }
  json input = json::object();
  if (!request.filters.empty()) {
    json filters = json::array();
    for (const auto& f : request.filters) filters.push_back({{"Key", f.key}, {"Values", f.values}});
    input["Filters"] = std::move(filters);
  }
  if (!request.instance_information_filter_list.empty()) {
    json filters = json::array();
    for (const auto& f : request.instance_information_filter_list) {
      filters.push_back({{"key", f.key}, {"valueSet", f.values}});
    }
    input["InstanceInformationFilterList"] = std::move(filters);
  }
  if (request.max_results) input["MaxResults"] = *request.max_results;
  if (!request.next_token.empty()) input["NextToken"] = request.next_token;
  return input;
}

core::ManagedNode decode_instance_information(const json& item) {
  if (!item.is_object()) throw DecodeError(std::string("InstanceInformationList item is ") + item.type_name());
  core::ManagedNode node;
  node.instance_id = jp::get_string(item, "InstanceId");
  if (node.instance_id.empty()) throw DecodeError("InstanceInformationList item has no InstanceId");
  node.ping_status_raw = jp::get_string(item, "PingStatus");
  node.ping_status = core::parse_ping_status(node.ping_status_raw);
  if (auto t = jp::get_timestamp(item, "LastPingDateTime")) node.last_ping = jp::to_epoch_seconds(*t);
  node.agent_version = jp::get_string(item, "AgentVersion");
  node.is_latest_version = jp::get_bool(item, "IsLatestVersion");
  node.platform_type = jp::get_string(item, "PlatformType");
  node.platform_name = jp::get_string(item, "PlatformName");
  node.platform_version = jp::get_string(item, "PlatformVersion");
  node.activation_id = jp::get_string(item, "ActivationId");
  node.iam_role = jp::get_string(item, "IamRole");
  if (auto t = jp::get_timestamp(item, "RegistrationDate")) node.registration_date = jp::to_epoch_seconds(*t);
  node.resource_type = jp::get_string(item, "ResourceType");
  node.name = jp::get_string(item, "Name");
  node.ip_address = jp::get_string(item, "IPAddress");
  node.computer_name = jp::get_string(item, "ComputerName");
  node.association_status = jp::get_string(item, "AssociationStatus");
  node.source_id = jp::get_string(item, "SourceId");
  node.source_type = jp::get_string(item, "SourceType");
  return node;
}

DescribeInstanceInformationPage SsmClient::describe_instance_information(
    const DescribeInstanceInformationRequest& request) {
  static const std::string op = "DescribeInstanceInformation";
  auto reply = client_->call_json(op, encode_describe_instance_information(request));
  return decode_reply("ssm", op, [&] {
    DescribeInstanceInformationPage page;
    const json& list = jp::get_array(reply.body, "InstanceInformationList");
    page.nodes.reserve(list.size());
    for (const auto& item : list) page.nodes.push_back(decode_instance_information(item));
    page.next_token = jp::get_string(reply.body, "NextToken");
    page.server_time = reply.server_time;
    page.request_id = reply.request_id;
    return page;
  });
}

int SsmClient::for_each_instance_information_page(DescribeInstanceInformationRequest request,
                                                  const PageCallback& on_page, int max_pages) {
  std::set<std::string> seen_tokens;
  int pages = 0;
  int resumes = 0;
  for (;;) {
    DescribeInstanceInformationPage page;
    try {
      page = describe_instance_information(request);
    } catch (const std::exception& e) {
      // A listing under way is worth resuming: a page that failed after the SDK's retries (throttling, a 5xx,
      // a dropped connection) is asked for again with the same NextToken, after a growing pause, instead of
      // losing the pages already read. The first page is not: a dead endpoint or a refusal fails at once.
      const auto* aws = dynamic_cast<const AwsError*>(&e);
      const bool transient = dynamic_cast<const TransportError*>(&e) != nullptr || (aws && aws->retryable);
      if (pages == 0 || !transient || resumes >= kListingResumes) throw;
      ++resumes;
      client_->config().sleep(std::chrono::milliseconds(500) * (1 << (resumes - 1)));
      continue;
    }
    ++pages;
    resumes = 0;   // per page: a listing that keeps making progress keeps going
    const bool keep_going = on_page(page);
    if (!keep_going || page.next_token.empty() || (max_pages > 0 && pages >= max_pages)) return pages;
    // A server that hands back a token it already gave would page forever.
    if (!seen_tokens.insert(page.next_token).second) {
      throw AwsError("MalformedResponse",
                     "ssm DescribeInstanceInformation: NextToken repeated after " + std::to_string(pages) +
                         " pages; the server is paging in a loop",
                     0, page.request_id, "ssm", "DescribeInstanceInformation");
    }
    request.next_token = page.next_token;
  }
}

core::FleetSnapshot SsmClient::describe_all_instance_information(DescribeInstanceInformationRequest request) {
  core::FleetSnapshot snapshot;
  for_each_instance_information_page(std::move(request), [&](const DescribeInstanceInformationPage& page) {
    for (const auto& n : page.nodes) snapshot.nodes.push_back(n);
    snapshot.server_time = jp::to_epoch_seconds(page.server_time);
    return true;
  });
  snapshot.complete = true;
  return snapshot;
}

std::map<std::string, std::string> SsmClient::list_tags_for_resource(const std::string& resource_type,
                                                                     const std::string& resource_id) {
  static const std::string op = "ListTagsForResource";
  auto reply = client_->call_json(op, json{{"ResourceType", resource_type}, {"ResourceId", resource_id}});
  return decode_reply("ssm", op, [&] {
    std::map<std::string, std::string> tags;
    for (const auto& t : jp::get_array(reply.body, "TagList")) tags[jp::get_string(t, "Key")] = jp::get_string(t, "Value");
    return tags;
  });
}

}  // namespace pingwatch::aws
