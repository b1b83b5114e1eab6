// [watch] settings: flags > PINGWATCH_WATCH_* > config file > defaults, validated with the key named.
#include <cstdlib>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "aws/query_protocol.h"
#include "monitor/watch.h"

namespace pingwatch::monitor {

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& allowed) {
  throw ConfigError(fmt::format("config: {} = {} is not allowed: {}", key, value, allowed));
}

int minute_of_day(const std::string& key, const std::string& hhmm) {
  int h = -1, m = -1;
  char colon = 0;
  std::istringstream in(hhmm);
  in >> h >> colon >> m;
  if (!in || colon != ':' || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) {
    bad(key, hhmm, "use HH:MM (UTC), e.g. 02:00");
  }
  return h * 60 + m;
}

double parse_time(const std::string& key, const std::string& text) {
  // Epoch seconds or an ISO-8601 UTC timestamp (2024-04-12T08:00:00Z).
  if (!text.empty() && text.find_first_not_of("0123456789.") == std::string::npos) return std::stod(text);
  const auto t = aws::query_protocol::parse_iso8601(text);
  if (!t) bad(key, text, "use epoch seconds or YYYY-MM-DDTHH:MM:SSZ (UTC)");
  return std::chrono::duration<double>(t->time_since_epoch()).count();
}

// "NAME=daily HH:MM-HH:MM[@selector]" or "NAME=START/END[@selector]"; selector "tag:KEY=VALUE" or "i-1,i-2".
core::MaintenanceWindow parse_window(const std::string& key, const std::string& text) {
  core::MaintenanceWindow w;
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) bad(key, text, "use NAME=daily HH:MM-HH:MM[@tag:KEY=VALUE] or NAME=START/END[@i-1,i-2]");
  w.name = text.substr(0, eq);
  std::string spec = text.substr(eq + 1);
  if (const auto at = spec.find('@'); at != std::string::npos) {
    const std::string selector = spec.substr(at + 1);
    spec = spec.substr(0, at);
    if (selector.rfind("tag:", 0) == 0) {
      const auto e2 = selector.find('=');
      w.tag_key = selector.substr(4, e2 == std::string::npos ? std::string::npos : e2 - 4);
      if (e2 != std::string::npos) w.tag_value = selector.substr(e2 + 1);
    } else {
      std::istringstream ids(selector);
      for (std::string id; std::getline(ids, id, ',');) {
        if (!id.empty()) w.instance_ids.push_back(id);
      }
    }
  }
  if (spec.rfind("daily ", 0) == 0) {
    w.daily = true;
    const std::string range = spec.substr(6);
    const auto dash = range.find('-');
    if (dash == std::string::npos) bad(key, text, "a daily window is daily HH:MM-HH:MM (UTC)");
    w.start_minute = minute_of_day(key, range.substr(0, dash));
    w.end_minute = minute_of_day(key, range.substr(dash + 1));
    return w;
  }
  const auto slash = spec.find('/');
  if (slash == std::string::npos) bad(key, text, "use NAME=daily HH:MM-HH:MM or NAME=START/END");
  w.start = parse_time(key, spec.substr(0, slash));
  w.end = parse_time(key, spec.substr(slash + 1));
  if (*w.end <= *w.start) bad(key, text, "the window must end after it starts");
  return w;
}

// watch.shard (PINGWATCH_WATCH_SHARD, --shard): "k/N", or empty for every pair.
std::optional<core::Shard> load_shard(const ConfigSource& source) {
  auto valid = [](const std::string& v) -> std::optional<std::string> {
    std::string why;
    if (v.empty() || core::parse_shard(v, &why)) return std::nullopt;
    return why;
  };
  const std::string text = source.get_string("watch.shard", "", valid);
  if (text.empty()) return std::nullopt;
  return core::parse_shard(text);
}

std::optional<std::string> valid_account_id(const std::string& v) {
  static const std::regex re("^[0-9]{12}$");
  if (std::regex_match(v, re)) return std::nullopt;
  return "use 12-digit AWS account ids, e.g. [\"111111111111\"]";
}

