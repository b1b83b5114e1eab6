#include "monitor/managed_nodes.h"

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

namespace pingwatch::monitor {

void for_each_managed_node(JobContext& ctx, JobResult& r, const std::function<void(const core::ManagedNode&)>& on_node) {
  aws::DescribeInstanceInformationRequest request;
  request.max_results = ctx.settings.publish.page_size;
  const auto past_deadline = [&] { return std::chrono::steady_clock::now() >= ctx.deadline; };
  try {
    if (past_deadline()) {
      r.deadline_reached = true;
      r.inventory_complete = false;
      return;
    }
    ctx.clients.ssm->for_each_instance_information_page(request, [&](const aws::DescribeInstanceInformationPage& page) {
      ++r.pages;
      for (const auto& node : page.nodes) {
        ++r.nodes_seen;
        on_node(node);
      }
      if (!page.next_token.empty() && past_deadline()) {
        r.deadline_reached = true;
        r.inventory_complete = false;
        return false;
      }
      return true;
    });
  } catch (const std::exception& e) {
    r.inventory_complete = false;
    // The first call failed (credentials, endpoint, permission, network): the job never ran.
    if (r.pages == 0) r.could_not_start = true;
    r.errors.push_back(std::string("DescribeInstanceInformation: ") + e.what());
    spdlog::error("{}: reading managed nodes stopped after {} pages: {}{}", job_name(r.job), r.pages, e.what(),
                  r.job == Job::Publish ? "" : "; no alarm will be deleted");
  }
}

}  // namespace pingwatch::monitor
