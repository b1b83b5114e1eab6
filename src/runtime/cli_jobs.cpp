// `pingwatch publish`, `pingwatch sync-alarms` (one cycle, summary JSON on stdout, logs on stderr) and
// `pingwatch run` (the daemon). Exit codes: 0 ok, 1 partial failure, 2 cannot start.
#include <deque>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "monitor/config.h"
#include "monitor/jobs.h"
#include "monitor/watch.h"
#include "runtime/aws_options.h"
#include "runtime/commands.h"
#include "runtime/daemon.h"
#include "runtime/status_server.h"

namespace pingwatch::runtime {
namespace {

// Every flag maps to a config key, so flags, environment and file share one validation path.
struct JobFlags {
  std::string config_file;
  CLI::Option* config_option = nullptr;
  bool dry_run = false;
  std::vector<std::string> sets;   // --set KEY=VALUE
  struct Binding {
    std::string key;
    std::string value;
    std::vector<std::string> list;
    CLI::Option* option = nullptr;
    bool is_list = false;
  };
  std::deque<Binding> bindings;    // stable addresses for CLI11

  void add(CLI::App& cmd, const std::string& flag, const std::string& key, const std::string& help) {
    auto& b = bindings.emplace_back(Binding{key, {}, {}, nullptr, false});
    b.option = cmd.add_option(flag, b.value, help + " [" + key + "]");
  }
  void add_list(CLI::App& cmd, const std::string& flag, const std::string& key, const std::string& help) {
    auto& b = bindings.emplace_back(Binding{key, {}, {}, nullptr, true});
    b.option = cmd.add_option(flag, b.list, help + " (repeatable) [" + key + "]");
  }

