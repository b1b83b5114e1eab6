#include "monitor/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace pingwatch::monitor {
namespace {

struct Env {
  std::map<std::string, std::string> vars;
  aws::GetEnv fn() const {
    return [v = vars](const std::string& name) -> std::optional<std::string> {
      auto it = v.find(name);
      if (it == v.end()) return std::nullopt;
      return it->second;
    };
  }
};

std::string write_file(const std::string& text) {
  static int n = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("pingwatch-config-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

ConfigSource source(std::map<std::string, std::string> flags, Env env, std::optional<std::string> file = {}) {
  ConfigSource::Inputs in;
  in.flags = std::move(flags);
  in.getenv = env.fn();
  in.config_file = std::move(file);
  return ConfigSource::load(std::move(in));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Config, DefaultsAreThePosts) {
  const Settings s = load_settings(source({}, {}));
  EXPECT_EQ(s.metric.namespace_, "SSM Agent");
  EXPECT_EQ(s.metric.metric_name, "Status");
  EXPECT_EQ(s.metric.dimension_name, "Per-Instance Metrics");
  EXPECT_EQ(s.alarm.prefix, "ssm-agent-");
  EXPECT_EQ(s.alarm.period, 60);
  EXPECT_EQ(s.alarm.threshold, 1.0);
  EXPECT_EQ(s.alarm.put_tps, 3.0);
  EXPECT_EQ(s.publish.unknown_status_value, 3.0);
  EXPECT_EQ(s.publish.concurrency, 4);
  EXPECT_EQ(s.schedule.publish_interval, 60);
  EXPECT_TRUE(s.schedule.align);
}

TEST(Config, FlagsBeatEnvironmentBeatFileBeatDefaults) {
  const std::string file = write_file(R"(
region = "eu-west-1"
[metric]
namespace = "FromFile"
name = "FileMetric"
[alarm]
period = 120
prefix = "file-"
)");
  Env env{{{"PINGWATCH_METRIC_NAMESPACE", "FromEnv"}, {"PINGWATCH_ALARM_PERIOD", "300"}}};
  const Settings s = load_settings(source({{"metric.namespace", "FromFlag"}}, env, file));
  EXPECT_EQ(s.metric.namespace_, "FromFlag");   // flag > env > file
  EXPECT_EQ(s.alarm.period, 300);               // env > file
  EXPECT_EQ(s.metric.metric_name, "FileMetric");   // file > default
  EXPECT_EQ(s.alarm.prefix, "file-");
  EXPECT_EQ(s.aws.region, "eu-west-1");
  EXPECT_EQ(s.metric.dimension_name, "Per-Instance Metrics");   // default
}

TEST(Config, ConfigFileFromEnvironment) {
  const std::string file = write_file("[publish]\nconcurrency = 9\n");
  Env env{{{"PINGWATCH_CONFIG", file}}};
  EXPECT_EQ(load_settings(source({}, env)).publish.concurrency, 9);
}

TEST(Config, ThePostsTopicVariableIsAccepted) {
  const std::string arn = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping";
  Env env{{{"CWAlarmSNSTopic", arn}}};
  EXPECT_EQ(load_settings(source({}, env)).alarm.topic_arn, arn);
  // PINGWATCH_ALARM_TOPIC_ARN wins over the legacy name.
  env.vars["PINGWATCH_ALARM_TOPIC_ARN"] = "arn:aws:sns:ap-northeast-1:123456789012:Other";
  EXPECT_EQ(load_settings(source({}, env)).alarm.topic_arn, "arn:aws:sns:ap-northeast-1:123456789012:Other");
}

TEST(Config, BadPeriodNamesKeyValueAndWhatIsAllowed) {
  Env env{{{"PINGWATCH_ALARM_PERIOD", "45"}}};
  EXPECT_EQ(error_of([&] { load_settings(source({}, env)); }),
            "config: alarm.period = 45 is not allowed: use 10, 20, 30 or a multiple of 60 up to 86400 "
            "(from environment PINGWATCH_ALARM_PERIOD)");
}

TEST(Config, ErrorsNameTheFileAndTheKey) {
  const std::string file = write_file("[alarm]\ntreat_missing_data = \"sometimes\"\n");
  const std::string msg = error_of([&] { load_settings(source({}, {}, file)); });
  EXPECT_NE(msg.find("alarm.treat_missing_data = sometimes is not allowed: use missing, notBreaching, breaching or ignore"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find(file), std::string::npos) << msg;
}

TEST(Config, EveryKindOfBadValueIsRefused) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"publish.concurrency", "0"},        {"publish.concurrency", "four"},  {"publish.page_size", "51"},
      {"publish.unknown_status_value", "x"}, {"alarm.put_tps", "0"},         {"alarm.put_tps", "-1"},
      {"alarm.statistic", "p99"},          {"alarm.comparison_operator", ">="}, {"region", "Tokyo"},
      {"endpoint_url", "localhost:4566"},  {"alarm.topic_arn", "SSM-Ping"},  {"metric.namespace", "AWS/EC2"},
      {"schedule.interval", "5"},          {"log.level", "loud"},            {"publish.extra_dimensions", "Colour"},
      {"alarm.datapoints_to_alarm", "2"},  {"schedule.align", "maybe"},      {"alarm.prefix", ""},
  };
  for (const auto& [key, value] : bad) {
    const std::string msg = error_of([&, key = key, value = value] { load_settings(source({{key, value}}, {})); });
    EXPECT_EQ(msg.rfind("config: " + key, 0), 0u) << key << "=" << value << ": " << msg;
    if (!value.empty()) {
      EXPECT_NE(msg.find(value), std::string::npos) << msg;
    }
    EXPECT_NE(msg.find("use "), std::string::npos) << msg;
  }
}

TEST(Config, WrongTomlTypeIsRefused) {
  const std::string file = write_file("[alarm]\nperiod = \"sixty\"\n");
  const std::string msg = error_of([&] { load_settings(source({}, {}, file)); });
  EXPECT_EQ(msg.rfind("config: alarm.period = sixty is not allowed", 0), 0u) << msg;
}

TEST(Config, UnknownKeysInOwnTablesAreTypos) {
  const std::string file = write_file("[alarm]\nperod = 60\n[watch]\nanything = 1\n");
  auto src = source({}, {}, file);
  load_settings(src);
  const std::string msg = error_of([&] { src.reject_unknown_keys(); });
  EXPECT_NE(msg.find("unknown key alarm.perod"), std::string::npos) << msg;
  EXPECT_NE(msg.find("alarm.period"), std::string::npos) << msg;   // the hint lists the real keys

  const std::string ok = write_file("[alarm]\nperiod = 60\n[watch]\nanything = 1\n");
  auto src2 = source({}, {}, ok);
  load_settings(src2);
  EXPECT_NO_THROW(src2.reject_unknown_keys());   // [watch] belongs to another module
}

TEST(Config, UnknownKeyOnTheCommandLineNamesTheNearestKey) {
  auto src = source({{"alarm.perod", "60"}}, {});
  load_settings(src);
  const std::string msg = error_of([&] { src.reject_unknown_keys(); });
  EXPECT_NE(msg.find("unknown key alarm.perod (from the command line)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean alarm.period?"), std::string::npos) << msg;
  auto ok = source({{"alarm.period", "60"}}, {});
  load_settings(ok);
  EXPECT_NO_THROW(ok.reject_unknown_keys());
}

TEST(Config, UnknownKeyInTheFileNamesTheNearestKey) {
  auto src = source({}, {}, write_file("[alarm]\nperod = 60\n"));
  load_settings(src);
  const std::string msg = error_of([&] { src.reject_unknown_keys(); });
  EXPECT_NE(msg.find("did you mean alarm.period?"), std::string::npos) << msg;
}

TEST(Config, AnotherModulesTableIsCheckedWhenThatModuleReadIt) {
  auto src = source({}, {}, write_file("[watch]\nintervl = 30\n"));
  load_settings(src);
  EXPECT_NO_THROW(src.reject_unknown_keys());   // publish does not read [watch]
  src.get_int("watch.interval", 60);            // as load_watch_settings does
  const std::string msg = error_of([&] { src.reject_unknown_keys(); });
  EXPECT_NE(msg.find("did you mean watch.interval?"), std::string::npos) << msg;
}

TEST(Config, UnknownTableIsReported) {
  auto src = source({}, {}, write_file("[alram]\nperiod = 60\n"));
  load_settings(src);
  EXPECT_NE(error_of([&] { src.reject_unknown_keys(); }).find("unknown table [alram]"), std::string::npos);
}

TEST(Config, MalformedTomlNamesTheLine) {
  const std::string file = write_file("[alarm\nperiod = 60\n");
  const std::string msg = error_of([&] { source({}, {}, file); });
  EXPECT_NE(msg.find("line 1"), std::string::npos) << msg;
}

TEST(Config, ListsFromEnvironmentAndFile) {
  Env env{{{"PINGWATCH_PUBLISH_EXTRA_DIMENSIONS", "InstanceId, PlatformType"}}};
  EXPECT_EQ(load_settings(source({}, env)).publish.extra_dimensions,
            (std::vector<std::string>{"InstanceId", "PlatformType"}));
  const std::string file = write_file("[alarm]\nok_actions = [\"arn:aws:sns:us-east-1:123456789012:T\"]\n");
  EXPECT_EQ(load_settings(source({}, {}, file)).alarm.ok_actions.size(), 1u);
}

TEST(Config, AnotherModuleReadsItsOwnSection) {
  const std::string file = write_file("[watch]\nstale_after = 30\n");
  auto src = source({}, {}, file);
  const std::string msg = error_of([&] { src.get_int("watch.stale_after", 900, int_range(60, 86400)); });
  EXPECT_EQ(msg.rfind("config: watch.stale_after = 30 is not allowed: use an integer from 60 to 86400", 0), 0u) << msg;
}

TEST(Config, SyncAlarmsNeedsATopic) {
  const Settings s = load_settings(source({}, {}));
  const std::string msg = error_of([&] { require_sync_alarms_settings(s); });
  EXPECT_NE(msg.find("CWAlarmSNSTopic"), std::string::npos) << msg;
}

TEST(Config, EnvironmentNames) {
  EXPECT_EQ(ConfigSource::env_name("alarm.topic_arn"), "PINGWATCH_ALARM_TOPIC_ARN");
  EXPECT_EQ(ConfigSource::env_name("region"), "PINGWATCH_REGION");
}

}  // namespace
}  // namespace pingwatch::monitor
