#pragma once
// The node list both of the post's jobs start from, read the same way by each.
#include <functional>

#include "core/managed_node.h"
#include "monitor/jobs.h"

namespace pingwatch::monitor {

// Pages DescribeInstanceInformation (publish.page_size a page) and calls on_node for every node, stopping
// before a page that would start past ctx.deadline. Records pages, nodes_seen, inventory_complete,
// deadline_reached and a failure (could_not_start when the first page failed) in `result`; never throws.
void for_each_managed_node(JobContext& ctx, JobResult& result, const std::function<void(const core::ManagedNode&)>& on_node);

}  // namespace pingwatch::monitor
