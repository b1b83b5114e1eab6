#include "monitor/rate_limiter.h"

#include <gtest/gtest.h>

#include <vector>

namespace pingwatch::monitor {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

struct FakeClock {
  Steady::time_point now = Steady::time_point(1000s);
  RateLimiter::Clock clock() {
    return [this] { return now; };
  }
  RateLimiter::Sleep sleep() {
    return [this](std::chrono::nanoseconds d) { now += d; };
  }
};

double seconds_since(Steady::time_point a, Steady::time_point b) { return std::chrono::duration<double>(b - a).count(); }

TEST(RateLimiter, ThreePerSecondSpacesCallsAThirdOfASecondApart) {
  FakeClock c;
  RateLimiter limiter(3, 1, c.clock(), c.sleep());
  std::vector<Steady::time_point> at;
  for (int i = 0; i < 10; ++i) {
    limiter.acquire();
    at.push_back(c.now);
  }
  EXPECT_EQ(at[0], Steady::time_point(1000s));   // the first call goes at once
  for (std::size_t i = 1; i < at.size(); ++i) EXPECT_NEAR(seconds_since(at[i - 1], at[i]), 1.0 / 3, 1e-6);
  // Any one-second window holds at most 3 calls.
  for (std::size_t i = 0; i + 3 < at.size(); ++i) EXPECT_GE(seconds_since(at[i], at[i + 3]), 1.0 - 1e-6);
}

TEST(RateLimiter, IdleTimeIsNotBankedBeyondTheBurst) {
  FakeClock c;
  RateLimiter limiter(3, 1, c.clock(), c.sleep());
  limiter.acquire();
  c.now += 10s;   // idle
  EXPECT_EQ(limiter.acquire(), 0ns);
  EXPECT_GT(limiter.acquire(), 300ms);   // the next one waits again: no burst of 30
}

TEST(RateLimiter, BurstAllowsBackToBackCalls) {
  FakeClock c;
  RateLimiter limiter(2, 3, c.clock(), c.sleep());
  EXPECT_EQ(limiter.acquire(), 0ns);
  EXPECT_EQ(limiter.acquire(), 0ns);
  EXPECT_EQ(limiter.acquire(), 0ns);
  EXPECT_NEAR(std::chrono::duration<double>(limiter.acquire()).count(), 0.5, 1e-6);
}

TEST(RateLimiter, DeadlineRefusesWithoutReserving) {
  FakeClock c;
  RateLimiter limiter(1, 1, c.clock(), c.sleep());
  ASSERT_TRUE(limiter.acquire_before(c.now + 5s));
  EXPECT_FALSE(limiter.acquire_before(c.now + 500ms));   // the next slot is 1 s away
  EXPECT_EQ(c.now, Steady::time_point(1000s));           // did not sleep
  auto waited = limiter.acquire_before(c.now + 2s);      // the refused call reserved nothing
  ASSERT_TRUE(waited);
  EXPECT_EQ(*waited, 1s);
}

TEST(RateLimiter, RejectsNonsense) {
  EXPECT_THROW(RateLimiter(0), std::invalid_argument);
  EXPECT_THROW(RateLimiter(3, 0.5), std::invalid_argument);
}

}  // namespace
}  // namespace pingwatch::monitor
