// SimClock::client_times: the one rule for the timestamps clients send (docs/local-stack.md "Time").
// A wall-clock timestamp keeps its distance from now (an offset, not the time scale); a simulated one is
// taken as it is; the request's newest timestamp says which clock it speaks.
#include <gtest/gtest.h>

#include "local/sim_clock.h"

using pingwatch::local::SimClock;

namespace {

constexpr double kWall0 = 1796371200;   // 2026-12-04T08:00:00Z: the wall clock when the stack started
constexpr double kHour = 3600;
constexpr double kDay = 86400;

// `pingwatch local --time-scale 60`, sim start = now, asked 10 wall minutes later: 10 simulated hours have gone
// by, so the simulated now is 9 h 50 min ahead of the wall now.
struct AtSixtyTimes : ::testing::Test {
  SimClock clock{kWall0, 60, kWall0};
  double wall_now = kWall0 + 600;
  double sim_now = clock.to_sim(kWall0 + 600);
};

TEST_F(AtSixtyTimes, WallTimestampsKeepTheirDistanceFromNow) {
  ASSERT_DOUBLE_EQ(sim_now, kWall0 + 10 * kHour);
  // boto3's "the last hour": EndTime = now, StartTime = now - 1 h, both on the wall clock.
  auto times = clock.client_times(wall_now, wall_now);
  EXPECT_DOUBLE_EQ(times.to_sim(wall_now), sim_now);
  EXPECT_DOUBLE_EQ(times.to_sim(wall_now - kHour), sim_now - kHour);   // the time scale would give sim now - 60 h
  EXPECT_DOUBLE_EQ(times.to_sim(wall_now - 6 * kHour), sim_now - 6 * kHour);
  EXPECT_DOUBLE_EQ(times.to_sim(wall_now - 15 * kDay), sim_now - 15 * kDay);
}

TEST_F(AtSixtyTimes, AnEndTimeAMinuteAheadIsStillWallTime) {
  auto times = clock.client_times(wall_now + 60, wall_now);
  EXPECT_DOUBLE_EQ(times.to_sim(wall_now + 60), sim_now + 60);
  EXPECT_DOUBLE_EQ(times.to_sim(wall_now - kHour), sim_now - kHour);
}

TEST_F(AtSixtyTimes, SimulatedTimestampsAreTakenAsTheyAre) {
  // A client that stamps the stack's own clock (the Date header, /_local/clock): its newest timestamp is
  // near the simulated now, so the whole request is simulated time, its StartTime 3 h back included.
  auto times = clock.client_times(sim_now, wall_now);
  EXPECT_DOUBLE_EQ(times.shift(), 0);
  EXPECT_DOUBLE_EQ(times.to_sim(sim_now - 3 * kHour), sim_now - 3 * kHour);
  EXPECT_DOUBLE_EQ(clock.client_times(sim_now - 3 * kHour, wall_now).to_sim(sim_now - 3 * kHour), sim_now - 3 * kHour);
}

TEST(SimClockClientTimes, WhileTheClocksAreCloseAWallEndTimeAheadIsStillWallTime) {
  // Two wall seconds after a start at 60x the simulated clock is only 2 minutes ahead. boto3's EndTime a minute
  // ahead is nearer the simulated now (28 s away) than the wall now (90 s away), yet it is the wall clock's.
  SimClock clock(kWall0, 60, kWall0);
  const double wall_now = kWall0 + 2;
  const double sim_now = clock.to_sim(wall_now);
  auto times = clock.client_times(wall_now + 90, wall_now);
  EXPECT_DOUBLE_EQ(times.to_sim(wall_now - 30 * 60), sim_now - 30 * 60);
  // A client stamping the simulated clock then reads as wall time too: off by the gap, 118 s (documented).
  EXPECT_DOUBLE_EQ(clock.client_times(sim_now, wall_now).shift(), sim_now - wall_now);
}

TEST(SimClockClientTimes, ASimStartYearsAgoTellsTheClocksApart) {
  // `make demo`: --sim-start 2024-04-12T08:05:00Z at 60x, two wall minutes in (08:07 + 2 h = 10:05 simulated).
  const double sim_start = 1712909100;
  SimClock clock(sim_start, 60, kWall0);
  const double wall_now = kWall0 + 120;
  const double sim_now = clock.to_sim(wall_now);
  // Someone typing the times the demo printed (08:00 to 10:00 simulated).
  auto typed = clock.client_times(sim_start + 115 * 60, wall_now);
  EXPECT_DOUBLE_EQ(typed.to_sim(sim_start - 5 * 60), sim_start - 5 * 60);
  // The AWS CLI with `date -d '-1 hour'`.
  auto cli = clock.client_times(wall_now, wall_now);
  EXPECT_DOUBLE_EQ(cli.to_sim(wall_now - kHour), sim_now - kHour);
}

TEST(SimClockClientTimes, RealTimeAndSlowClocks) {
  SimClock real(kWall0, 1, kWall0);   // --time-scale 1 from now: both readings agree
  EXPECT_DOUBLE_EQ(real.client_times(kWall0 + 500, kWall0 + 500).to_sim(kWall0 + 100), kWall0 + 100);
  SimClock slow(kWall0, 0.5, kWall0);  // the simulated clock falls behind: wall timestamps move back
  const double wall_now = kWall0 + 2 * kHour;
  EXPECT_DOUBLE_EQ(slow.client_times(wall_now, wall_now).to_sim(wall_now - kHour), kWall0);
  EXPECT_DOUBLE_EQ(slow.client_times(kWall0 + kHour, wall_now).shift(), 0);
}

}  // namespace
