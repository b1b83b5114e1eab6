#pragma once
// The publish job's pure parts, exposed for tests: which metric data one node yields, and the
// aggregate counts. run_publish itself is declared in jobs.h.
#include <array>
#include <string>
#include <vector>

#include "core/managed_node.h"
#include "core/metric_batch.h"
#include "monitor/config.h"

namespace pingwatch::monitor {

struct NodeData {
  std::vector<core::MetricDatum> data;   // the post's datum, then one with the extra dimensions if configured
  bool unknown_status = false;           // PingStatus was not one of the three the post maps
};

// The post's datum for one node: MetricName/Unit from [metric], dimension <dimension_name>=<instance id>,
// Online=0, ConnectionLost=1, Inactive=2, anything else publish.unknown_status_value. No Timestamp is sent, as in the post: CloudWatch stamps
// each datum with its own receipt time, so a client's clock (drifting, or a simulated one) never moves data.
NodeData node_data(const core::ManagedNode& node, const Settings& settings);

// Nodes per PingStatus (Online, ConnectionLost, Inactive, Unknown).
using StatusCounts = std::array<long, 4>;
// NodeCount{PingStatus=...} for each status (zeros included, so alarms on them never lack data) and
// NodeCount with no dimension for the total.
std::vector<core::MetricDatum> aggregate_data(const StatusCounts& counts, const Settings& settings);

// The value of a node field named in publish.extra_dimensions ("" when the node has none).
std::string node_field(const core::ManagedNode& node, const std::string& field);

}  // namespace pingwatch::monitor
