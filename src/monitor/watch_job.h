#pragma once
// watch over every configured (account, region): each pair polled concurrently with its own
// (assumed-role) credentials; one failing pair is reported and the others go on.
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/sts_client.h"
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

// The credentials of a watch.accounts role, shared by every cycle of the process (daemon, warm Lambda): one
// provider per role and home STS endpoint that assumes the role again before the credentials expire.
std::shared_ptr<aws::CredentialsProvider> assumed_role_credentials(const aws::ClientConfig& home_sts, const std::string& role_arn);

// The account of the credentials `sts` signs with, from sts:GetCallerIdentity, asked once per `key` for the
// process life. When it fails: "" (notices show "-"), logged once per key, asked again on the next call.
std::string caller_account(const std::string& key, aws::StsClient& sts);

// The daemon/Lambda job: reads [watch] from the environment and $PINGWATCH_CONFIG.
JobDefinition watch_job_definition();

}  // namespace pingwatch::monitor
