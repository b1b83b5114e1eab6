// The simulated agents on a fake clock: ping schedule, ConnectionLost after silence, every fault,
// cached-credential expiry and the hibernation back-off on recovery.
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>

#include "local/fleet/fleet.h"

namespace pingwatch::local::fleet {
namespace {

constexpr double kStart = 1712908800;   // 2024-04-12T08:00:00Z
constexpr double kMin = 60;

struct FleetWithNode {
  std::unique_ptr<Fleet> fleet;
  std::string id = "i-0572676272d863124";
};

FleetWithNode make(double lost_after = 10 * kMin, double cache = 45 * kMin) {
  const std::string path = ::testing::TempDir() + "/pw_fleet_one-" + std::to_string(::getpid()) + ".json";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(R"({"nodes":[{"id":"i-0572676272d863124","platform":"amazon-linux-2023","first_ping_offset_seconds":60,
                           "tags":{"Name":"Agent-Stop"}}]})", f);
  std::fclose(f);
  FleetOptions options;
  options.fleet_file = path;
  options.connection_lost_after_seconds = lost_after;
  options.credential_cache_seconds = cache;
  return {std::make_unique<Fleet>(options, kStart)};
}

TEST(AgentSchedule, LastPingFollowsTheInterval) {
  AgentSchedule s{kStart, kStart - 300, kNever};
  EXPECT_EQ(last_ping_at(s, 300, kStart - 1), kStart - 300);
  EXPECT_EQ(last_ping_at(s, 300, kStart), kStart);
  EXPECT_EQ(last_ping_at(s, 300, kStart + 299), kStart);
  EXPECT_EQ(last_ping_at(s, 300, kStart + 300), kStart + 300);
  s.silent_from = kStart + 600;   // the ping due exactly at silence does not happen
  EXPECT_EQ(last_ping_at(s, 300, kStart + 5000), kStart + 300);
}

TEST(AgentSchedule, HibernationBacksOffFiveMinutesDoublingToAnHour) {
  const double lost = kStart;
  EXPECT_EQ(next_hibernation_retry(lost, lost), lost + 5 * kMin);
  EXPECT_EQ(next_hibernation_retry(lost, lost + 6 * kMin), lost + 15 * kMin);    // 5 + 10
  EXPECT_EQ(next_hibernation_retry(lost, lost + 16 * kMin), lost + 35 * kMin);   // + 20
  EXPECT_EQ(next_hibernation_retry(lost, lost + 36 * kMin), lost + 75 * kMin);   // + 40
  EXPECT_EQ(next_hibernation_retry(lost, lost + 76 * kMin), lost + 135 * kMin);  // + 60 (capped)
  EXPECT_EQ(next_hibernation_retry(lost, lost + 136 * kMin), lost + 195 * kMin); // + 60
}

TEST(FleetGenerator, StableForASeedAndRealistic) {
  const auto a = generate_nodes(200, 42, kStart, 300, "us-east-1");
  const auto b = generate_nodes(200, 42, kStart, 300, "us-east-1");
  const auto c = generate_nodes(200, 43, kStart, 300, "us-east-1");
  ASSERT_EQ(a.size(), 200u);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_TRUE(valid_instance_id(a[i].id)) << a[i].id;
    EXPECT_EQ(a[i].id.size(), 19u);
    ids.insert(a[i].id);
    EXPECT_FALSE(a[i].tags.empty());
    EXPECT_EQ(a[i].tags.front().first, "Name");
    EXPECT_FALSE(a[i].ip_address.empty());
    EXPECT_FALSE(a[i].computer_name.empty());
    // Every agent pinged within the last interval before start.
    const double last = last_ping_at(a[i].schedule, 300, kStart);
    EXPECT_LE(last, kStart);
    EXPECT_GT(last, kStart - 300);
  }
  EXPECT_EQ(ids.size(), 200u);
  EXPECT_NE(a[0].id, c[0].id);
}

TEST(FleetTiming, HealthyNodeStaysOnline) {
  auto f = make();
  const Node* n = f.fleet->find(f.id);
  ASSERT_NE(n, nullptr);
  for (double t = kStart; t < kStart + 3 * 3600; t += 37) EXPECT_EQ(f.fleet->status(*n, t), Status::Online);
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 61), kStart + 60);
}

