#include "core/watch_policy.h"

#include <algorithm>
#include <cmath>

namespace pingwatch::core {

std::string_view to_string(TransitionKind kind) {
  switch (kind) {
    case TransitionKind::Lost: return "lost";
    case TransitionKind::UnhealthyAtStart: return "unhealthy-at-start";
    case TransitionKind::Vanished: return "vanished";
    case TransitionKind::Stale: return "stale";
    case TransitionKind::Recovered: return "recovered";
    case TransitionKind::Appeared: return "appeared";
  }
  return "lost";
}

std::optional<TransitionKind> parse_transition_kind(std::string_view text) {
  for (TransitionKind kind : kAllTransitionKinds) {
    if (to_string(kind) == text) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(VanishedReason reason) {
  switch (reason) {
    case VanishedReason::Unknown: return "unknown";
    case VanishedReason::Stopped: return "stopped";
    case VanishedReason::Terminated: return "terminated";
    case VanishedReason::RunningUnmanaged: return "running-but-unmanaged";
  }
  return "unknown";
}

std::optional<VanishedReason> parse_vanished_reason(std::string_view text) {
  for (VanishedReason r : {VanishedReason::Unknown, VanishedReason::Stopped, VanishedReason::Terminated,
                           VanishedReason::RunningUnmanaged}) {
    if (to_string(r) == text) return r;
  }
  return std::nullopt;
}

bool window_active(const MaintenanceWindow& window, EpochSeconds now) {
  if (window.daily) {
    // Minute of the UTC day; a window whose end is before its start wraps midnight.
    const double day = 86400.0;
    const double seconds_of_day = now - std::floor(now / day) * day;
    const int minute = static_cast<int>(seconds_of_day / 60.0);
    if (window.start_minute <= window.end_minute) {
      return minute >= window.start_minute && minute < window.end_minute;
    }
    return minute >= window.start_minute || minute < window.end_minute;
  }
  if (window.start && now < *window.start) return false;
  if (window.end && now >= *window.end) return false;
  return window.start.has_value() || window.end.has_value();
}

bool window_applies(const MaintenanceWindow& window, const std::string& instance_id,
                    const std::map<std::string, std::string>& tags) {
  if (!window.instance_ids.empty() &&
      std::find(window.instance_ids.begin(), window.instance_ids.end(), instance_id) == window.instance_ids.end()) {
    return false;
  }
  if (!window.tag_key.empty()) {
    auto it = tags.find(window.tag_key);
    if (it == tags.end()) return false;
    if (!window.tag_value.empty() && it->second != window.tag_value) return false;
  }
  return true;
}

bool WatchPolicy::notifies(TransitionKind kind) const {
  switch (kind) {
    case TransitionKind::Lost: return notify_lost;
    case TransitionKind::UnhealthyAtStart: return notify_unhealthy_at_start;
    case TransitionKind::Vanished: return notify_vanished;
    case TransitionKind::Stale: return notify_stale;
    case TransitionKind::Recovered: return notify_recovered;
    case TransitionKind::Appeared: return notify_appeared;
  }
  return false;
}

bool WatchPolicy::notifies_vanished(VanishedReason reason) const {
  if (!notify_vanished) return false;
  switch (reason) {
    case VanishedReason::Unknown: return notify_vanished_unknown;
    case VanishedReason::Stopped: return notify_vanished_stopped;
    case VanishedReason::Terminated: return notify_vanished_terminated;
    case VanishedReason::RunningUnmanaged: return notify_vanished_running_unmanaged;
  }
  return true;
}

}  // namespace pingwatch::core