  std::map<std::string, std::string> to_map() const {
    std::map<std::string, std::string> out;
    for (const auto& s : sets) {
      const auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw monitor::ConfigError("config: --set " + s + " is not allowed: use --set KEY=VALUE, e.g. --set alarm.period=60");
      }
      out[s.substr(0, eq)] = s.substr(eq + 1);
    }
    for (const auto& b : bindings) {
      if (b.option->count() == 0) continue;
      if (b.is_list) {
        std::string joined;
        for (const auto& item : b.list) joined += (joined.empty() ? "" : ",") + item;
        out[b.key] = joined;
      } else {
        out[b.key] = b.value;
      }
    }
    return out;
  }
};

void add_common_flags(CLI::App& cmd, JobFlags& f) {
  f.config_option = cmd.add_option("--config", f.config_file, "TOML config file (default: $PINGWATCH_CONFIG)");
  cmd.add_option("--set", f.sets, "set any config key, e.g. --set alarm.period=60 (repeatable)");
  f.add(cmd, "--region", "region", "AWS region");
  f.add(cmd, "--profile", "profile", "shared config/credentials profile");
  f.add(cmd, "--endpoint-url", "endpoint_url", "send every AWS call to this URL (e.g. the local stack)");
  f.add(cmd, "--namespace", "metric.namespace", "CloudWatch namespace (default \"SSM Agent\")");
  f.add(cmd, "--metric-name", "metric.name", "metric name (default Status)");
  f.add(cmd, "--dimension-name", "metric.dimension_name", "per-node dimension (default \"Per-Instance Metrics\")");
  f.add(cmd, "--log-level", "log.level", "trace, debug, info, warn, error or off");
  f.add(cmd, "--log-format", "log.format", "json or text");
}

void add_publish_flags(CLI::App& cmd, JobFlags& f) {
  f.add(cmd, "--unknown-status-value", "publish.unknown_status_value", "value published for an unknown PingStatus");
  f.add(cmd, "--publish-concurrency", "publish.concurrency", "PutMetricData requests in flight");
  f.add_list(cmd, "--extra-dimension", "publish.extra_dimensions", "node field published as an extra metric");
  f.add(cmd, "--aggregate-metrics", "publish.aggregate_metrics", "true: also publish NodeCount per PingStatus");
}

void add_alarm_flags(CLI::App& cmd, JobFlags& f) {
  f.add(cmd, "--alarm-prefix", "alarm.prefix", "alarm name prefix (default ssm-agent-)");
  f.add(cmd, "--topic-arn", "alarm.topic_arn", "SNS topic the alarms notify (also $CWAlarmSNSTopic)");
  f.add_list(cmd, "--ok-action", "alarm.ok_actions", "OKActions ARN, e.g. the topic for recovery mails");
  f.add(cmd, "--put-alarm-tps", "alarm.put_tps", "PutMetricAlarm calls per second (quota 3)");
  f.add(cmd, "--recheck-minutes", "alarm.recheck_minutes",
        "read every alarm again after this long even if no node changed (0: every cycle)");
}

void add_state_flag(CLI::App& cmd, JobFlags& f) {
  f.add(cmd, "--state", "alarm.state_file",
        "JSON file remembering the last full alarm check, so an unchanged fleet skips DescribeAlarms");
}


// Loads and validates everything, or prints the one-line reason and returns nullopt (exit 2).
// The daemon may run the watch job and serve status, so it reads (and checks) [watch] and [server] as well.
std::optional<monitor::Settings> load(const JobFlags& f, bool log_to_stdout, bool as_daemon = false) {
  try {
    monitor::ConfigSource::Inputs in;
    in.flags = f.to_map();
    if (f.config_option->count() > 0) in.config_file = f.config_file;
    auto source = monitor::ConfigSource::load(std::move(in));
    auto settings = monitor::load_settings(source);
    if (as_daemon) {
      monitor::load_watch_settings(source);
      load_server_settings(source);
    }
    source.reject_unknown_keys();
    configure_logging(settings.log, log_to_stdout);
    return settings;
  } catch (const std::exception& e) {
    std::cerr << "pingwatch: " << e.what() << "\n";
    return std::nullopt;
  }
}

std::optional<monitor::JobClients> clients_for(const monitor::Settings& s) {
  try {
    return monitor::make_job_clients(s);
  } catch (const std::exception& e) {
    const std::string why = describe_startup_failure(e);
    std::cerr << "pingwatch: " << (why.empty() ? e.what() : why) << "\n";
    return std::nullopt;
  }
}

void print_plan(const nlohmann::json& plan) {
  for (const auto& n : plan["create"]) std::cout << "create " << n.get<std::string>() << "\n";
  for (const auto& u : plan["update"]) {
    std::string drift;
    for (const auto& d : u["drift"]) drift += (drift.empty() ? "" : ", ") + d.get<std::string>();
    std::cout << "update " << u["name"].get<std::string>() << " (" << drift
              << (u["adopted"].get<bool>() ? "; adopt: not created by pingwatch" : "") << ")\n";
  }
  for (const auto& n : plan["delete"]) std::cout << "delete " << n.get<std::string>() << "\n";
  for (const auto& n : plan["left_alone"]) {
    std::cout << "keep   " << n.get<std::string>() << " (node gone, but not created by pingwatch)\n";
  }
  std::cout << "plan: " << plan["create"].size() << " to create, " << plan["update"].size() << " to update, "
            << plan["delete"].size() << " to delete, " << plan["unchanged"].get<long>() << " unchanged"
            << (plan["deletes_withheld"].get<bool>() ? " (deletes withheld: node inventory incomplete)" : "") << "\n";
}

// [server] (--listen, PINGWATCH_SERVER_LISTEN) from the same flags and file as the rest; false after printing why.
bool listen_address(const monitor::Settings& settings, DaemonOptions& options) {
  try {
    monitor::ConfigSource::Inputs in;
    in.flags = settings.origin.flags;
    in.config_file = settings.origin.config_file;
    const ServerSettings server = load_server_settings(monitor::ConfigSource::load(std::move(in)));
    if (!server.listen.empty()) options.listen = parse_listen_address(server.listen, server.allow_remote);
    return true;
  } catch (const std::exception& e) {
    std::cerr << "pingwatch: " << e.what() << "\n";
    return false;
  }
}

int run_once(const std::string& job_name, const JobFlags& f) {
  auto settings = load(f, false);
  if (!settings) return 2;
  auto job = monitor::find_job(job_name);
  try {
    if (job->check) job->check(*settings);
  } catch (const std::exception& e) {
    std::cerr << "pingwatch: " << e.what() << "\n";
    return 2;
  }
  auto clients = clients_for(*settings);
  if (!clients) return 2;
  monitor::JobContext ctx{*settings, *clients};
  ctx.dry_run = f.dry_run;
  if (!settings->alarm.state_file.empty() && settings->alarm.recheck_minutes > 0) {
    try {
      ctx.alarm_memo = std::make_shared<monitor::AlarmMemoStore>(settings->alarm.state_file);
    } catch (const std::exception& e) {
      std::cerr << "pingwatch: " << e.what() << "\n";
      return 2;
    }
  }
  const monitor::JobResult r = job->run(ctx);
  if (r.could_not_start && !r.errors.empty()) std::cerr << "pingwatch: " << job_name << ": " << r.errors.front() << "\n";
  nlohmann::json summary = r.to_json();
  if (f.dry_run && summary.contains("plan")) print_plan(summary["plan"]);
  if (!f.dry_run) summary.erase("plan");   // the counts say it; the names are for --dry-run
  std::cout << summary.dump() << std::endl;
  return r.exit_code();
}

}  // namespace

