#pragma once
// What `watch` treats as a transition worth telling a person about. Pure data plus small pure helpers;
// the monitor layer fills it from configuration.
#include <cstddef>
#include <map>
#include <string_view>
#include <optional>
#include <string>
#include <vector>

#include "core/managed_node.h"

namespace pingwatch::core {

// The kinds of change watch reports. Names are the wire names (notice JSON, MessageAttributes, metrics).
enum class TransitionKind { Lost, UnhealthyAtStart, Vanished, Stale, Recovered, Appeared };
std::string_view to_string(TransitionKind kind);                    // "lost", "unhealthy-at-start", ...
std::optional<TransitionKind> parse_transition_kind(std::string_view text);
inline constexpr TransitionKind kAllTransitionKinds[] = {TransitionKind::Lost,     TransitionKind::UnhealthyAtStart,
                                                         TransitionKind::Vanished, TransitionKind::Stale,
                                                         TransitionKind::Recovered, TransitionKind::Appeared};

// What EC2 says about a node that left SSM's list (ec2:DescribeInstances), when watch may ask.
enum class VanishedReason { Unknown, Stopped, Terminated, RunningUnmanaged };
std::string_view to_string(VanishedReason reason);   // "unknown", "stopped", "terminated", "running-but-unmanaged"
std::optional<VanishedReason> parse_vanished_reason(std::string_view text);

// A period during which transitions are recorded but not notified. Either absolute [start, end) or,
// when daily is set, every day between start_minute and end_minute (UTC minutes of the day, may wrap
// midnight). Applies to every node unless instance_ids or a tag selector narrows it.
struct MaintenanceWindow {
  std::string name;
  std::optional<EpochSeconds> start;
  std::optional<EpochSeconds> end;
  bool daily = false;
  int start_minute = 0;   // 0..1439, daily windows only
  int end_minute = 0;
  std::vector<std::string> instance_ids;   // empty: all nodes
  std::string tag_key;                     // empty: no tag selector
  std::string tag_value;
};
bool window_active(const MaintenanceWindow& window, EpochSeconds now);
bool window_applies(const MaintenanceWindow& window, const std::string& instance_id,
                    const std::map<std::string, std::string>& tags);

struct WatchPolicy {
  // Which transitions are notified (all are still recorded and counted in metrics).
  bool notify_lost = true;
  bool notify_unhealthy_at_start = true;
  bool notify_vanished = true;
  bool notify_stale = true;
  bool notify_recovered = true;
  bool notify_appeared = false;   // fleets scale all day; opt in
  // Vanished nodes by EC2's answer: only running-but-unmanaged (and unknown, e.g. hybrid mi- nodes or no
  // ec2:DescribeInstances permission) is an alert by default; stopping and terminating are intended.
  bool notify_vanished_stopped = false;
  bool notify_vanished_terminated = false;
  bool notify_vanished_running_unmanaged = true;
  bool notify_vanished_unknown = true;

  // Staleness: Online but LastPingDateTime older than 2 x health interval + grace (default 12 minutes).
  double health_interval_seconds = 300;   // the agent's HealthFrequencyMinutes (default 5)
  double stale_grace_seconds = 120;
  double stale_threshold_seconds() const { return 2 * health_interval_seconds + stale_grace_seconds; }

  // Flap suppression: a new condition must be seen on this many consecutive observations (1 = at once).
  int hold_cycles = 1;

  // Exclusion by tag: nodes carrying this tag with this value are tracked but never notified.
  std::string ignore_tag_key = "pingwatch:ignore";
  std::string ignore_tag_value = "true";
  std::vector<MaintenanceWindow> maintenance_windows;

  // More than this many notices in one cycle become one digest.
  std::size_t digest_threshold = 10;

  // Polling: a full inventory every this many cycles (vanished/new nodes, fresh pings for everyone); other
  // cycles list only nodes not Online plus at most max_verify_ids nodes by InstanceIds (recovery candidates,
  // stale suspects). See docs/watch.md for why this catches staleness within the threshold.
  int full_inventory_every = 10;
  std::size_t max_verify_ids = 100;   // two DescribeInstanceInformation calls of 50 ids

  // Records of vanished nodes are kept (so a return is reported as recovered) for this long.
  double forget_vanished_after_seconds = 7 * 24 * 3600.0;

  bool notifies(TransitionKind kind) const;
  bool notifies_vanished(VanishedReason reason) const;
};

}  // namespace pingwatch::core
