// The dashboard's live part, rendered on the server: the first response is a complete page, and the
// page's script swaps in a fresh copy of this part every few seconds (GET /dashboard/live).
#include <algorithm>

#include <fmt/format.h>

#include "runtime/status_render.h"

namespace pingwatch::runtime {
namespace {

constexpr std::size_t kMaxUnhealthyRows = 1000;   // beyond this the page points at /api/v1/nodes
constexpr std::size_t kMinRows = 20;               // healthy nodes fill the table up to this many rows
constexpr std::size_t kTransitionsShown = 50;

constexpr core::Condition kShownConditions[] = {core::Condition::Lost, core::Condition::Absent, core::Condition::Stale,
                                                core::Condition::Healthy};

void counts_section(std::string& out, const StatusSnapshot& s) {
  std::map<core::Condition, long> total;
  std::map<std::string, std::map<core::Condition, long>> by_scope;
  for (const auto& [scope, list] : s.scopes) {
    for (const auto& n : list->nodes) {
      ++total[n.condition];
      ++by_scope[scope][n.condition];
    }
  }
  out += "<section aria-labelledby=\"h-counts\"><h2 id=\"h-counts\">Nodes by condition</h2><div class=\"cards\">";
  for (const auto c : kShownConditions) {
    const auto name = core::to_string(c);
    fmt::format_to(std::back_inserter(out), "<div class=\"card {0}\" data-condition=\"{0}\"><span class=\"n\">{1}</span> {0}</div>",
                   name, total[c]);
  }
  out += "</div>";
  if (s.scopes.empty()) {
    out += "<p class=\"note\">No watch cycle has finished yet (node counts need the <code>watch</code> job).</p>";
  } else {
    out += "<div class=\"scroll\"><table class=\"scopes\"><thead><tr><th>Account/region</th>";
    for (const auto c : kShownConditions) fmt::format_to(std::back_inserter(out), "<th>{}</th>", core::to_string(c));
    out += "</tr></thead><tbody>";
    for (auto& [scope, counts] : by_scope) {
      fmt::format_to(std::back_inserter(out), "<tr><td>{}</td>", html_escape(scope));
      for (const auto c : kShownConditions) fmt::format_to(std::back_inserter(out), "<td class=\"num\">{}</td>", counts[c]);
      out += "</tr>";
    }
    out += "</tbody></table></div>";
  }
  out += "</section>";
}

void node_row(std::string& out, const NodeView& n, const StatusSnapshot& s, double wall_now) {
  const double now = scope_now(s, n.scope, wall_now);
  const auto condition = core::to_string(n.condition);
  fmt::format_to(std::back_inserter(out),
                 "<tr class=\"{0}\" data-instance-id=\"{1}\" data-condition=\"{0}\"><td><code>{1}</code></td><td>{2}</td>"
                 "<td><span class=\"badge {0}\">{0}</span> <small>{3}</small></td><td title=\"{4}\">{5} ago</td>"
                 "<td>{6}</td><td>{7}</td><td>{8}</td><td><a href=\"{9}\" rel=\"noopener\" target=\"_blank\">Fleet Manager</a></td></tr>",
                 condition, html_escape(n.instance_id), html_escape(n.name), html_escape(n.ping_status), iso8601(n.since),
                 age_text(now - n.since), n.last_ping ? age_text(now - *n.last_ping) : std::string("never"),
                 html_escape(n.platform), html_escape(n.scope), html_escape(fleet_manager_url(n.scope, n.instance_id)));
}

void nodes_section(std::string& out, const StatusSnapshot& s, double now) {
  std::vector<const NodeView*> unhealthy, healthy;
  for (const auto& [scope, list] : s.scopes) {
    for (const auto& n : list->nodes) (n.condition == core::Condition::Healthy ? healthy : unhealthy).push_back(&n);
  }
  std::sort(unhealthy.begin(), unhealthy.end(), [](const NodeView* a, const NodeView* b) { return listed_before(*a, *b); });
  const std::size_t shown_unhealthy = std::min(unhealthy.size(), kMaxUnhealthyRows);
  const std::size_t shown_healthy = std::min(healthy.size(), kMinRows > shown_unhealthy ? kMinRows - shown_unhealthy : 0);
  std::partial_sort(healthy.begin(), healthy.begin() + static_cast<std::ptrdiff_t>(shown_healthy), healthy.end(),
                    [](const NodeView* a, const NodeView* b) { return a->instance_id < b->instance_id; });
  fmt::format_to(std::back_inserter(out),
                 "<section aria-labelledby=\"h-nodes\"><h2 id=\"h-nodes\">Nodes <small>({} not healthy of {})</small></h2>",
                 unhealthy.size(), unhealthy.size() + healthy.size());
  out += "<div class=\"scroll\"><table class=\"nodes\"><thead><tr><th>Instance</th><th>Name</th><th>Condition</th>"
         "<th>Since</th><th>Last ping</th><th>Platform</th><th>Account/region</th><th></th></tr></thead><tbody>";
  for (std::size_t i = 0; i < shown_unhealthy; ++i) node_row(out, *unhealthy[i], s, now);
  for (std::size_t i = 0; i < shown_healthy; ++i) node_row(out, *healthy[i], s, now);
  out += "</tbody></table></div>";
  const std::size_t hidden = unhealthy.size() + healthy.size() - shown_unhealthy - shown_healthy;
  if (hidden > 0) {
    fmt::format_to(std::back_inserter(out),
                   "<p class=\"note\">{} more not shown: <a href=\"/api/v1/nodes\">all nodes as JSON</a>.</p>", hidden);
  }
  out += "</section>";
}

void transitions_section(std::string& out, const StatusSnapshot& s) {
  out += "<section aria-labelledby=\"h-transitions\"><h2 id=\"h-transitions\">Last transitions</h2>";
  if (s.transitions.empty()) {
    out += "<p class=\"note\">None since the daemon started.</p></section>";
    return;
  }
  out += "<div class=\"scroll\"><table class=\"transitions\"><thead><tr><th>At (UTC)</th><th>Kind</th><th>Instance</th>"
         "<th>Name</th><th>Change</th><th>Account/region</th><th>Notified</th></tr></thead><tbody>";
  const std::size_t n = std::min(s.transitions.size(), kTransitionsShown);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& t = s.transitions[s.transitions.size() - 1 - i];   // newest first
    fmt::format_to(std::back_inserter(out),
                   "<tr data-instance-id=\"{2}\" data-kind=\"{1}\"><td>{0}</td><td><span class=\"badge {4}\">{1}</span></td>"
                   "<td><code>{2}</code></td><td>{3}</td><td>{5} &rarr; {4}</td><td>{6}</td><td>{7}</td></tr>",
                   iso8601(t.at).substr(0, 19), html_escape(t.kind), html_escape(t.instance_id), html_escape(t.name),
                   html_escape(t.to), html_escape(t.from), html_escape(t.scope), t.notified ? "yes" : "no");
  }
  out += "</tbody></table></div></section>";
}

void jobs_section(std::string& out, const StatusSnapshot& s, double now) {
  const Readiness ready = readiness(s, now);
  fmt::format_to(std::back_inserter(out),
                 "<section aria-labelledby=\"h-jobs\"><h2 id=\"h-jobs\">Jobs <span class=\"badge {}\">{}</span></h2>",
                 ready.ready ? "healthy" : "lost", ready.ready ? "ready" : "not ready");
  out += "<div class=\"scroll\"><table class=\"jobs\"><thead><tr><th>Job</th><th>Every</th><th>Last success</th>"
         "<th>Last cycle</th><th>Cycles (failed)</th><th>Last error</th></tr></thead><tbody>";
  for (const auto& j : s.jobs) {
    fmt::format_to(std::back_inserter(out),
                   "<tr data-job=\"{0}\"><td>{0}</td><td>{1}s</td><td>{2}</td><td>{3}</td><td class=\"num\">{4} ({5})</td>"
                   "<td class=\"err\">{6}</td></tr>",
                   html_escape(j.name), j.interval_seconds,
                   j.last_success ? age_text(now - *j.last_success) + " ago" : std::string("never"),
                   j.cycles ? fmt::format("{:.2f}s, {}", j.last_duration, j.last_ok ? "ok" : "failed") : std::string("-"),
                   j.cycles, j.failed_cycles, html_escape(j.last_error));
  }
  out += "</tbody></table></div>";
  for (const auto& reason : ready.reasons) fmt::format_to(std::back_inserter(out), "<p class=\"note\">{}</p>", html_escape(reason));
  out += "</section>";
}

}  // namespace

std::string render_dashboard_main(const StatusSnapshot& snapshot, double now) {
  std::string out;
  fmt::format_to(std::back_inserter(out), "<p class=\"updated\">Updated <time datetime=\"{0}\">{0}</time></p>", iso8601(now));
  counts_section(out, snapshot);
  nodes_section(out, snapshot, now);
  transitions_section(out, snapshot);
  jobs_section(out, snapshot, now);
  return out;
}

}  // namespace pingwatch::runtime
