#include "local/fleet/agent_schedule.h"

#include <algorithm>
#include <cmath>

namespace pingwatch::local::fleet {

double last_ping_at(const AgentSchedule& schedule, double interval_seconds, double now) {
  if (now < schedule.anchor || schedule.silent_from <= schedule.anchor) return schedule.prior_last_ping;
  const double k = std::floor((now - schedule.anchor) / interval_seconds);
  double ping = schedule.anchor + k * interval_seconds;
  if (ping >= schedule.silent_from) {
    // The newest ping strictly before silent_from.
    const double before = std::ceil((schedule.silent_from - schedule.anchor) / interval_seconds) - 1;
    ping = schedule.anchor + std::max(0.0, before) * interval_seconds;
  }
  return ping;
}

double next_hibernation_retry(double silent_since, double from) {
  constexpr double kFirst = 5 * 60;
  constexpr double kMax = 60 * 60;
  double wait = kFirst;
  double at = silent_since + wait;
  // Doubling phase: at most a handful of steps before the wait is capped at an hour.
  while (at < from && wait < kMax) {
    wait = std::min(wait * 2, kMax);
    at += wait;
  }
  if (at < from) at += std::ceil((from - at) / kMax) * kMax;
  return at;
}

}  // namespace pingwatch::local::fleet