TEST(FleetTiming, AgentStopGoesSilentAtOnceAndLosesConnectionAfterTheSilence) {
  auto f = make();
  f.fleet->apply_fault(f.id, Fault::AgentStop, kStart + 2 * kMin);   // last ping was at +1 min
  const Node* n = f.fleet->find(f.id);
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 30 * kMin), kStart + kMin);
  EXPECT_EQ(f.fleet->status(*n, kStart + 11 * kMin), Status::Online);            // 10 min of silence exactly
  EXPECT_EQ(f.fleet->status(*n, kStart + 11 * kMin + 1), Status::ConnectionLost);
  EXPECT_TRUE(Fleet::listed_in_ssm(*n));
}

TEST(FleetTiming, ConnectionLostThresholdIsConfigurable) {
  auto f = make(3 * kMin);
  f.fleet->apply_fault(f.id, Fault::NetworkBlock, kStart + 2 * kMin);
  const Node* n = f.fleet->find(f.id);
  EXPECT_EQ(f.fleet->status(*n, kStart + 4 * kMin), Status::Online);
  EXPECT_EQ(f.fleet->status(*n, kStart + 4 * kMin + 1), Status::ConnectionLost);
}

TEST(FleetTiming, ImdsDisabledKeepsPingingOnCachedCredentialsUntilExpiry) {
  auto f = make();
  const double fault = kStart + 2 * kMin;
  f.fleet->apply_fault(f.id, Fault::ImdsDisabled, fault);
  const Node* n = f.fleet->find(f.id);
  // Pings go on at +6, +11, ..., +46 min (the last before fault + 45 min = +47 min), then stop.
  EXPECT_EQ(f.fleet->status(*n, fault + 40 * kMin), Status::Online);
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 90 * kMin), kStart + 46 * kMin);
  EXPECT_EQ(f.fleet->status(*n, kStart + 56 * kMin), Status::Online);
  EXPECT_EQ(f.fleet->status(*n, kStart + 56 * kMin + 1), Status::ConnectionLost);
}

TEST(FleetTiming, RoleDetachedUsesTheConfiguredCacheLifetime) {
  auto f = make(10 * kMin, 20 * kMin);
  f.fleet->apply_fault(f.id, Fault::RoleDetached, kStart + 2 * kMin);
  const Node* n = f.fleet->find(f.id);
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 90 * kMin), kStart + 21 * kMin);
}

TEST(FleetTiming, RecoverBeforeCredentialsExpireCausesNoGap) {
  auto f = make();
  f.fleet->apply_fault(f.id, Fault::RoleDetached, kStart + 2 * kMin);
  f.fleet->apply_fault(f.id, Fault::Recover, kStart + 20 * kMin);
  const Node* n = f.fleet->find(f.id);
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 120 * kMin + 30), kStart + 116 * kMin);
}

TEST(FleetTiming, StopTerminateAndDeregisterLeaveSsmsList) {
  auto f = make();
  f.fleet->apply_fault(f.id, Fault::Stop, kStart + kMin);
  const Node* n = f.fleet->find(f.id);
  EXPECT_FALSE(Fleet::listed_in_ssm(*n));
  EXPECT_EQ(n->ec2_state, Ec2State::Stopped);
  f.fleet->apply_fault(f.id, Fault::Recover, kStart + 10 * kMin);   // start: the agent pings at boot
  EXPECT_TRUE(Fleet::listed_in_ssm(*n));
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 10 * kMin), kStart + 10 * kMin);
  EXPECT_EQ(f.fleet->status(*n, kStart + 10 * kMin), Status::Online);

  f.fleet->apply_fault(f.id, Fault::Deregister, kStart + 20 * kMin);
  EXPECT_FALSE(Fleet::listed_in_ssm(*n));
  EXPECT_EQ(n->ec2_state, Ec2State::Running);   // running but unmanaged
  f.fleet->apply_fault(f.id, Fault::Recover, kStart + 30 * kMin);
  EXPECT_TRUE(Fleet::listed_in_ssm(*n));

  f.fleet->apply_fault(f.id, Fault::Terminate, kStart + 40 * kMin);
  EXPECT_FALSE(Fleet::listed_in_ssm(*n));
  EXPECT_EQ(n->ec2_state, Ec2State::Terminated);
  EXPECT_THROW(f.fleet->apply_fault(f.id, Fault::Recover, kStart + 50 * kMin), std::invalid_argument);
}

