#pragma once
// EC2's view of nodes by instance id: one lookup for watch (why a node vanished, its tags) and for
// `pingwatch status` (Name tags).
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "aws/ec2_client.h"
#include "monitor/watch.h"

namespace pingwatch::monitor {

// Ids per DescribeInstances call (one instance-id filter's values).
inline constexpr std::size_t kEc2IdsPerCall = 100;

// The EC2 instances among `ids`, by id; ids not starting "i-" (hybrid mi- nodes) are not asked about. An
// instance-id filter, not InstanceId.N: one id EC2 no longer knows would fail the whole call with
// InvalidInstanceID.NotFound, while a filter simply leaves it out. `calls` counts the requests made, also when
// one throws (what the client throws is passed on).
std::map<std::string, aws::Ec2Instance> describe_ec2_instances(aws::Ec2Client& ec2, const std::vector<std::string>& ids,
                                                               long& calls);

// Why each EC2 instance among `ids` is no longer managed (stopped, terminated, running without the agent)
// and its tags. An instance EC2 does not report is terminated: EC2 forgets them about an hour after.
FleetReader::Ec2Facts ec2_facts_for(aws::Ec2Client& ec2, const std::vector<std::string>& ids, long& calls);

}  // namespace pingwatch::monitor
