#pragma once
// watch over every configured (account, region): each pair polled concurrently with its own
// (assumed-role) credentials; one failing pair is reported and the others go on.
#include <string>
#include <vector>

#include "monitor/jobs.h"
#include "monitor/watch.h"

namespace pingwatch::monitor {

struct WatchRunOptions {
  bool dry_run = false;
  std::string owner;   // claim owner; default host:pid
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Each account-region's finished cycle, with its scope "<account>/<region>"; may be empty.
  std::function<void(const std::string& scope, const WatchCycleResult&)> on_cycle;
};

struct WatchRunResult {
  std::vector<WatchCycleResult> cycles;   // one per account-region that ran
  std::vector<std::string> failures;      // "scope: what failed"
  JobResult job;                          // the shared summary (daemon, Lambda)
  nlohmann::json to_json() const;
};

WatchRunResult run_watch(const Settings& settings, const WatchSettings& watch, const WatchRunOptions& options);

// The daemon/Lambda job: reads [watch] from the environment and $PINGWATCH_CONFIG.
JobDefinition watch_job_definition();

}  // namespace pingwatch::monitor