TEST(FleetTiming, RecoverFromNetworkBlockWaitsForTheHibernationRetry) {
  auto f = make();
  const double blocked = kStart + 2 * kMin;
  f.fleet->apply_fault(f.id, Fault::NetworkBlock, blocked);
  // Lost at +2; retries at +7, +17, +37, ... The network comes back at +20: next retry at +37.
  f.fleet->apply_fault(f.id, Fault::Recover, kStart + 20 * kMin);
  const Node* n = f.fleet->find(f.id);
  EXPECT_EQ(f.fleet->status(*n, kStart + 36 * kMin), Status::ConnectionLost);
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 36 * kMin), kStart + kMin);
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 37 * kMin), kStart + 37 * kMin);
  EXPECT_EQ(f.fleet->status(*n, kStart + 37 * kMin), Status::Online);
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 43 * kMin), kStart + 42 * kMin);
}

TEST(FleetTiming, AgentStopRecoverPingsAtOnce) {
  auto f = make();
  f.fleet->apply_fault(f.id, Fault::AgentStop, kStart + 2 * kMin);
  f.fleet->apply_fault(f.id, Fault::Recover, kStart + 30 * kMin);
  const Node* n = f.fleet->find(f.id);
  EXPECT_EQ(f.fleet->last_ping(*n, kStart + 30 * kMin), kStart + 30 * kMin);
}

TEST(FleetTiming, TimelineFaultsApplyAtTheirOwnInstant) {
  const std::string path = ::testing::TempDir() + "/pw_fleet_timeline-" + std::to_string(::getpid()) + ".json";
  FILE* file = std::fopen(path.c_str(), "w");
  std::fputs(R"({"nodes":[{"id":"i-0572676272d863124","first_ping_offset_seconds":60},
                           {"id":"mi-0123456789abcdef0","platform":"ubuntu-22.04","name":"onprem"}],
                 "faults":[{"at_minute":3,"instance_id":"i-0572676272d863124","fault":"agent-stop"},
                           {"at_minute":5,"instance_id":"mi-0123456789abcdef0","fault":"deregister"}]})", file);
  std::fclose(file);
  FleetOptions options;
  options.fleet_file = path;
  Fleet fleet(options, kStart);
  fleet.tick(kStart + 10 * kMin);   // a late tick still applies each fault at its scheduled time
  const Node* ec2 = fleet.find("i-0572676272d863124");
  EXPECT_EQ(ec2->schedule.silent_from, kStart + 3 * kMin);
  EXPECT_EQ(ec2->last_fault, "agent-stop");
  const Node* hybrid = fleet.find("mi-0123456789abcdef0");
  ASSERT_NE(hybrid, nullptr);
  EXPECT_TRUE(hybrid->hybrid);
  EXPECT_FALSE(Fleet::listed_in_ssm(*hybrid));
}

TEST(FleetFile, RejectsBadInput) {
  const std::string path = ::testing::TempDir() + "/pw_fleet_bad-" + std::to_string(::getpid()) + ".json";
  auto write = [&](const char* text) {
    FILE* file = std::fopen(path.c_str(), "w");
    std::fputs(text, file);
    std::fclose(file);
  };
  FleetOptions options;
  options.fleet_file = path;
  write(R"({"nodes":[{"id":"i-xyz"}]})");
  EXPECT_THROW(Fleet(options, kStart), std::runtime_error);
  write(R"({"nodes":[{"id":"i-0572676272d863124","platform":"plan9"}]})");
  EXPECT_THROW(Fleet(options, kStart), std::runtime_error);
  write(R"({"nodes":[],"faults":[{"at_minute":1,"instance_id":"i-0572676272d863124","fault":"agent-stop"}]})");
  EXPECT_THROW(Fleet(options, kStart), std::runtime_error);
  write(R"({"nodes":[{"id":"i-0572676272d863124"}],"faults":[{"at_minute":1,"instance_id":"i-0572676272d863124","fault":"melt"}]})");
  EXPECT_THROW(Fleet(options, kStart), std::runtime_error);
}

TEST(FleetState, SaveAndLoadKeepFaultsAndTags) {
  auto f = make();
  f.fleet->apply_fault(f.id, Fault::NetworkBlock, kStart + 2 * kMin);
  f.fleet->find(f.id)->tags.emplace_back("Owner", "ops");
  const auto saved = f.fleet->save();
  auto g = make();
  g.fleet->load(nlohmann::json::parse(saved.dump()));
  const Node* n = g.fleet->find(f.id);
  EXPECT_EQ(n->schedule.silent_from, kStart + 2 * kMin);
  EXPECT_EQ(n->tags.back().second, "ops");
  EXPECT_EQ(g.fleet->status(*n, kStart + 30 * kMin), Status::ConnectionLost);
}

}  // namespace
}  // namespace pingwatch::local::fleet