const char* const kAccountsHelp =
    "use ROLE_ARN@REGION[+REGION...], default@REGION[+REGION...] or organization:ROLE_NAME@REGION[+REGION...] "
    "(e.g. organization:PingwatchMember@us-east-1+ap-northeast-1)";

std::vector<std::string> parse_regions(const std::string& entry, const std::string& text) {
  static const std::regex region("^[a-z]{2}(-[a-z]+)+-[0-9]+$");
  std::vector<std::string> out;
  std::istringstream regions(text);
  for (std::string r; std::getline(regions, r, '+');) {
    if (r.empty()) continue;
    if (!std::regex_match(r, region)) bad("watch.accounts", entry, "\"" + r + "\" is not a region name: " + kAccountsHelp);
    out.push_back(r);
  }
  return out;
}

// "ROLE_ARN@r1+r2", "default@r1+r2" (default credentials) or "organization:ROLE_NAME@r1+r2" (at most one).
std::vector<WatchAccount> parse_accounts(const ConfigSource& source) {
  static const std::regex role_name("^[A-Za-z0-9+=,.@_-]{1,64}$");   // IAM role names
  std::vector<WatchAccount> out;
  bool organization_seen = false;
  for (const auto& a : source.get_list("watch.accounts", {})) {
    WatchAccount acct;
    const auto at = a.find('@');
    const std::string who = a.substr(0, at);
    if (at != std::string::npos) acct.regions = parse_regions(a, a.substr(at + 1));
    if (who.rfind("organization:", 0) == 0) {
      acct.organization = true;
      acct.member_role_name = who.substr(13);
      if (!std::regex_match(acct.member_role_name, role_name)) {
        bad("watch.accounts", a, "after organization: comes the member role's name (1 to 64 of A-Z a-z 0-9 +=,.@_-), not an ARN: " +
                                     std::string(kAccountsHelp));
      }
      if (organization_seen) bad("watch.accounts", a, "give one organization: entry (its regions joined with +)");
      organization_seen = true;
    } else if (who != "default") {
      if (who.rfind("arn:", 0) != 0) bad("watch.accounts", a, kAccountsHelp);
      acct.role_arn = who;
    }
    out.push_back(std::move(acct));
  }
  return out;
}

}  // namespace

std::string default_state_path() {
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return std::string(xdg) + "/pingwatch/watch.db";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/state/pingwatch/watch.db";
}

namespace {

// watch.notify: which transitions are told.
void read_notify(const ConfigSource& source, core::WatchPolicy& p) {
  std::vector<std::string> kinds;
  for (auto k : core::kAllTransitionKinds) kinds.emplace_back(core::to_string(k));
  const auto notify = source.get_list("watch.notify", {"lost", "unhealthy-at-start", "vanished", "stale", "recovered"},
                                      one_of(kinds));
  p.notify_lost = p.notify_unhealthy_at_start = p.notify_vanished = p.notify_stale = p.notify_recovered =
      p.notify_appeared = false;
  for (const auto& k : notify) {
    switch (*core::parse_transition_kind(k)) {
      case core::TransitionKind::Lost: p.notify_lost = true; break;
      case core::TransitionKind::UnhealthyAtStart: p.notify_unhealthy_at_start = true; break;
      case core::TransitionKind::Vanished: p.notify_vanished = true; break;
      case core::TransitionKind::Stale: p.notify_stale = true; break;
      case core::TransitionKind::Recovered: p.notify_recovered = true; break;
      case core::TransitionKind::Appeared: p.notify_appeared = true; break;
    }
  }
}

// watch.notify_vanished: which reasons of a vanish are told.
void read_notify_vanished(const ConfigSource& source, core::WatchPolicy& p) {
  const auto reasons = source.get_list("watch.notify_vanished", {"running-but-unmanaged", "unknown"},
                                       one_of({"running-but-unmanaged", "unknown", "stopped", "terminated"}));
  p.notify_vanished_running_unmanaged = p.notify_vanished_unknown = p.notify_vanished_stopped = p.notify_vanished_terminated = false;
  for (const auto& r : reasons) {
    if (r == "running-but-unmanaged") p.notify_vanished_running_unmanaged = true;
    if (r == "unknown") p.notify_vanished_unknown = true;
    if (r == "stopped") p.notify_vanished_stopped = true;
    if (r == "terminated") p.notify_vanished_terminated = true;
  }
}

// watch.ignore_tag: KEY=VALUE, or empty for none.
void read_ignore_tag(const ConfigSource& source, core::WatchPolicy& p) {
  const std::string ignore = source.get_string("watch.ignore_tag", "pingwatch:ignore=true");
  if (ignore.empty()) {
    p.ignore_tag_key.clear();
  } else {
    const auto eq = ignore.find('=');
    if (eq == std::string::npos || eq == 0) bad("watch.ignore_tag", ignore, "use KEY=VALUE, e.g. pingwatch:ignore=true, or empty");
    p.ignore_tag_key = ignore.substr(0, eq);
    p.ignore_tag_value = ignore.substr(eq + 1);
  }
}

// A full inventory often enough that a stale node is seen in time.
void check_full_every(const WatchSettings& s) {
  const auto& p = s.policy;
  if (p.full_inventory_every * s.interval_seconds > p.stale_threshold_seconds() + p.health_interval_seconds) {
    bad("watch.full_every", std::to_string(p.full_inventory_every),
        fmt::format("a full inventory every {} s would let staleness go unseen too long; keep full_every x interval <= {} s",
                    p.full_inventory_every * s.interval_seconds, p.stale_threshold_seconds() + p.health_interval_seconds));
  }
}

}  // namespace