void register_job_commands(CLI::App& app, int& exit_code) {
  // The flag holders must outlive parsing and the callbacks: they live as long as the process.
  static JobFlags publish_flags, sync_flags, cycle_flags, run_flags;
  static DaemonOptions daemon_options;
  static std::string jobs_text;

  auto* publish = app.add_subcommand("publish", "publish every node's PingStatus as CloudWatch metrics, once");
  add_common_flags(*publish, publish_flags);
  add_publish_flags(*publish, publish_flags);
  publish->add_flag("--dry-run", publish_flags.dry_run, "read the nodes, count the data, send nothing");
  publish->callback([&exit_code] { exit_code = run_once("publish", publish_flags); });

  auto* sync = app.add_subcommand("sync-alarms", "create, fix and delete the ssm-agent-<id> alarms, once");
  add_common_flags(*sync, sync_flags);
  add_alarm_flags(*sync, sync_flags);
  sync->add_flag("--dry-run", sync_flags.dry_run, "print the plan (create/update/delete, with names), write nothing");
  add_state_flag(*sync, sync_flags);
  sync->callback([&exit_code] { exit_code = run_once("sync-alarms", sync_flags); });

  auto* cycle = app.add_subcommand(
      "cycle", "publish and sync-alarms once, on one reading of the node list (half the SSM calls of the two)");
  add_common_flags(*cycle, cycle_flags);
  add_publish_flags(*cycle, cycle_flags);
  add_alarm_flags(*cycle, cycle_flags);
  add_state_flag(*cycle, cycle_flags);
  cycle->add_flag("--dry-run", cycle_flags.dry_run, "count the data and print the alarm plan; write nothing");
  cycle->callback([&exit_code] { exit_code = run_once("cycle", cycle_flags); });

  auto* run = app.add_subcommand("run", "daemon: run the jobs on their schedules until SIGTERM/SIGINT");
  add_common_flags(*run, run_flags);
  add_publish_flags(*run, run_flags);
  add_alarm_flags(*run, run_flags);
  run->add_option("--interval", daemon_options.interval_seconds,
                  "seconds between cycles of every job, watch included (default: schedule.interval, watch.interval; 60)")
      ->check(CLI::Range(1, 86400));
  run_flags.add(*run, "--listen", "server.listen",
                "serve /metrics, /healthz, /readyz, /api/v1 and the dashboard on HOST:PORT (loopback; default off)");
  run->add_option("--jobs", jobs_text, "comma-separated jobs to run (default publish,sync-alarms)");
  run->callback([&exit_code] {
    auto settings = load(run_flags, true, /*as_daemon=*/true);
    if (!settings) {
      exit_code = 2;
      return;
    }
    if (!jobs_text.empty()) {
      daemon_options.jobs.clear();
      std::string_view rest = jobs_text;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string name(rest.substr(0, comma));
        if (!name.empty()) daemon_options.jobs.push_back(name);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    if (!listen_address(*settings, daemon_options)) {
      exit_code = 2;
      return;
    }
    auto clients = clients_for(*settings);
    if (!clients) {
      exit_code = 2;
      return;
    }
    exit_code = run_daemon(*settings, *clients, daemon_options);
  });
}

}  // namespace pingwatch::runtime
