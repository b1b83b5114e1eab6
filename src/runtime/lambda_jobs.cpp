// _HANDLER -> monitor job (src/monitor/jobs.h). Each factory runs once at init: it reads the settings from the
// Lambda environment (PINGWATCH_<KEY>, CWAlarmSNSTopic, AWS_REGION, ...) and builds the clients, so a bad
// setting becomes /init/error instead of failing every invocation.
#include <chrono>
#include <memory>

#include "monitor/config.h"
#include "monitor/jobs.h"
#include "monitor/watch_job.h"
#include "runtime/lambda_handler.h"
#include "runtime/lambda_jobs.h"
#include "runtime/logging.h"

namespace pingwatch::runtime {

namespace {

// publish, sync-alarms and cycle are always registered (monitor/jobs.cpp); watch is registered by whoever runs
// it: the CLI when main() builds it, and here, since the Lambda runtime builds no CLI.
void register_watch_job() { monitor::register_job(monitor::watch_job_definition()); }

// The job's clock is steady_clock; the Lambda deadline is wall-clock epoch milliseconds.
std::chrono::steady_clock::time_point to_steady(SystemTime t) {
  const auto now_sys = std::chrono::system_clock::now();
  const auto now_steady = std::chrono::steady_clock::now();
  return now_steady + std::chrono::duration_cast<std::chrono::steady_clock::duration>(t - now_sys);
}

std::string first_errors(const monitor::JobResult& result) {
  std::string text;
  for (std::size_t i = 0; i < result.errors.size() && i < 3; ++i) {
    if (!text.empty()) text += "; ";
    text += result.errors[i];
  }
  if (result.errors.size() > 3) text += "; and " + std::to_string(result.errors.size() - 3) + " more";
  return text;
}

}  // namespace

nlohmann::json job_result_or_throw(const monitor::JobResult& result) {
  if (result.exit_code() == 2 || !result.errors.empty()) {
    const std::string what = result.exit_code() == 2 ? "could not start" : "finished with errors";
    throw HandlerError(std::string(monitor::job_name(result.job)) + " " + what + ": " + first_errors(result), result.exit_code() == 2 ? "Job.CouldNotStart" : "Job.PartialFailure",
                    result.to_json());
  }
  return result.to_json();
}

std::optional<core::Shard> shard_from_event(const nlohmann::json& event, const std::string& job) {
  if (!event.is_object() || !event.contains("shard")) return std::nullopt;
  const auto& field = event["shard"];
  const std::string text = field.is_string() ? field.get<std::string>() : field.dump();
  std::string why;
  std::optional<core::Shard> shard = field.is_string() ? core::parse_shard(text, &why) : std::nullopt;
  if (!field.is_string()) why = "use a string \"k/N\", e.g. {\"shard\":\"1/3\"}";
  if (shard && job != "watch") why = "only the watch handler shards; remove \"shard\" from this rule's Input";
  if (!why.empty()) {
    throw HandlerError("event.shard = " + text + " is not allowed: " + why, "Event.InvalidShard",
                       nlohmann::json{{"job", job}, {"shard", field}});
  }
  return shard;
}

HandlerTable job_handler_table() {
  register_watch_job();
  HandlerTable table;
  for (const auto& name : monitor::job_names()) {
    table[name] = [name]() -> LambdaHandler {
      auto job = monitor::find_job(name);
      if (!job) throw std::runtime_error("_HANDLER=" + name + ": the job is no longer registered");
      const auto source = monitor::ConfigSource::from_environment();
      auto settings = std::make_shared<monitor::Settings>(monitor::load_settings(source));
      source.reject_unknown_keys();   // a typo in $PINGWATCH_CONFIG is an /init/error, not a silent default
      configure_logging(settings->log, /*to_stdout=*/false);   // the jobs' own lines: JSON on stderr too
      if (job->check) job->check(*settings);
      auto clients = std::make_shared<monitor::JobClients>(monitor::make_job_clients(*settings));
      // A warm execution environment keeps the memo: unchanged fleets skip DescribeAlarms (alarm_memo.h).
      std::shared_ptr<monitor::AlarmMemoStore> memo;
      if (settings->alarm.recheck_minutes > 0) memo = std::make_shared<monitor::AlarmMemoStore>();
      return [job = *job, settings, clients, memo](const nlohmann::json& event, const InvocationContext& ctx) {
        monitor::JobContext job_context{*settings, *clients};
        job_context.alarm_memo = memo;
        if (ctx.has_deadline) job_context.deadline = to_steady(ctx.job_deadline);
        // A test invocation may ask for a plan only: {"dry_run": true}. Scheduled events carry no such key.
        if (event.is_object() && event.contains("dry_run") && event["dry_run"].is_boolean()) {
          job_context.dry_run = event["dry_run"].get<bool>();
        }
        job_context.shard = shard_from_event(event, job.name);
        return job_result_or_throw(job.run(job_context));
      };
    };
  }
  return table;
}

}  // namespace pingwatch::runtime
