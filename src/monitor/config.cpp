#include "monitor/config.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <charconv>
#include <cmath>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace pingwatch::monitor {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string render(const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  std::ostringstream out;
  node.visit([&](const auto& n) { out << n; });
  return out.str();
}

const toml::table* table_of(const std::shared_ptr<void>& p) { return static_cast<const toml::table*>(p.get()); }

std::string join(const std::vector<std::string>& items, std::string_view last_sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? std::string(last_sep) : std::string(", ");
    out += items[i];
  }
  return out;
}

// The keys of pingwatch's own tables, for the unknown-key check and its hint.
const std::set<std::string>& owned_sections() {
  static const std::set<std::string> s{"metric", "publish", "alarm", "schedule", "log"};
  return s;
}

}  // namespace

const std::vector<std::string>& foreign_config_sections() {
  static const std::vector<std::string> s{"watch", "state", "lambda", "deploy", "local", "status", "server"};
  return s;
}

Validator<long long> int_range(long long min, long long max) {
  return [=](const long long& v) -> std::optional<std::string> {
    if (v >= min && v <= max) return std::nullopt;
    return fmt::format("use an integer from {} to {}", min, max);
  };
}

Validator<double> number_range(double min, double max, bool min_exclusive) {
  return [=](const double& v) -> std::optional<std::string> {
    const bool low_ok = min_exclusive ? v > min : v >= min;
    if (std::isfinite(v) && low_ok && v <= max) return std::nullopt;
    return fmt::format("use a number {} {} and at most {}", min_exclusive ? "greater than" : "from", min, max);
  };
}

Validator<std::string> one_of(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const std::string& v) -> std::optional<std::string> {
    if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return std::nullopt;
    return "use " + join(allowed, " or ");
  };
}

std::string ConfigSource::env_name(std::string_view key) {
  std::string out = "PINGWATCH_";
  for (char c : key) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

ConfigSource ConfigSource::load(Inputs inputs) {
  ConfigSource source;
  if (!inputs.getenv) inputs.getenv = aws::process_env();
  std::optional<std::string> path = inputs.config_file;
  std::string origin = "--config";
  if (!path) {
    if (auto env = inputs.getenv("PINGWATCH_CONFIG"); env && !env->empty()) {
      path = *env;
      origin = "PINGWATCH_CONFIG";
    }
  }
  source.inputs_ = std::move(inputs);
  auto table = std::make_shared<toml::table>();
  if (path) {
    try {
      *table = toml::parse_file(*path);
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      throw ConfigError(fmt::format("config: cannot read {} (from {}): {} at line {}, column {}", *path, origin,
                                    e.description(), where.line, where.column));
    }
    source.file_path_ = *path;
  }
  source.table_ = std::move(table);
  return source;
}

ConfigSource ConfigSource::from_environment(aws::GetEnv getenv) {
  Inputs in;
  in.getenv = std::move(getenv);
  return load(std::move(in));
}

std::optional<ConfigSource::Found> ConfigSource::find(std::string_view key,
                                                      const std::vector<std::string>& extra_env) const {
  read_keys_.emplace_back(key);
  if (auto it = inputs_.flags.find(std::string(key)); it != inputs_.flags.end()) {
    return Found{it->second, "command line", nullptr};
  }
  std::vector<std::string> names{env_name(key)};
  names.insert(names.end(), extra_env.begin(), extra_env.end());
  for (const auto& name : names) {
    if (auto v = inputs_.getenv(name); v && !v->empty()) return Found{*v, "environment " + name, nullptr};
  }
  if (const auto* table = table_of(table_)) {
    if (const toml::node* node = table->at_path(key).node()) return Found{render(*node), file_path_, node};
  }
  return std::nullopt;
}

void ConfigSource::fail(std::string_view key, const Found& found, const std::string& allowed) const {
  throw ConfigError(fmt::format("config: {} = {} is not allowed: {} (from {})", key,
                                found.text.empty() ? "\"\"" : found.text, allowed, found.origin));
}

std::string ConfigSource::get_string(std::string_view key, std::string def, const Validator<std::string>& valid,
                                     const std::vector<std::string>& extra_env) const {
  auto found = find(key, extra_env);
  if (!found) return def;
  if (found->node && !static_cast<const toml::node*>(found->node)->is_string()) fail(key, *found, "use a string");
  std::string v = found->node ? found->text : trim(found->text);
  if (valid) {
    if (auto allowed = valid(v)) fail(key, *found, *allowed);
  }
  return v;
}

long long ConfigSource::get_int(std::string_view key, long long def, const Validator<long long>& valid) const {
  auto found = find(key, {});
  if (!found) return def;
  long long v = 0;
  if (found->node) {
    const auto* node = static_cast<const toml::node*>(found->node);
    if (!node->is_integer()) fail(key, *found, valid ? valid(LLONG_MIN).value_or("use an integer") : "use an integer");
    v = node->as_integer()->get();
  } else {
    const std::string text = trim(found->text);
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      fail(key, *found, valid ? valid(LLONG_MIN).value_or("use an integer") : "use an integer");
    }
  }
  if (valid) {
    if (auto allowed = valid(v)) fail(key, *found, *allowed);
  }
  return v;
}

