// The same --sim-start and seed give the same fleet however long the stack took to start: the fleet is built from
// the clock's origin, not from its now() a moment later (at 60x a loaded machine's 20 ms is a simulated second).
#include <gtest/gtest.h>

#include "local/fleet/ec2_instance.h"
#include "local/stack.h"

namespace pingwatch::local {

TEST(FleetOrigin, TheFleetStartsAtTheSimulatedStartNotAMomentLater) {
  constexpr double kStart = 1712908800;   // 2024-04-12T08:00:00Z
  StackOptions o;
  o.port = 0;
  o.quiet = true;
  o.fleet.nodes = 5;
  o.fleet.seed = 9;
  o.sim_start = kStart;
  o.time_scale = 1e6;   // a microsecond between the clock and the fleet would be a simulated second
  LocalStack stack(o);
  EXPECT_EQ(stack.fleet().sim_start(), kStart);
  ASSERT_FALSE(stack.fleet().nodes().empty());
  for (const auto& node : stack.fleet().nodes()) {
    if (node.hybrid) continue;   // hybrid nodes have no launch time
    EXPECT_EQ(node.launch_time, fleet::default_launch_time(node.id, kStart)) << node.id;
  }
}

}  // namespace pingwatch::local
