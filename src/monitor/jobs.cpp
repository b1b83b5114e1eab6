#include "monitor/jobs.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "aws/client_factory.h"

namespace pingwatch::monitor {

JobClients make_job_clients(const Settings& settings) {
  aws::ClientFactory factory(settings.aws);
  JobClients clients;
  clients.ssm = std::make_shared<aws::SsmClient>(factory.ssm());
  clients.cloudwatch = std::make_shared<aws::CloudWatchClient>(factory.cloudwatch());
  clients.sns = std::make_shared<aws::SnsClient>(factory.sns());
  return clients;
}

std::string_view job_name(Job job) {
  switch (job) {
    case Job::Publish: return "publish";
    case Job::SyncAlarms: return "sync-alarms";
    case Job::Cycle: return "cycle";
    case Job::Watch: return "watch";
  }
  return "?";
}

int JobResult::exit_code() const {
  if (could_not_start) return 2;
  return ok() ? 0 : 1;
}

nlohmann::json JobResult::to_json() const {
  nlohmann::json j{{"job", job_name(job)},
                   {"ok", ok()},
                   {"dry_run", dry_run},
                   {"nodes_seen", nodes_seen},
                   {"pages", pages},
                   {"api_calls", api_calls},
                   {"write_calls", write_calls},
                   {"inventory_complete", inventory_complete},
                   {"deadline_reached", deadline_reached},
                   {"stopped", stopped},
                   {"duration_seconds", duration_seconds},
                   {"errors", errors}};
  if (job != Job::SyncAlarms) {   // publish, cycle and watch write metric data
    j["data_published"] = data_published;
    j["data_failed"] = data_failed;
    j["unknown_statuses"] = unknown_statuses;
  }
  if (job != Job::Publish) {
    j["alarms_check_skipped"] = alarms_check_skipped;
    j["alarms_existing"] = alarms_existing;
    j["alarms_created"] = alarms_created;
    j["alarms_updated"] = alarms_updated;
    j["alarms_deleted"] = alarms_deleted;
    j["alarms_unchanged"] = alarms_unchanged;
    j["alarms_left_alone"] = alarms_left_alone;
  }
  if (!plan.is_null()) j["plan"] = plan;
  return j;
}

namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::vector<JobDefinition>& registry() {
  // Built-ins are added here, not by static initialisers: those are dropped when linking a static library.
  static std::vector<JobDefinition> jobs{
      {"publish", [](JobContext& c) { return run_publish(c); },
       [](const Settings& s) { return std::chrono::seconds(s.schedule.publish_interval); }, {}},
      {"sync-alarms", [](JobContext& c) { return run_sync_alarms(c); },
       [](const Settings& s) { return std::chrono::seconds(s.schedule.sync_alarms_interval); },
       [](const Settings& s) { require_sync_alarms_settings(s); }},
      {"cycle", [](JobContext& c) { return run_cycle(c); },
       [](const Settings& s) { return std::chrono::seconds(s.schedule.publish_interval); },
       [](const Settings& s) { require_sync_alarms_settings(s); }},
  };
  return jobs;
}

}  // namespace

JobResult run_cycle(JobContext& ctx) {
  const auto started = std::chrono::steady_clock::now();
  NodeInventory inventory;
  NodeInventory* const outer = ctx.inventory;
  ctx.inventory = &inventory;
  JobResult p = run_publish(ctx);
  JobResult a;
  if (p.could_not_start) {
    a.job = Job::SyncAlarms;   // nothing could be read: the alarms are left for the next cycle
  } else {
    a = run_sync_alarms(ctx);
  }
  ctx.inventory = outer;

  JobResult r = a;
  r.job = Job::Cycle;
  r.nodes_seen = p.nodes_seen;
  r.pages = p.pages;
  r.data_published = p.data_published;
  r.data_failed = p.data_failed;
  r.unknown_statuses = p.unknown_statuses;
  r.api_calls = p.api_calls + a.api_calls;
  r.write_calls = p.write_calls + a.write_calls;
  r.inventory_complete = p.inventory_complete;
  r.deadline_reached = p.deadline_reached || a.deadline_reached;
  r.stopped = p.stopped || a.stopped;
  r.could_not_start = p.could_not_start;
  r.errors = p.errors;
  r.errors.insert(r.errors.end(), a.errors.begin(), a.errors.end());
  r.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

void register_job(JobDefinition job) {
  std::lock_guard lock(registry_mutex());
  auto& jobs = registry();
  auto it = std::find_if(jobs.begin(), jobs.end(), [&](const JobDefinition& j) { return j.name == job.name; });
  if (it != jobs.end()) {
    *it = std::move(job);
  } else {
    jobs.push_back(std::move(job));
  }
}

std::optional<JobDefinition> find_job(std::string_view name) {
  std::lock_guard lock(registry_mutex());
  for (const auto& j : registry()) {
    if (j.name == name) return j;
  }
  return std::nullopt;
}

std::vector<std::string> job_names() {
  std::lock_guard lock(registry_mutex());
  std::vector<std::string> names;
  for (const auto& j : registry()) names.push_back(j.name);
  return names;
}

}  // namespace pingwatch::monitor