double ConfigSource::get_number(std::string_view key, double def, const Validator<double>& valid) const {
  auto found = find(key, {});
  if (!found) return def;
  const std::string hint = valid ? valid(NAN).value_or("use a number") : "use a number";
  double v = 0;
  if (found->node) {
    const auto* node = static_cast<const toml::node*>(found->node);
    if (auto i = node->as_integer()) {
      v = static_cast<double>(i->get());
    } else if (auto f = node->as_floating_point()) {
      v = f->get();
    } else {
      fail(key, *found, hint);
    }
  } else {
    const std::string text = trim(found->text);
    std::size_t used = 0;
    try {
      v = std::stod(text, &used);
    } catch (const std::exception&) {
      fail(key, *found, hint);
    }
    if (used != text.size()) fail(key, *found, hint);
  }
  if (valid) {
    if (auto allowed = valid(v)) fail(key, *found, *allowed);
  }
  return v;
}

bool ConfigSource::get_bool(std::string_view key, bool def) const {
  auto found = find(key, {});
  if (!found) return def;
  if (found->node) {
    const auto* node = static_cast<const toml::node*>(found->node);
    if (auto b = node->as_boolean()) return b->get();
    fail(key, *found, "use true or false");
  }
  std::string t = trim(found->text);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  fail(key, *found, "use true or false");
}

