#include "runtime/status_render.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "runtime/dashboard_assets.h"

namespace pingwatch::runtime {
namespace {

constexpr core::Condition kConditions[] = {core::Condition::Healthy, core::Condition::Lost, core::Condition::Stale,
                                           core::Condition::Absent};

// Lost first, then absent, then stale, then healthy: what needs a person first.
int urgency(core::Condition c) {
  switch (c) {
    case core::Condition::Lost: return 0;
    case core::Condition::Absent: return 1;
    case core::Condition::Stale: return 2;
    case core::Condition::Healthy: return 3;
  }
  return 3;
}


std::vector<const NodeView*> sorted_nodes(const StatusSnapshot& s, const NodeFilter& filter) {
  std::vector<const NodeView*> out;
  for (const auto& [scope, list] : s.scopes) {
    if (filter.scope && *filter.scope != scope) continue;
    for (const auto& n : list->nodes) {
      if (filter.condition && *filter.condition != n.condition) continue;
      out.push_back(&n);
    }
  }
  std::sort(out.begin(), out.end(), [](const NodeView* a, const NodeView* b) { return listed_before(*a, *b); });
  return out;
}

std::string region_of(const std::string& scope) {
  const auto slash = scope.rfind('/');
  return slash == std::string::npos ? scope : scope.substr(slash + 1);
}

}  // namespace

bool listed_before(const NodeView& a, const NodeView& b) {
  if (urgency(a.condition) != urgency(b.condition)) return urgency(a.condition) < urgency(b.condition);
  if (a.condition != core::Condition::Healthy && a.since != b.since) return a.since < b.since;
  return a.instance_id < b.instance_id;
}

std::string iso8601(double epoch_seconds) {
  const auto secs = static_cast<std::time_t>(std::floor(epoch_seconds));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string age_text(double seconds) {
  const long s = std::max(0L, std::lround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m {}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h {}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}d {}h", s / 86400, (s % 86400) / 3600);
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fleet_manager_url(const std::string& scope, const std::string& instance_id) {
  const std::string region = region_of(scope);
  return fmt::format(
      "https://{0}.console.aws.amazon.com/systems-manager/fleet-manager/managed-nodes/{1}/general?region={0}", region,
      instance_id);
}

std::string render_metrics(const StatusBoard& board, const StatusSnapshot& snapshot) {
  MetricsText out;
  std::size_t nodes = 0;
  for (const auto& [scope, list] : snapshot.scopes) nodes += list->nodes.size();
  out.reserve(4096 + nodes * 110);
  const std::vector<std::string> scope_condition{"scope", "condition"};
  out.family("pingwatch_nodes", "gauge", "Managed nodes by account/region and watch condition, as the last watch cycle left them.");
  for (const auto& [scope, list] : snapshot.scopes) {
    std::map<core::Condition, long> counts;
    for (const auto& n : list->nodes) ++counts[n.condition];
    for (const auto c : kConditions) {
      out.sample("pingwatch_nodes", scope_condition, {scope, std::string(core::to_string(c))}, static_cast<double>(counts[c]));
    }
  }
  const std::vector<std::string> node_labels{"scope", "instance_id", "name"};
  out.family("pingwatch_node_healthy", "gauge", "1 when watch judges the node healthy, else 0 (lost, stale or absent).");
  for (const auto& [scope, list] : snapshot.scopes) {
    for (const auto& n : list->nodes) {
      out.sample("pingwatch_node_healthy", node_labels, {scope, n.instance_id, n.name},
                 n.condition == core::Condition::Healthy ? 1 : 0);
    }
  }
  out.family("pingwatch_last_successful_cycle_timestamp_seconds", "gauge",
             "Unix time at which the job's last successful cycle ended.");
  for (const auto& j : snapshot.jobs) {
    if (j.last_success) out.sample("pingwatch_last_successful_cycle_timestamp_seconds", {"job"}, {j.name}, *j.last_success);
  }
  board.write_counters(out);
  return out.take();
}

std::string render_nodes_json(const StatusSnapshot& snapshot, const NodeFilter& filter) {
  // One small document per node appended to the text: a DOM of 100,000 nodes would cost ~100 MB for a moment.
  const auto nodes = sorted_nodes(snapshot, filter);
  std::string out = "[";
  out.reserve(nodes.size() * 320 + 2);
  for (const NodeView* n : nodes) {
    if (out.size() > 1) out += ',';
    const nlohmann::json node{{"instance_id", n->instance_id},
                   {"name", n->name},
                   {"scope", n->scope},
                   {"condition", core::to_string(n->condition)},
                   {"ping_status", n->ping_status},
                   {"since", iso8601(n->since)},
                   {"last_ping", n->last_ping ? nlohmann::json(iso8601(*n->last_ping)) : nlohmann::json(nullptr)},
                   {"platform", n->platform},
                   {"ip", n->ip},
                   {"agent_version", n->agent_version}};
    out += node.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  out += ']';
  return out;
}

std::string render_transitions_json(const StatusSnapshot& snapshot, std::optional<double> since) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : snapshot.transitions) {
    if (since && t.at < *since) continue;
    list.push_back({{"at", iso8601(t.at)}, {"scope", t.scope}, {"instance_id", t.instance_id}, {"name", t.name},
                    {"kind", t.kind}, {"from", t.from}, {"to", t.to}, {"status", t.status}, {"notified", t.notified}});
  }
  return nlohmann::json{{"transitions", list}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json readiness_json(const StatusSnapshot& snapshot, double now) {
  const Readiness r = readiness(snapshot, now);
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& j : snapshot.jobs) {
    jobs.push_back({{"job", j.name},
                    {"interval_seconds", j.interval_seconds},
                    {"cycles", j.cycles},
                    {"failed_cycles", j.failed_cycles},
                    {"last_success", j.last_success ? nlohmann::json(iso8601(*j.last_success)) : nlohmann::json(nullptr)},
                    {"last_ok", j.last_ok},
                    {"last_error", j.last_error}});
  }
  return {{"ready", r.ready}, {"reasons", r.reasons}, {"jobs", jobs}};
}

std::string render_dashboard_page(const StatusSnapshot& snapshot, double now) {
  std::string page(kDashboardHtml);
  auto replace = [&page](std::string_view marker, std::string_view with) {
    const auto at = page.find(marker);
    if (at != std::string::npos) page.replace(at, marker.size(), with);
  };
  replace("{{STYLE}}", kDashboardCss);
  replace("{{SCRIPT}}", kDashboardJs);
  replace("{{MAIN}}", render_dashboard_main(snapshot, now));
  return page;
}

}  // namespace pingwatch::runtime
