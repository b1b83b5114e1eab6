#pragma once
// watch over every configured (account, region): each pair polled concurrently with its own
// (assumed-role) credentials; one failing pair is reported and the others go on.
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "aws/sts_client.h"
#include "aws/organizations_client.h"
#include "monitor/jobs.h"
#include "monitor/watch.h"

namespace pingwatch::monitor {

// A client for `service` in `region` with the home account's credentials.
using ClientConfigFor = std::function<aws::ClientConfig(const aws::ServiceInfo& service, const std::string& region)>;

struct WatchRunOptions {
  bool dry_run = false;
  ClientConfigFor client_config;   // default: aws::ClientFactory over settings.aws; tests route clients to a fake
  std::function<double()> now;   // epoch seconds for the member-failure ledger; default: the system clock
  std::string owner;   // claim owner; default host:pid
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Each account-region's finished cycle, with its scope "<account>/<region>"; may be empty.
  std::function<void(const std::string& scope, const WatchCycleResult&)> on_cycle;
};

// A member account of an organization entry that could not be watched this cycle (every run reports it).
struct MemberFailureReport {
  std::string account_id;
  std::string account_name;
  int consecutive_cycles = 0;   // 0 in a dry run (the count is not kept)
  bool notified = false;        // its notice was committed this cycle (watch.member_failure_cycles reached)
  std::string error;
};

struct WatchRunResult {
  std::vector<WatchCycleResult> cycles;   // one per account-region that ran
  std::vector<std::string> failures;      // "scope: what failed"
  std::vector<MemberFailureReport> member_failures;
  std::vector<core::Notice> member_notices;   // committed this cycle
  JobResult job;                          // the shared summary (daemon, Lambda)
  nlohmann::json to_json() const;
};

// One (account, region) to watch and where its credentials come from: role_arn assumed from the home
// credentials, or (empty) the home credentials themselves.
struct WatchPair {
  std::string account;        // 12 digits; "" for default credentials (learnt later for notices)
  std::string account_name;   // from Organizations; "" otherwise
  std::string region;
  std::string role_arn;
  bool member = false;        // a member found through an organization entry (its failures are counted)
  std::string scope() const;  // "<account>/<region>" ("default/<region>"): the state's scope
};

struct WatchPairs {
  std::vector<WatchPair> pairs;
  std::vector<std::string> failures;   // discovery that failed ("organization: ...")
};

// Every (account, region) pair of watch.accounts, in one list (a filter such as a shard applies here):
// ROLE_ARN and default entries as configured; an organization entry lists the organization's accounts (cached,
// organization_members) and keeps the ACTIVE ones not in watch.exclude_accounts, the home account with its own
// credentials and each member through arn:<partition>:iam::<id>:role/<ROLE_NAME>.
WatchPairs watch_pairs(const WatchSettings& watch, const ClientConfigFor& home_config);

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
