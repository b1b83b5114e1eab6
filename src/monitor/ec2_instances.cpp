#include "monitor/ec2_instances.h"

#include <algorithm>
#include <iterator>

namespace pingwatch::monitor {
namespace {

bool is_ec2_instance_id(const std::string& id) { return id.rfind("i-", 0) == 0; }

core::VanishedReason reason_of(const std::string& state) {
  if (state == "stopped" || state == "stopping") return core::VanishedReason::Stopped;
  if (state == "terminated" || state == "shutting-down") return core::VanishedReason::Terminated;
  return core::VanishedReason::RunningUnmanaged;
}

}  // namespace

std::map<std::string, aws::Ec2Instance> describe_ec2_instances(aws::Ec2Client& ec2, const std::vector<std::string>& ids,
                                                               long& calls) {
  std::vector<std::string> ec2_ids;
  std::copy_if(ids.begin(), ids.end(), std::back_inserter(ec2_ids), is_ec2_instance_id);
  std::map<std::string, aws::Ec2Instance> found;
  for (std::size_t i = 0; i < ec2_ids.size(); i += kEc2IdsPerCall) {
    const auto end = std::min(ec2_ids.size(), i + kEc2IdsPerCall);
    aws::DescribeInstancesRequest req;
    req.filters.push_back({"instance-id", {ec2_ids.begin() + static_cast<std::ptrdiff_t>(i),
                                           ec2_ids.begin() + static_cast<std::ptrdiff_t>(end)}});
    ++calls;
    for (auto& inst : ec2.describe_all_instances(req)) {
      std::string id = inst.instance_id;
      found.insert_or_assign(std::move(id), std::move(inst));
    }
  }
  return found;
}

FleetReader::Ec2Facts ec2_facts_for(aws::Ec2Client& ec2, const std::vector<std::string>& ids, long& calls) {
  FleetReader::Ec2Facts facts;
  const auto found = describe_ec2_instances(ec2, ids, calls);
  for (const auto& id : ids) {
    if (!is_ec2_instance_id(id)) continue;
    const auto it = found.find(id);
    if (it == found.end()) {
      facts.reasons[id] = core::VanishedReason::Terminated;
      continue;
    }
    facts.tags[id] = it->second.tags;
    facts.reasons[id] = reason_of(it->second.state_name);
  }
  return facts;
}

}  // namespace pingwatch::monitor