WatchSettings load_watch_settings(const ConfigSource& source) {
  WatchSettings s;
  auto& p = s.policy;
  // The post's environment name for the topic is accepted too.
  s.topic_arn = source.get_string("watch.topic_arn", "", {}, {"PINGWATCH_ALARM_TOPIC_ARN", "CWAlarmSNSTopic"});
  s.state_path = source.get_string("watch.state", default_state_path());
  s.dynamodb_table = source.get_string("watch.dynamodb_table", "", {}, {"PINGWATCH_STATE_TABLE"});
  s.create_table = source.get_bool("watch.create_table", false);
  s.metric_namespace = source.get_string("watch.metric_namespace", "pingwatch");
  s.publish_metrics = source.get_bool("watch.metrics", true);
  s.use_ec2 = source.get_bool("watch.use_ec2", true);
  s.lookup_ignore_tag = source.get_bool("watch.lookup_ignore_tag", true);
  s.page_size = static_cast<int>(source.get_int("watch.page_size", 50, int_range(5, 50)));
  s.lease_seconds = source.get_number("watch.lease_seconds", 120, number_range(10, 3600));
  s.resend_in_doubt = source.get_bool("watch.resend_in_doubt", true);
  s.interval_seconds = static_cast<int>(source.get_int("watch.interval", 60, int_range(10, 3600)));
  p.health_interval_seconds = source.get_number("watch.health_interval", 300, number_range(300, 3600));
  p.stale_grace_seconds = source.get_number("watch.stale_grace", 120, number_range(0, 3600));
  p.hold_cycles = static_cast<int>(source.get_int("watch.hold_cycles", 1, int_range(1, 60)));
  p.full_inventory_every = static_cast<int>(source.get_int("watch.full_every", 10, int_range(1, 1440)));
  p.max_verify_ids = static_cast<std::size_t>(source.get_int("watch.max_verify_ids", 100, int_range(0, 5000)));
  p.digest_threshold = static_cast<std::size_t>(source.get_int("watch.digest_threshold", 10, int_range(0, 100000)));
  p.forget_vanished_after_seconds = source.get_number("watch.forget_vanished_after", 7 * 86400.0, number_range(0, 1e9));

  read_notify(source, p);
  read_notify_vanished(source, p);
  read_ignore_tag(source, p);
  for (const auto& w : source.get_list("watch.maintenance_windows", {})) p.maintenance_windows.push_back(parse_window("watch.maintenance_windows", w));
  s.accounts = parse_accounts(source);
  s.exclude_accounts = source.get_list("watch.exclude_accounts", {}, valid_account_id);
  s.member_failure_cycles = static_cast<int>(source.get_int("watch.member_failure_cycles", 5, int_range(1, 10000)));
  s.shard = load_shard(source);
  check_full_every(s);
  return s;
}

}  // namespace pingwatch::monitor
