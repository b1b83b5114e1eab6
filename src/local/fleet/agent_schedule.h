#pragma once
// When a simulated SSM Agent pings, as a pure function of a few numbers, so 100,000 agents cost nothing
// per tick: an agent pings at anchor + k * interval (k >= 0) for as long as it can reach SSM, i.e. at
// instants strictly before silent_from; before anchor (a pending resume) the last ping is prior_last_ping.
#include <limits>

namespace pingwatch::local::fleet {

inline constexpr double kNever = std::numeric_limits<double>::infinity();

struct AgentSchedule {
  double anchor = 0;             // a ping instant (sim epoch seconds)
  double prior_last_ping = 0;    // last ping before anchor
  double silent_from = kNever;   // no ping at or after this instant
};

// The newest ping at or before now.
double last_ping_at(const AgentSchedule& schedule, double interval_seconds, double now);

// The agent's hibernation: after it lost SSM at silent_since it retries 5 min later, then doubles the wait
// up to 1 h (5, 10, 20, 40, 60, 60, ... minutes). Returns the first retry instant at or after `from`.
double next_hibernation_retry(double silent_since, double from);

}  // namespace pingwatch::local::fleet