std::vector<std::string> ConfigSource::get_list(std::string_view key, std::vector<std::string> def,
                                                const Validator<std::string>& each) const {
  auto found = find(key, {});
  if (!found) return def;
  std::vector<std::string> out;
  if (found->node) {
    const auto* arr = static_cast<const toml::node*>(found->node)->as_array();
    if (!arr) fail(key, *found, "use an array of strings, e.g. [\"a\", \"b\"]");
    for (const auto& item : *arr) {
      if (!item.is_string()) fail(key, *found, "use an array of strings, e.g. [\"a\", \"b\"]");
      out.push_back(item.as_string()->get());
    }
  } else {
    std::string_view rest = found->text;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      std::string item = trim(rest.substr(0, comma));
      if (!item.empty()) out.push_back(std::move(item));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (each) {
    for (const auto& item : out) {
      if (auto allowed = each(item)) {
        Found one = *found;
        one.text = item;
        fail(std::string(key) + "[]", one, *allowed);
      }
    }
  }
  return out;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The known key closest to a typo (alarm.perod -> alarm.period).
std::string nearest(const std::string& key, const std::set<std::string>& known) {
  std::string best;
  std::size_t best_distance = SIZE_MAX;
  for (const auto& k : known) {
    if (const std::size_t d = edit_distance(key, k); d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  return best;
}

std::string section_of(const std::string& key) {
  const auto dot = key.find('.');
  return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

}  // namespace

void ConfigSource::reject_unknown_keys() const {
  const std::set<std::string> read(read_keys_.begin(), read_keys_.end());
  const auto hint = [&](const std::string& key) { return "did you mean " + nearest(key, read) + "?"; };
  // Flags (--set KEY=V and the named flags): every key must be one this command reads, or it is ignored.
  for (const auto& [key, value] : inputs_.flags) {
    if (read.count(key) == 0) {
      throw ConfigError(fmt::format("config: unknown key {} (from the command line): {} (this command reads {})", key,
                                    hint(key), join(std::vector<std::string>(read.begin(), read.end()), ", ")));
    }
  }
  const auto* table = table_of(table_);
  if (!table) return;
  const auto& foreign = foreign_config_sections();
  std::set<std::string> read_sections;
  for (const auto& k : read) read_sections.insert(section_of(k));
  const auto known_in = [&](const std::string& prefix) {
    std::vector<std::string> names;
    for (const auto& k : read) {
      if (section_of(k) == prefix) names.push_back(k);
    }
    return join(names, ", ");
  };
  for (const auto& [k, node] : *table) {
    const std::string name(k.str());
    const bool is_foreign = std::find(foreign.begin(), foreign.end(), name) != foreign.end();
    // Another module's table is checked when that module ran in this command (it read keys of it).
    if (is_foreign && read_sections.count(name) == 0) continue;
    if (const auto* sub = node.as_table()) {
      if (!is_foreign && owned_sections().count(name) == 0) {
        std::vector<std::string> sections(owned_sections().begin(), owned_sections().end());
        sections.insert(sections.end(), foreign.begin(), foreign.end());
        throw ConfigError(fmt::format("config: unknown table [{}] in {}: use {}", name, file_path_,
                                      join(sections, " or ")));
      }
      for (const auto& [sk, unused] : *sub) {
        const std::string full = name + "." + std::string(sk.str());
        if (read.count(full) == 0) {
          throw ConfigError(fmt::format("config: unknown key {} in {}: {} (the keys of [{}] are {})", full, file_path_,
                                        hint(full), name, known_in(name)));
        }
      }
    } else if (read.count(name) == 0) {
      throw ConfigError(fmt::format("config: unknown key {} in {}: {} (top-level keys are {})", name, file_path_,
                                    hint(name), known_in("")));
    }
  }
}

namespace {

std::optional<std::string> valid_region(const std::string& v) {
  static const std::regex re("^[a-z]{2}(-[a-z]+)+-[0-9]+$");
  if (v.empty() || std::regex_match(v, re)) return std::nullopt;
  return "use a region name such as us-east-1 or ap-northeast-1";
}

std::optional<std::string> valid_url(const std::string& v) {
  if (v.empty() || v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0) return std::nullopt;
  return "use an http:// or https:// URL, e.g. http://127.0.0.1:4566";
}

std::optional<std::string> valid_sns_arn(const std::string& v) {
  static const std::regex re("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$");
  if (v.empty() || std::regex_match(v, re)) return std::nullopt;
  return "use an SNS topic ARN, arn:aws:sns:REGION:ACCOUNT:NAME";
}

std::optional<std::string> valid_action_arn(const std::string& v) {
  // Alarm actions may be SNS topics, Auto Scaling, EC2 or SSM actions; all are ARNs.
  static const std::regex re("^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:.+$");
  if (std::regex_match(v, re)) return std::nullopt;
  return "use an action ARN, e.g. arn:aws:sns:REGION:ACCOUNT:NAME";
}

// CloudWatch names: 1..255 characters, no leading colon-only restrictions beyond non-empty ASCII printable.
Validator<std::string> cloudwatch_name(std::size_t max_len) {
  return [max_len](const std::string& v) -> std::optional<std::string> {
    const bool printable = std::all_of(v.begin(), v.end(), [](unsigned char c) { return c >= 0x20 && c != 0x7f; });
    if (!v.empty() && v.size() <= max_len && printable) return std::nullopt;
    return fmt::format("use 1 to {} printable characters", max_len);
  };
}

std::optional<std::string> valid_namespace(const std::string& v) {
  if (v.rfind("AWS/", 0) == 0) return "use a namespace that does not start with AWS/ (reserved for AWS)";
  return cloudwatch_name(255)(v);
}

std::optional<std::string> valid_prefix(const std::string& v) {
  if (!v.empty() && v.size() <= 200) return std::nullopt;
  return "use 1 to 200 characters (alarm names are at most 255 with the instance id)";
}

std::optional<std::string> valid_period(const long long& v) {
  if (v == 10 || v == 20 || v == 30 || (v >= 60 && v % 60 == 0 && v <= 86400)) return std::nullopt;
  return "use 10, 20, 30 or a multiple of 60 up to 86400";
}

std::optional<std::string> valid_interval(const long long& v) {
  if (v >= 10 && v <= 86400) return std::nullopt;
  return "use a number of seconds from 10 to 86400";
}

const std::vector<std::string> kExtraDimensionFields{"InstanceId",   "PlatformType", "PlatformName",
                                                     "ResourceType", "AgentVersion", "ComputerName",
                                                     "Name",         "IPAddress",    "SourceType"};

}  // namespace

Settings load_settings(const ConfigSource& src) {
  Settings s;
  s.origin.flags = src.inputs().flags;
  s.origin.config_file = src.inputs().config_file;
  s.aws.region = src.get_string("region", "", valid_region);
  s.aws.profile = src.get_string("profile", "");
  s.aws.endpoint_url = src.get_string("endpoint_url", "", valid_url);

  s.metric.namespace_ = src.get_string("metric.namespace", s.metric.namespace_, valid_namespace);
  s.metric.metric_name = src.get_string("metric.name", s.metric.metric_name, cloudwatch_name(255));
  s.metric.dimension_name = src.get_string("metric.dimension_name", s.metric.dimension_name, cloudwatch_name(255));
  s.metric.unit = src.get_string(
      "metric.unit", s.metric.unit, one_of({"Count", "None", "Percent", "Count/Second"}));

  auto& p = s.publish;
  p.unknown_status_value = src.get_number("publish.unknown_status_value", p.unknown_status_value,
                                          number_range(-1e9, 1e9));
  p.concurrency = static_cast<int>(src.get_int("publish.concurrency", p.concurrency, int_range(1, 64)));
  p.page_size = static_cast<int>(src.get_int("publish.page_size", p.page_size, int_range(5, 50)));
  p.extra_dimensions = src.get_list("publish.extra_dimensions", {}, one_of(kExtraDimensionFields));
  if (p.extra_dimensions.size() > 29) {
    throw ConfigError("config: publish.extra_dimensions has more than 29 fields: CloudWatch allows 30 dimensions");
  }
  p.aggregate_metrics = src.get_bool("publish.aggregate_metrics", p.aggregate_metrics);
  p.aggregate_metric_name =
      src.get_string("publish.aggregate_metric_name", p.aggregate_metric_name, cloudwatch_name(255));

  auto& a = s.alarm;
  a.prefix = src.get_string("alarm.prefix", a.prefix, valid_prefix);
  a.topic_arn = src.get_string("alarm.topic_arn", "", valid_sns_arn, {"CWAlarmSNSTopic"});
  a.ok_actions = src.get_list("alarm.ok_actions", {}, valid_action_arn);
  if (a.ok_actions.size() > 5) throw ConfigError("config: alarm.ok_actions has more than 5 ARNs: CloudWatch allows 5");
  a.statistic = src.get_string("alarm.statistic", a.statistic,
                               one_of({"Maximum", "Minimum", "Average", "Sum", "SampleCount"}));
  a.period = static_cast<int>(src.get_int("alarm.period", a.period, valid_period));
  a.evaluation_periods =
      static_cast<int>(src.get_int("alarm.evaluation_periods", a.evaluation_periods, int_range(1, 1440)));
  a.datapoints_to_alarm = static_cast<int>(
      src.get_int("alarm.datapoints_to_alarm", a.datapoints_to_alarm, int_range(1, a.evaluation_periods)));
  if (static_cast<long long>(a.period) * a.evaluation_periods > 86400) {
    throw ConfigError(fmt::format(
        "config: alarm.evaluation_periods = {} is not allowed with alarm.period = {}: period x evaluation_periods "
        "must be at most 86400 seconds (one day)",
        a.evaluation_periods, a.period));
  }
  a.threshold = src.get_number("alarm.threshold", a.threshold, number_range(-1e12, 1e12));
  a.comparison_operator = src.get_string("alarm.comparison_operator", a.comparison_operator,
                                         one_of({"GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
                                                 "LessThanThreshold", "LessThanOrEqualToThreshold"}));
  a.treat_missing_data = src.get_string("alarm.treat_missing_data", a.treat_missing_data,
                                        one_of({"missing", "notBreaching", "breaching", "ignore"}));
  a.put_tps = src.get_number("alarm.put_tps", a.put_tps, number_range(0, 1000, true));
  a.delete_tps = src.get_number("alarm.delete_tps", a.delete_tps, number_range(0, 1000, true));
  a.write_concurrency = static_cast<int>(src.get_int("alarm.write_concurrency", a.write_concurrency, int_range(1, 64)));
  a.adopt_unmanaged = src.get_bool("alarm.adopt_unmanaged", a.adopt_unmanaged);
  a.recheck_minutes = static_cast<int>(src.get_int("alarm.recheck_minutes", a.recheck_minutes, int_range(0, 1440)));
  a.state_file = src.get_string("alarm.state_file", a.state_file);

  auto& sc = s.schedule;
  const int interval = static_cast<int>(src.get_int("schedule.interval", 60, valid_interval));
  sc.publish_interval = static_cast<int>(src.get_int("schedule.publish_interval", interval, valid_interval));
  sc.sync_alarms_interval = static_cast<int>(src.get_int("schedule.sync_alarms_interval", interval, valid_interval));
  sc.align = src.get_bool("schedule.align", sc.align);

  s.log.level = src.get_string("log.level", s.log.level, one_of({"trace", "debug", "info", "warn", "error", "off"}));
  s.log.format = src.get_string("log.format", s.log.format, one_of({"json", "text"}));
  return s;
}

void require_sync_alarms_settings(const Settings& s) {
  if (s.alarm.topic_arn.empty()) {
    throw ConfigError(
        "config: alarm.topic_arn is not set: sync-alarms needs the SNS topic the alarms notify; set --topic-arn, "
        "PINGWATCH_ALARM_TOPIC_ARN or CWAlarmSNSTopic (as in the post), or alarm.topic_arn in the config file");
  }
}

}  // namespace pingwatch::monitor
