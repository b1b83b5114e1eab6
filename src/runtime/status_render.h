#pragma once
// Renders a status snapshot as /metrics text, the /api/v1 JSON documents and the dashboard's HTML.
// Pure: the clock is passed in, nothing is read from the process.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/status_board.h"

namespace pingwatch::runtime {

// Prometheus text exposition of everything: node gauges from the snapshot, the board's counters.
std::string render_metrics(const StatusBoard& board, const StatusSnapshot& snapshot);

struct NodeFilter {
  std::optional<core::Condition> condition;
  std::optional<std::string> scope;
};
// [{instance_id, name, scope, condition, ping_status, since, last_ping, platform, ip, agent_version}, ...]
// (times as ISO 8601 UTC, last_ping null when unknown), not healthy first, then by instance id.
std::string render_nodes_json(const StatusSnapshot& snapshot, const NodeFilter& filter);
// {"transitions":[{at, scope, instance_id, name, kind, from, to, status, notified}, ...]} oldest first,
// those at or after `since` (epoch seconds) when given.
std::string render_transitions_json(const StatusSnapshot& snapshot, std::optional<double> since);
nlohmann::json readiness_json(const StatusSnapshot& snapshot, double now);

// The dashboard's live part (<main> contents): counts, nodes (not healthy first), transitions, jobs.
std::string render_dashboard_main(const StatusSnapshot& snapshot, double now);
// The whole page: the embedded template (src/runtime/dashboard/) with the live part already in it,
// so the page is useful before (and without) its script.
std::string render_dashboard_page(const StatusSnapshot& snapshot, double now);

// The order both the JSON and the page list nodes in: lost, absent, stale (each longest first), then healthy.
bool listed_before(const NodeView& a, const NodeView& b);

std::string iso8601(double epoch_seconds);        // 2026-12-04T15:00:00Z
std::string age_text(double seconds);             // "45s", "3m 20s", "2h 5m", "3d 4h"
std::string html_escape(std::string_view text);
// https://<region>.console.aws.amazon.com/systems-manager/fleet-manager/managed-nodes/<id>/general?region=<region>
std::string fleet_manager_url(const std::string& scope, const std::string& instance_id);

}  // namespace pingwatch::runtime
