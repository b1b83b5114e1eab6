#pragma once
// pingwatch's configuration: command-line flags > environment > config file (TOML) > defaults.
//
// Keys are dotted ("alarm.period"); the file holds them as TOML tables ([alarm] period = 60) and the
// environment as PINGWATCH_<KEY> with dots as underscores (PINGWATCH_ALARM_PERIOD). A few keys also
// accept a legacy environment name (the post's CWAlarmSNSTopic for alarm.topic_arn).
// The file is --config FILE, else $PINGWATCH_CONFIG, else none.
//
// Adding a section from another module (as [watch] in src/monitor/watch_settings.cpp):
//   WatchSettings load_watch_settings(const ConfigSource& source) {
//     WatchSettings s;
//     s.interval_seconds = static_cast<int>(source.get_int("watch.interval", 60, int_range(10, 3600)));
//     ...
//   }
// Every getter validates, and its error names the key, the bad value, where it came from and what is
// allowed. The TOML document is kept whole, so a module reads only its own table. Tables listed in
// foreign_config_sections() are not checked here for unknown keys (their module does that).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "aws/client_factory.h"
#include "aws/endpoints.h"
#include "core/alarm_spec.h"

namespace pingwatch::monitor {

// Thrown for any invalid setting; what() is the whole message, e.g.
// "config: alarm.period = 45 is not allowed: use 10, 20, 30 or a multiple of 60 (from PINGWATCH_ALARM_PERIOD)".
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Returns nullopt when the value is fine, else the "what is allowed" text for the error.
template <typename T>
using Validator = std::function<std::optional<std::string>(const T&)>;

Validator<long long> int_range(long long min, long long max);
Validator<double> number_range(double min, double max, bool min_exclusive = false);
Validator<std::string> one_of(std::vector<std::string> allowed);

// Tables other modules own; add yours here (one line) when you add a section in another file.
const std::vector<std::string>& foreign_config_sections();

class ConfigSource {
 public:
  struct Inputs {
    std::map<std::string, std::string> flags;        // dotted key -> text, from the command line
    aws::GetEnv getenv = aws::process_env();
    std::optional<std::string> config_file;          // --config; when absent $PINGWATCH_CONFIG is used
  };

  // Reads and parses the config file (throws ConfigError naming the file and the TOML error).
  static ConfigSource load(Inputs inputs);
  // Environment and defaults only (the Lambda runtime).
  static ConfigSource from_environment(aws::GetEnv getenv = aws::process_env());

  // Typed getters: flags, then PINGWATCH_<KEY>, then extra_env names in order, then the file, then def.
  std::string get_string(std::string_view key, std::string def, const Validator<std::string>& valid = {},
                         const std::vector<std::string>& extra_env = {}) const;
  long long get_int(std::string_view key, long long def, const Validator<long long>& valid = {}) const;
  double get_number(std::string_view key, double def, const Validator<double>& valid = {}) const;
  bool get_bool(std::string_view key, bool def) const;
  // Lists: a TOML array of strings, or comma-separated text in flags and environment.
  std::vector<std::string> get_list(std::string_view key, std::vector<std::string> def,
                                    const Validator<std::string>& each = {}) const;

  // The one check for typos, run by every command after its getters: a key given on the command line
  // (--set or a named flag) that no getter read, or a key in the file's own tables (or in another module's
  // table when that module read keys of it here) that no getter read, throws ConfigError naming the key,
  // where it came from and the nearest valid key ("did you mean alarm.period?"). Exit code 2 in the CLI.
  void reject_unknown_keys() const;

  static std::string env_name(std::string_view key);   // alarm.topic_arn -> PINGWATCH_ALARM_TOPIC_ARN
  const std::string& file_path() const { return file_path_; }
  const Inputs& inputs() const { return inputs_; }

 private:
  struct Found {
    std::string text;     // the value as text (for flags/env: as given; for the file: rendered)
    std::string origin;   // "--flag", "environment NAME", "FILE"
    const void* node = nullptr;   // toml::node* when from the file
  };
  std::optional<Found> find(std::string_view key, const std::vector<std::string>& extra_env) const;
  [[noreturn]] void fail(std::string_view key, const Found& found, const std::string& allowed) const;

  Inputs inputs_;
  std::string file_path_;
  std::shared_ptr<void> table_;                     // toml::table, kept whole for every module
  mutable std::vector<std::string> read_keys_;
};

// ----- pingwatch's own sections -----

struct MetricSettings : core::NodeMetric {   // [metric]: what publish writes and what the alarms watch
  std::string unit = "Count";
};

struct PublishSettings {           // [publish]
  double unknown_status_value = 3;          // published for a PingStatus SSM may add later
  int concurrency = 4;                      // PutMetricData requests in flight
  int page_size = 50;                       // DescribeInstanceInformation MaxResults (5..50)
  std::vector<std::string> extra_dimensions;   // node fields published as one more datum per node
  bool aggregate_metrics = false;           // NodeCount per PingStatus, no per-node dimension
  std::string aggregate_metric_name = "NodeCount";
};

struct AlarmSettings : core::AlarmRule {   // [alarm]: the rule's defaults are core's (alarm_spec.h)
  std::string prefix{core::kDefaultAlarmPrefix};
  std::string topic_arn;                    // also $CWAlarmSNSTopic, as in the post
  std::vector<std::string> ok_actions;
  double put_tps = 3;                       // PutMetricAlarm quota: 3 TPS (adjustable in Service Quotas)
  double delete_tps = 3;                    // DeleteAlarms quota: 3 TPS
  int write_concurrency = 4;                // alarm writes in flight (still under put_tps/delete_tps)
  bool adopt_unmanaged = true;              // rewrite (and so mark) same-named alarms pingwatch did not create
  // An unchanged complete inventory skips DescribeAlarms for this long after a full check (monitor/alarm_memo.h).
  int recheck_minutes = 15;                 // 0: read every alarm every cycle
  std::string state_file;                   // where one-shot CLI runs keep that memo ("" = memory only)
};

struct ScheduleSettings {          // [schedule]
  int publish_interval = 60;                // seconds
  int sync_alarms_interval = 60;
  bool align = true;                        // run on multiples of the interval (the minute boundary)
};

struct LogSettings {               // [log]
  std::string level = "info";               // trace debug info warn error off
  std::string format = "json";              // json | text
};

// Where settings came from, so a job with a section of its own ([watch]) reads it from the same flags
// and file as the rest (`pingwatch run --config FILE --set watch.interval=30 --jobs watch`).
struct SettingsOrigin {
  std::map<std::string, std::string> flags;
  std::optional<std::string> config_file;   // --config; absent: $PINGWATCH_CONFIG, as for the rest
};

struct Settings {
  SettingsOrigin origin;
  aws::AwsOptions aws;             // region, profile, endpoint_url (top level)
  MetricSettings metric;
  PublishSettings publish;
  AlarmSettings alarm;
  ScheduleSettings schedule;
  LogSettings log;
};

// Reads and validates every key above; throws ConfigError on the first bad one.
Settings load_settings(const ConfigSource& source);

// Checks that need the job: sync-alarms cannot start without a topic ARN.
void require_sync_alarms_settings(const Settings& settings);

}  // namespace pingwatch::monitor
