#include "runtime/daemon.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "monitor/scheduler.h"
#include "runtime/daemon_status.h"
#include "runtime/stop_signals.h"

namespace pingwatch::runtime {
namespace {

// The jobs --jobs names, each checked against the settings; nothing (after logging why) if one cannot start.
std::optional<std::vector<monitor::JobDefinition>> checked_jobs(const monitor::Settings& settings,
                                                                const DaemonOptions& options) {
  std::vector<monitor::JobDefinition> jobs;
  for (const auto& name : options.jobs) {
    auto job = monitor::find_job(name);
    if (!job) {
      std::string known;
      for (const auto& n : monitor::job_names()) known += (known.empty() ? "" : ", ") + n;
      spdlog::error("run: unknown job \"{}\": use {}", name, known);
      return std::nullopt;
    }
    try {
      if (job->check) job->check(settings);
    } catch (const std::exception& e) {
      spdlog::error("run: cannot start job {}: {}", name, e.what());
      return std::nullopt;
    }
    jobs.push_back(std::move(*job));
  }
  return jobs;
}

// The --listen status server, or nothing when it is off; throws (the caller exits 2) when it cannot start.
std::unique_ptr<DaemonStatus> start_status_server(const monitor::Settings& settings, const DaemonOptions& options) {
  if (!options.listen) return nullptr;
  const bool watch_runs = std::find(options.jobs.begin(), options.jobs.end(), "watch") != options.jobs.end();
  auto status = std::make_unique<DaemonStatus>(settings, *options.listen, watch_runs);
  spdlog::info(nlohmann::json{{"msg", "status server listening"}, {"url", status->url()}}.dump());
  return status;
}

}  // namespace

int run_daemon(const monitor::Settings& settings, monitor::JobClients& clients, const DaemonOptions& options) {
  const auto jobs = checked_jobs(settings, options);
  if (!jobs) return 2;

  // Signals are taken by the watcher thread below; the stop is a plain flag and condition variable.
  const StopSignals signals;

  // The status server's threads start after the mask, so they never take a signal either.
  std::unique_ptr<DaemonStatus> status;
  try {
    status = start_status_server(settings, options);
  } catch (const std::exception& e) {
    spdlog::error("run: cannot start the status server: {}", e.what());
    return 2;
  }

  monitor::StopSignal stop;
  std::thread watcher([&] {
    const std::string signal(signals.wait());
    if (!stop.stop_requested()) {
      spdlog::info(nlohmann::json{{"msg", "stopping: finishing the cycles in flight"}, {"signal", signal}}.dump());
    }
    stop.request_stop();
  });

  monitor::Scheduler::Hooks hooks;
  hooks.on_error = [](const std::string& task, const std::string& what) {
    spdlog::error(nlohmann::json{{"msg", "cycle failed; retried at the next slot"}, {"job", task}, {"error", what}}.dump());
  };
  monitor::Scheduler scheduler(stop, hooks);
  // One memo for the process: sync-alarms (or cycle) skips DescribeAlarms while the fleet is unchanged.
  std::shared_ptr<monitor::AlarmMemoStore> alarm_memo;
  if (settings.alarm.recheck_minutes > 0) {
    alarm_memo = std::make_shared<monitor::AlarmMemoStore>(settings.alarm.state_file);
  }
  for (const auto& job : *jobs) {
    const auto interval = options.interval_seconds ? std::chrono::seconds(*options.interval_seconds)
                          : job.interval                 ? job.interval(settings)
                                                         : std::chrono::seconds(60);
    if (status) status->add_job(job.name, static_cast<int>(interval.count()));
    scheduler.add({job.name, interval, settings.schedule.align, options.run_at_start, [&, job] {
                     monitor::JobContext ctx{settings, clients};
                     ctx.stop_requested = [&] { return stop.stop_requested(); };
                     ctx.alarm_memo = alarm_memo;
                     if (status) status->prepare(ctx);
                     const monitor::JobResult r = job.run(ctx);
                     if (status) status->finished(job.name, r);
                     nlohmann::json line = r.to_json();
                     line["msg"] = r.ok() ? "cycle finished" : "cycle finished with errors; retried at the next slot";
                     line.erase("plan");   // names of every alarm would flood the log; counts are in the line
                     if (r.ok()) {
                       spdlog::info(line.dump());
                     } else {
                       spdlog::error(line.dump());
                     }
                   }});
  }
  spdlog::info(nlohmann::json{{"msg", "daemon started"},
                              {"jobs", options.jobs},
                              {"publish_interval", settings.schedule.publish_interval},
                              {"sync_alarms_interval", settings.schedule.sync_alarms_interval},
                              {"align", settings.schedule.align}}.dump());
  scheduler.run();
  // The scheduler only returns after a stop; make sure the watcher is not still waiting.
  if (!stop.stop_requested()) pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  spdlog::info(nlohmann::json{{"msg", "daemon stopped"}}.dump());
  return 0;
}

}  // namespace pingwatch::runtime
