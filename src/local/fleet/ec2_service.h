#pragma once
// EC2 DescribeInstances over the simulated fleet (query protocol, signing name ec2).
#include <memory>

#include "local/fleet/fleet.h"
#include "local/service.h"

namespace pingwatch::local {

std::unique_ptr<Service> make_ec2_service(StackContext& context, std::shared_ptr<fleet::Fleet> fleet);

}  // namespace pingwatch::local
