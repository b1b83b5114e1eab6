#pragma once
// pingwatch's jobs as plain functions: the CLI (`pingwatch publish`, `pingwatch sync-alarms`), the daemon
// (`pingwatch run`) and the Lambda runtime (_HANDLER = publish | sync-alarms) all call these.
//
//   monitor::Settings settings = monitor::load_settings(monitor::ConfigSource::from_environment());
//   monitor::JobClients clients = monitor::make_job_clients(settings);
//   monitor::JobContext ctx{settings, clients};
//   ctx.deadline = lambda_deadline - std::chrono::seconds(2);   // stop paging/writing before the timeout
//   monitor::JobResult r = monitor::find_job("publish")->run(ctx);
//   respond(r.to_json().dump());
//
// Adding a job (e.g. watch) so that `pingwatch run` schedules it and the Lambda can dispatch to it:
//   monitor::register_job({.name = "watch",
//                          .run = [](monitor::JobContext& c) { return run_watch(c); },
//                          .interval = [](const monitor::Settings&) { return std::chrono::seconds(60); },
//                          .check = [](const monitor::Settings&) { /* throw ConfigError if unusable */ }});
// Call it before the daemon starts (e.g. from register_watch_commands in cli_watch.cpp, which main()
// calls before parsing). `pingwatch run --jobs publish,watch` then runs it on its interval, on its own
// thread; a thrown exception is logged and the job runs again at its next slot.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/cloudwatch_client.h"
#include "aws/sns_client.h"
#include "aws/ssm_client.h"
#include "core/shard.h"
#include "monitor/alarm_memo.h"
#include "monitor/config.h"

namespace pingwatch::monitor {

struct WatchCycleResult;   // watch.h

// The managed nodes one job read, handed to the next so a cycle lists the fleet once (`pingwatch cycle`).
struct NodeInventory {
  std::vector<std::string> instance_ids;
  bool complete = false;   // every page was read
};

// The typed clients a job may use; made once per process (they share one HTTP client and retry quota).
struct JobClients {
  std::shared_ptr<aws::SsmClient> ssm;
  std::shared_ptr<aws::CloudWatchClient> cloudwatch;
  std::shared_ptr<aws::SnsClient> sns;
};

// Throws aws::ConfigurationError when no region can be resolved.
JobClients make_job_clients(const Settings& settings);

struct JobContext {
  const Settings& settings;
  JobClients& clients;
  // No page is requested and no write is started after this moment; the result then says
  // deadline_reached and what was left. Default: none.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Polled between writes: the daemon's SIGTERM. A job stops starting new writes once it returns true.
  std::function<bool()> stop_requested;
  bool dry_run = false;   // sync-alarms: plan only, no writes
  // publish: when set, records the nodes it read. sync-alarms: when set, uses these instead of reading them.
  NodeInventory* inventory = nullptr;
  // sync-alarms: skips unchanged checks (alarm_memo.h). Null: every cycle reads every alarm.
  std::shared_ptr<AlarmMemoStore> alarm_memo;
  // sync-alarms: epoch seconds for the memo's age (as watch's WatchOptions::now); default: the system clock.
  std::function<double()> now;
  // watch: called once per account-region ("<account>/<region>") after its cycle (the daemon's status server).
  std::function<void(const std::string& scope, const WatchCycleResult&)> on_watch_cycle;
  // watch: this run's shard, over watch.shard (the Lambda invocation's {"shard":"k/N"}). Unset: watch.shard.
  std::optional<core::Shard> shard;
};

// The kinds of job a result comes from; which counters it reports follows from the kind.
enum class Job { Publish, SyncAlarms, Cycle, Watch };
std::string_view job_name(Job job);   // "publish", "sync-alarms", "cycle", "watch" (as the CLI and _HANDLER say)

// What one cycle did; to_json() is the Lambda's response and the CLI's output.
struct JobResult {
  Job job = Job::Publish;
  bool dry_run = false;
  long nodes_seen = 0;
  long pages = 0;                  // DescribeInstanceInformation pages read
  long data_published = 0;         // metric data accepted by PutMetricData
  long data_failed = 0;
  long unknown_statuses = 0;       // nodes whose PingStatus was not Online/ConnectionLost/Inactive
  long alarms_existing = 0;
  long alarms_created = 0;
  long alarms_updated = 0;
  long alarms_deleted = 0;
  long alarms_unchanged = 0;
  long alarms_left_alone = 0;      // prefix matches pingwatch did not create, node gone: never deleted
  bool alarms_check_skipped = false;   // inventory unchanged since a recent full check: no DescribeAlarms
  long api_calls = 0;              // every AWS operation started (reads and writes; retries not counted)
  long write_calls = 0;            // PutMetricData, PutMetricAlarm, DeleteAlarms, TagResource
  bool inventory_complete = true;  // every node page was read
  bool deadline_reached = false;
  bool stopped = false;            // a stop request ended the writes early
  bool could_not_start = false;    // the first call failed (credentials, endpoint, permission, network)
  double duration_seconds = 0;
  std::vector<std::string> errors;
  nlohmann::json plan;             // sync-alarms: {"create":[names], "update":[{name, drift}], "delete":[names]}

  bool ok() const { return errors.empty() && inventory_complete && !deadline_reached && !stopped; }
  // 0 ok, 1 partial failure, 2 could not start (the CLI's exit codes).
  int exit_code() const;
  nlohmann::json to_json() const;
};

JobResult run_publish(JobContext& context);       // publish.cpp: the post's LambdaFunctionCheckSSMAgentStatus
JobResult run_sync_alarms(JobContext& context);   // sync_alarms.cpp: the post's LambdaCreateCWAlarm, fixed
// Both of the post's jobs on one reading of the node list: publish, then sync-alarms on the nodes it read.
JobResult run_cycle(JobContext& context);

struct JobDefinition {
  std::string name;
  std::function<JobResult(JobContext&)> run;
  std::function<std::chrono::seconds(const Settings&)> interval;   // the daemon's schedule
  std::function<void(const Settings&)> check;                      // validation at start; may be empty
};

// publish, sync-alarms and cycle are always registered. Registering an existing name replaces it.
void register_job(JobDefinition job);
std::optional<JobDefinition> find_job(std::string_view name);
std::vector<std::string> job_names();

}  // namespace pingwatch::monitor
