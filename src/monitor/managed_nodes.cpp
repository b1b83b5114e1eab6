#include "monitor/managed_nodes.h"

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

#include "monitor/node_listing.h"

namespace pingwatch::monitor {

void for_each_managed_node(JobContext& ctx, JobResult& r, const std::function<void(const core::ManagedNode&)>& on_node) {
  if (std::chrono::steady_clock::now() >= ctx.deadline) {
    r.deadline_reached = true;
    r.inventory_complete = false;
    return;
  }
  ListingOptions options;
  options.page_size = ctx.settings.publish.page_size;
  options.deadline = ctx.deadline;
  const auto& ssm_config = ctx.clients.ssm->service_client().config();
  options.catalog_key = "jobs|" + ssm_config.endpoint + "|" + ssm_config.region;
  const auto report = list_managed_nodes(*ctx.clients.ssm, options, [&](const aws::DescribeInstanceInformationPage& page) {
    for (const auto& node : page.nodes) {
      ++r.nodes_seen;
      on_node(node);
    }
  });
  r.pages += report.pages;
  if (report.complete) return;
  r.inventory_complete = false;
  if (report.deadline_reached) r.deadline_reached = true;
  // The first calls failed (credentials, endpoint, permission, network): the job never ran.
  if (report.could_not_start) r.could_not_start = true;
  for (const auto& e : report.errors) {
    r.errors.push_back(e);
    spdlog::error("{}: reading managed nodes stopped after {} pages: {}{}", job_name(r.job), report.pages, e,
                  r.job == Job::Publish ? "" : "; no alarm will be deleted");
  }
}

}  // namespace pingwatch::monitor
