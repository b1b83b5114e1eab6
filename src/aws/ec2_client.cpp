#include "aws/ec2_client.h"

#include <set>

#include "aws/error_parse.h"
#include "aws/query_protocol.h"

namespace pingwatch::aws {

namespace qp = query_protocol;

ServiceInfo Ec2Client::service_info() { return ServiceInfo{"ec2", "ec2", "EC2", "ec2"}; }

ProtocolInfo Ec2Client::protocol_info() {
  return ProtocolInfo{Protocol::Query, "", "2016-11-15", "http://ec2.amazonaws.com/doc/2016-11-15/", false};
}

QueryParams encode_describe_instances(const DescribeInstancesRequest& request) {
  // The ec2 protocol flattens lists without ".member": Filter.1.Name, Filter.1.Value.1, InstanceId.1.
  qp::ParamsBuilder b;
  for (size_t i = 0; i < request.filters.size(); ++i) {
    const std::string f = "Filter." + std::to_string(i + 1);
    b.add(f + ".Name", request.filters[i].name);
    for (size_t j = 0; j < request.filters[i].values.size(); ++j) {
      b.add(f + ".Value." + std::to_string(j + 1), request.filters[i].values[j]);
    }
  }
  for (size_t i = 0; i < request.instance_ids.size(); ++i) {
    b.add("InstanceId." + std::to_string(i + 1), request.instance_ids[i]);
  }
  if (request.max_results) b.add_int("MaxResults", *request.max_results);
  b.add_if("NextToken", request.next_token);
  return b.take();
}

DescribeInstancesPage Ec2Client::describe_instances(const DescribeInstancesRequest& request) {
  if (request.max_results && !request.instance_ids.empty()) {
    throw std::invalid_argument("EC2 DescribeInstances: MaxResults cannot be combined with instance ids");
  }
  auto reply = client_->call_query("DescribeInstances", encode_describe_instances(request));
  return decode_reply("ec2", "DescribeInstances", [&] {
    DescribeInstancesPage page;
    for (const auto& reservation : qp::members(reply.result, "reservationSet", "item")) {
      for (const auto& inst : qp::members(reservation, "instancesSet", "item")) {
        Ec2Instance out;
        out.instance_id = qp::child_text(inst, "instanceId");
        if (out.instance_id.empty()) throw DecodeError("an instancesSet item has no instanceId");
        out.state_name = qp::child_text(inst.child("instanceState"), "name");
        out.instance_type = qp::child_text(inst, "instanceType");
        out.private_ip_address = qp::child_text(inst, "privateIpAddress");
        for (const auto& tag : qp::members(inst, "tagSet", "item")) {
          out.tags[qp::child_text(tag, "key")] = qp::child_text(tag, "value");
        }
        page.instances.push_back(std::move(out));
      }
    }
    page.next_token = qp::child_text(reply.result, "nextToken");
    return page;
  });
}

std::vector<Ec2Instance> Ec2Client::describe_all_instances(DescribeInstancesRequest request) {
  std::vector<Ec2Instance> all;
  std::set<std::string> seen;
  for (;;) {
    DescribeInstancesPage page = describe_instances(request);
    for (auto& i : page.instances) all.push_back(std::move(i));
    if (page.next_token.empty()) return all;
    if (!seen.insert(page.next_token).second) {
      throw AwsError("MalformedResponse", "ec2 DescribeInstances: NextToken repeated; the server is paging in a loop", 0,
                     {}, "ec2", "DescribeInstances");
    }
    request.next_token = page.next_token;
  }
}

}  // namespace pingwatch::aws
