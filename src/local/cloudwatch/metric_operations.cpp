// PutMetricData, ListMetrics, GetMetricStatistics, GetMetricData.
#include <algorithm>
#include <cmath>
#include <set>

#include "local/cloudwatch/cloudwatch_service.h"
#include "local/cloudwatch/formatting.h"
#include "local/cloudwatch/validation.h"

namespace pingwatch::local::cloudwatch {
namespace {

using Ordered = nlohmann::ordered_json;

const std::vector<std::string>& standard_units() {
  static const std::vector<std::string> units = {
      "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
      "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
      "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
      "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"};
  return units;
}

void check_unit(const InputObject& in, const std::string& key) {
  auto unit = in.string(key);
  if (!unit) return;
  const auto& units = standard_units();
  if (std::find(units.begin(), units.end(), *unit) == units.end())
    errors::invalid_value("The value " + *unit + " for parameter " + in.path(key) + " is invalid.");
}

// CloudWatch rejects NaN, infinities and magnitudes outside [2^-360, 2^360] (zero is fine).
bool acceptable_value(double v) {
  if (!std::isfinite(v)) return false;
  if (v == 0) return true;
  double magnitude = std::fabs(v);
  return magnitude <= std::ldexp(1.0, 360) && magnitude >= std::ldexp(1.0, -360);
}

Dimensions read_dimensions(const InputObject& in, const std::string& key, bool require_value) {
  Dimensions dims;
  for (const auto& d : in.objects(key)) {
    auto name = d.string("Name");
    auto value = d.string("Value");
    if (!name) errors::missing(d.path("Name"));
    if (!value && require_value) errors::missing(d.path("Value"));
    dims.emplace_back(*name, value.value_or(""));
  }
  return dims;
}

Ordered dimensions_output(const Dimensions& dims) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& [name, value] : dims) {
    nlohmann::ordered_json d;
    d["Name"] = name;
    d["Value"] = value;
    out.push_back(d);
  }
  return out;
}

std::string hex_encode(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::optional<std::string> hex_decode(const std::string& s) {
  if (s.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

bool valid_period(long long period, bool high_resolution_allowed) {
  if (period <= 0) return false;
  if (period % 60 == 0) return true;
  return high_resolution_allowed && (period == 1 || period == 5 || period == 10 || period == 20 || period == 30);
}

}  // namespace

// Exposed to other files of the service.
std::string encode_token(const std::string& s) { return hex_encode(s); }
std::optional<std::string> decode_token(const std::string& s) { return hex_decode(s); }

namespace {

// PutMetricData's checks of the request as a whole: its size, the namespace and the number of data. The namespace.
std::string checked_put_metric_data_namespace(const Request& request, const InputObject& in) {
  if (request.body.size() > 1048576)
    throw ServiceError(413, "RequestEntityTooLarge",
                       "Request size " + std::to_string(request.body.size()) + " exceeded 1048576 bytes");
  auto ns = in.string("Namespace");
  if (!ns) errors::missing("Namespace");
  if (ns->empty() || ns->size() > 255)
    errors::constraint(*ns, "namespace", ns->empty() ? "Member must have length greater than or equal to 1"
                                                     : "Member must have length less than or equal to 255");
  if (ns->rfind("AWS/", 0) == 0) errors::invalid_value("The value AWS/ for parameter Namespace is invalid.");
  if (!in.list_present("MetricData") || in.list_size("MetricData") == 0) errors::missing("MetricData");
  if (in.list_size("MetricData") > 1000)
    errors::invalid_value("The collection MetricData must not have a size greater than 1000.");
  return *ns;
}

// One datum's name and dimensions, checked.
MetricKey checked_metric_key(const InputObject& datum, const std::string& ns) {
  auto name = datum.string("MetricName");
  if (!name) errors::missing(datum.path("MetricName"));
  if (name->empty() || name->size() > 255)
    errors::invalid_value("The value " + *name + " for parameter " + datum.path("MetricName") + " is invalid.");
  if (datum.list_size("Dimensions") > 30)
    errors::invalid_value("The collection " + datum.path("Dimensions") + " must not have a size greater than 30.");
  Dimensions dims = read_dimensions(datum, "Dimensions", true);
  std::set<std::string> names;
  for (const auto& [dn, dv] : dims) {
    if (dn.empty() || dn.size() > 255 || dv.empty() || dv.size() > 1024)
      errors::invalid_value("The value " + (dn.empty() || dn.size() > 255 ? dn : dv) + " for parameter " +
                            datum.path("Dimensions") + " is invalid.");
    if (!names.insert(dn).second)
      errors::invalid_value("No metric may have more than one dimension with the same name: " + dn + ".");
  }
  return MetricKey::make(ns, *name, dims);
}

// Which of the exclusive ways to give a datum's value it uses: Value, Values (+ Counts) or StatisticValues.
enum class ValueForm { Value, Values, StatisticValues };

ValueForm checked_value_form(const InputObject& datum) {
  const bool has_value = datum.has("Value");
  const bool has_values = datum.list_present("Values") && datum.list_size("Values") > 0;
  const bool has_counts = datum.list_present("Counts") && datum.list_size("Counts") > 0;
  const bool has_stats = datum.has("StatisticValues");
  const auto exclusive = [&](const char* a, const char* b) {
    errors::invalid_combination("The parameters " + datum.path(a) + " and " + datum.path(b) +
                                " are mutually exclusive and you have specified both.");
  };
  if (has_value && has_stats) exclusive("Value", "StatisticValues");
  if (has_value && has_values) exclusive("Value", "Values");
  if (has_stats && has_values) exclusive("StatisticValues", "Values");
  if (has_counts && !has_values) errors::missing(datum.path("Values"));
  if (!has_value && !has_values && !has_stats) errors::missing(datum.path("Value"));
  if (datum.list_size("Values") > 150)
    errors::invalid_value("The collection " + datum.path("Values") + " must not have a size greater than 150.");
  if (has_counts && datum.list_size("Counts") != datum.list_size("Values"))
    errors::invalid_value("The parameters " + datum.path("Values") + " and " + datum.path("Counts") +
                          " must be of the same size.");
  return has_value ? ValueForm::Value : has_values ? ValueForm::Values : ValueForm::StatisticValues;
}

int checked_storage_resolution(const InputObject& datum) {
  const auto r = datum.integer("StorageResolution");
  if (!r) return 60;
  if (*r != 1 && *r != 60)
    errors::invalid_value("The value " + std::to_string(*r) + " for parameter " + datum.path("StorageResolution") +
                          " is invalid.");
  return static_cast<int>(*r);
}

// AWS lists every bad value and timestamp of a request, one per line: they are collected, not thrown.
using ValueErrors = std::vector<std::string>;

void check_acceptable(double v, const std::string& path, ValueErrors& value_errors) {
  if (!acceptable_value(v)) value_errors.push_back("The value " + decimal_format(v) + " for parameter " + path + " is invalid.");
}

// Values with their Counts (1 each when absent): one set per value counted more than zero times.
std::vector<StatSet> sets_of_values(const InputObject& datum, ValueErrors& value_errors) {
  std::vector<StatSet> sets;
  const auto values = datum.numbers("Values");
  const auto counts = datum.numbers("Counts");
  for (size_t i = 0; i < values.size(); ++i) {
    check_acceptable(values[i], datum.list_path("Values", i), value_errors);
    const double count = counts.empty() ? 1.0 : counts[i];
    if (!std::isfinite(count) || count < 0)
      value_errors.push_back("The value " + decimal_format(count) + " for parameter " + datum.list_path("Counts", i) +
                             " is invalid.");
    if (count <= 0) continue;
    StatSet s;
    s.add(values[i], count);
    sets.push_back(s);
  }
  return sets;
}

StatSet set_of_statistic_values(const InputObject& datum, ValueErrors& value_errors) {
  InputObject stats = datum.object("StatisticValues");
  StatSet s;
  const char* fields[] = {"SampleCount", "Sum", "Minimum", "Maximum"};
  double* targets[] = {&s.sample_count, &s.sum, &s.minimum, &s.maximum};
  for (int i = 0; i < 4; ++i) {
    auto v = stats.number(fields[i]);
    if (!v) errors::missing(stats.path(fields[i]));
    check_acceptable(*v, stats.path(fields[i]), value_errors);
    *targets[i] = *v;
  }
  if (value_errors.empty() && s.maximum < s.minimum)
    errors::invalid_value("The parameter " + stats.path("Maximum") + " must be greater than " + stats.path("Minimum") + ".");
  if (value_errors.empty() && s.sample_count <= 0)
    errors::invalid_value("The value " + decimal_format(s.sample_count) + " for parameter " + stats.path("SampleCount") +
                          " is invalid.");
  return s;
}

std::vector<StatSet> stat_sets_of(const InputObject& datum, ValueForm form, ValueErrors& value_errors) {
  switch (form) {
    case ValueForm::Value: {
      const double v = *datum.number("Value");
      check_acceptable(v, datum.path("Value"), value_errors);
      StatSet s;
      s.add(v, 1);
      return {s};
    }
    case ValueForm::Values: return sets_of_values(datum, value_errors);
    case ValueForm::StatisticValues: return {set_of_statistic_values(datum, value_errors)};
  }
  return {};
}

// A datum's time on the simulated clock: now when it has none, else within two weeks back and two hours ahead.
double datum_time(const InputObject& datum, const ClientTimes& times, double sim_now, ValueErrors& value_errors) {
  const auto ts = datum.timestamp("Timestamp");
  if (!ts) return sim_now;
  const double t = times.to_sim(*ts);
  if (t < sim_now - kMetricDataMaxAgeSeconds)
    value_errors.push_back("The parameter " + datum.path("Timestamp") + " must specify a time within the past two weeks.");
  else if (t > sim_now + 2 * 3600.0)
    value_errors.push_back("The parameter " + datum.path("Timestamp") +
                           " must specify a time no more than two hours in the future.");
  return t;
}

struct ParsedDatum {
  MetricKey key;
  double timestamp;
  std::vector<StatSet> sets;
  std::string unit;
  int resolution;
};

ParsedDatum parse_datum(const InputObject& datum, const std::string& ns, const ClientTimes& times, double sim_now,
                        ValueErrors& value_errors) {
  MetricKey key = checked_metric_key(datum, ns);
  const ValueForm form = checked_value_form(datum);
  check_unit(datum, "Unit");
  const int resolution = checked_storage_resolution(datum);
  ParsedDatum p{std::move(key), sim_now, {}, datum.string("Unit").value_or(""), resolution};
  p.timestamp = datum_time(datum, times, sim_now, value_errors);
  p.sets = stat_sets_of(datum, form, value_errors);
  return p;
}

}  // namespace

CloudWatchService::Ordered CloudWatchService::put_metric_data(const Request& request, const InputObject& in) {
  const std::string ns = checked_put_metric_data_namespace(request, in);
  const double sim_now = now();
  const ClientTimes times = client_times(newest_timestamp(in, "MetricData", "Timestamp").value_or(sim_now));
  std::vector<ParsedDatum> parsed;
  ValueErrors value_errors;
  for (const auto& datum : in.objects("MetricData")) parsed.push_back(parse_datum(datum, ns, times, sim_now, value_errors));
  if (!value_errors.empty()) {
    std::string message;
    for (size_t i = 0; i < value_errors.size(); ++i) message += (i ? "\n" : "") + value_errors[i];
    errors::invalid_value(message);
  }
  // Stored only when every datum is valid: a rejected request changes nothing.
  for (const auto& p : parsed)
    for (const auto& s : p.sets) store_.add(p.key, p.timestamp, s, p.unit, p.resolution, sim_now);
  return nullptr;
}

CloudWatchService::Ordered CloudWatchService::list_metrics(const InputObject& in) {
  auto ns = in.string("Namespace");
  auto name = in.string("MetricName");
  if (in.list_size("Dimensions") > 10)
    errors::constraint(std::to_string(in.list_size("Dimensions")), "dimensions", "Member must have length less than or equal to 10");
  Dimensions filters = read_dimensions(in, "Dimensions", false);
  std::vector<bool> filter_has_value;
  for (const auto& d : in.objects("Dimensions")) filter_has_value.push_back(d.has("Value"));
  auto recently = in.string("RecentlyActive");
  if (recently && *recently != "PT3H")
    errors::constraint(*recently, "recentlyActive", "Member must satisfy enum value set: [PT3H]");
  const double sim_now = now();

  const auto& metrics = store_.metrics();
  auto it = metrics.begin();
  if (auto token = in.string("NextToken")) {
    auto decoded = decode_token(*token);
    nlohmann::json key_json;
    if (decoded) key_json = nlohmann::json::parse(*decoded, nullptr, false);
    if (!decoded || key_json.is_discarded() || !key_json.is_array() || key_json.size() != 3)
      errors::invalid_value("The value " + *token + " for parameter NextToken is invalid.");
    Dimensions dims;
    for (const auto& d : key_json[2]) dims.emplace_back(d.at(0).get<std::string>(), d.at(1).get<std::string>());
    it = metrics.upper_bound(MetricKey::make(key_json[0].get<std::string>(), key_json[1].get<std::string>(), dims));
  }
  Ordered out;
  auto list = Ordered::array();
  const MetricKey* last = nullptr;
  size_t count = 0;
  bool more = false;
  for (; it != metrics.end(); ++it) {
    const auto& [key, series] = *it;
    if (ns && key.namespace_ != *ns) continue;
    if (name && key.metric_name != *name) continue;
    if (recently && series.last_put < sim_now - 3 * 3600) continue;
    bool match = true;
    for (size_t i = 0; i < filters.size() && match; ++i) {
      bool found = false;
      for (const auto& [dn, dv] : key.dimensions)
        if (dn == filters[i].first && (!filter_has_value[i] || dv == filters[i].second)) found = true;
      match = found;
    }
    if (!match) continue;
    if (count == 500) {
      more = true;
      break;
    }
    Ordered metric;
    metric["Namespace"] = key.namespace_;
    metric["MetricName"] = key.metric_name;
    metric["Dimensions"] = dimensions_output(key.dimensions);
    list.push_back(metric);
    last = &key;
    ++count;
  }
  out["Metrics"] = list;
  if (more && last) {
    nlohmann::json dims = nlohmann::json::array();
    for (const auto& [dn, dv] : last->dimensions) dims.push_back({dn, dv});
    out["NextToken"] = encode_token(nlohmann::json::array({last->namespace_, last->metric_name, dims}).dump());
  }
  return out;
}

CloudWatchService::Ordered CloudWatchService::get_metric_statistics(const InputObject& in) {
  auto ns = in.string("Namespace");
  auto name = in.string("MetricName");
  auto start = in.timestamp("StartTime");
  auto end = in.timestamp("EndTime");
  auto period = in.integer("Period");
  if (!ns) errors::missing("Namespace");
  if (!name) errors::missing("MetricName");
  if (!start) errors::missing("StartTime");
  if (!end) errors::missing("EndTime");
  if (!period) errors::missing("Period");
  auto statistics = in.strings("Statistics");
  auto extended = in.strings("ExtendedStatistics");
  if (statistics.empty() && extended.empty())
    errors::missing("Statistics");
  if (!extended.empty())
    errors::invalid_value("The value " + extended.front() +
                          " for parameter ExtendedStatistics is invalid: the local stack keeps statistic sets, not raw values, so percentiles are not available.");
  if (statistics.size() > 5)
    errors::constraint(errors::list_text(statistics), "statistics", "Member must have length less than or equal to 5");
  std::vector<Statistic> stats;
  for (const auto& s : statistics) {
    auto parsed = parse_statistic(s);
    if (!parsed)
      errors::constraint(errors::list_text(statistics), "statistics",
                         "Member must satisfy constraint: [Member must satisfy enum value set: [Maximum, SampleCount, Sum, Minimum, Average]]");
    stats.push_back(*parsed);
  }
  check_unit(in, "Unit");
  if (!valid_period(*period, true) || (*period > 60 && *period % 60 != 0))
    errors::invalid_value("The parameter Period must be a multiple of 60.");
  const ClientTimes times = client_times(*end);
  double t0 = times.to_sim(*start), t1 = times.to_sim(*end);
  if (t0 == t1) errors::invalid_value("The parameter StartTime must not equal parameter EndTime.");
  if (t0 > t1) errors::invalid_value("The parameter StartTime must be less than the parameter EndTime.");
  double requested = std::ceil((t1 - t0) / static_cast<double>(*period));
  if (requested > 1440)
    errors::invalid_combination("You have requested up to " + std::to_string(static_cast<long long>(requested)) +
                                " datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.");
  MetricKey key = MetricKey::make(*ns, *name, read_dimensions(in, "Dimensions", true));
  std::string unit = in.string("Unit").value_or("");
  const MetricSeries* series = store_.find(key);
  auto points = Ordered::array();
  double p = static_cast<double>(*period);
  for (double t = std::floor(t0 / p) * p; t < t1; t += p) {
    auto agg = store_.aggregate(key, t, t + p, unit);
    if (!agg) continue;
    Ordered dp;
    dp["Timestamp"] = t;
    for (auto s : stats) dp[statistic_name(s)] = statistic_value(*agg, s);
    dp["Unit"] = series && !series->unit.empty() ? series->unit : "None";
    points.push_back(dp);
  }
  Ordered out;
  out["Label"] = *name;
  out["Datapoints"] = points;
  return out;
}

CloudWatchService::Ordered CloudWatchService::get_metric_data(const InputObject& in) {
  auto start = in.timestamp("StartTime");
  auto end = in.timestamp("EndTime");
  if (!in.list_present("MetricDataQueries")) errors::missing("MetricDataQueries");
  if (!start) errors::missing("StartTime");
  if (!end) errors::missing("EndTime");
  if (in.list_size("MetricDataQueries") > 500)
    errors::invalid_value("The collection MetricDataQueries must not have a size greater than 500.");
  const ClientTimes times = client_times(*end);
  double t0 = times.to_sim(*start), t1 = times.to_sim(*end);
  if (t0 >= t1) errors::validation("The parameter StartTime must be less than the parameter EndTime.");
  bool ascending = in.string("ScanBy").value_or("TimestampDescending") == "TimestampAscending";
  auto max_points = in.integer("MaxDatapoints").value_or(100800);
  std::set<std::string> ids;
  auto results = Ordered::array();
  long long returned = 0;
  for (const auto& q : in.objects("MetricDataQueries")) {
    auto id = q.string("Id");
    if (!id) errors::missing(q.path("Id"));
    if (id->empty() || !(id->front() >= 'a' && id->front() <= 'z'))
      errors::validation("The value " + *id + " for parameter " + q.path("Id") +
                         " is invalid. It must start with a lowercase letter and contain only letters, numbers and underscores.");
    if (!ids.insert(*id).second) errors::validation("The values for parameter id in MetricDataQueries are not unique.");
    if (q.has("Expression"))
      errors::validation("The value " + q.string("Expression").value_or("") + " for parameter " + q.path("Expression") +
                         " is not supported: the local stack evaluates MetricStat queries only.");
    if (!q.has("MetricStat")) errors::validation("Each MetricDataQuery must specify Expression or MetricStat.");
    InputObject stat = q.object("MetricStat");
    InputObject metric = stat.object("Metric");
    auto ns = metric.string("Namespace");
    auto name = metric.string("MetricName");
    auto period = stat.integer("Period");
    auto stat_name = stat.string("Stat");
    if (!ns) errors::missing(metric.path("Namespace"));
    if (!name) errors::missing(metric.path("MetricName"));
    if (!period) errors::missing(stat.path("Period"));
    if (!stat_name) errors::missing(stat.path("Stat"));
    if (!valid_period(*period, true))
      errors::validation("The value " + std::to_string(*period) + " for parameter " + stat.path("Period") +
                         " is invalid. Period must be 1, 5, 10, 20, 30, 60, or any multiple of 60.");
    auto statistic = parse_statistic(*stat_name);
    if (!statistic)
      errors::validation("The value " + *stat_name + " for parameter " + stat.path("Stat") +
                         " is invalid: the local stack supports SampleCount, Average, Sum, Minimum and Maximum.");
    bool return_data = q.boolean("ReturnData").value_or(true);
    if (!return_data) continue;
    MetricKey key = MetricKey::make(*ns, *name, read_dimensions(metric, "Dimensions", true));
    std::string unit = stat.string("Unit").value_or("");
    double p = static_cast<double>(*period);
    std::vector<std::pair<double, double>> points;
    for (double t = std::floor(t0 / p) * p; t < t1; t += p) {
      auto agg = store_.aggregate(key, t, t + p, unit);
      if (agg) points.emplace_back(t, statistic_value(*agg, *statistic));
    }
    if (!ascending) std::reverse(points.begin(), points.end());
    Ordered result;
    result["Id"] = *id;
    result["Label"] = q.string("Label").value_or(*name);
    auto timestamps = Ordered::array();
    auto values = Ordered::array();
    for (const auto& [t, v] : points) {
      if (returned >= max_points) break;
      timestamps.push_back(t);
      values.push_back(v);
      ++returned;
    }
    result["Timestamps"] = timestamps;
    result["Values"] = values;
    result["StatusCode"] = "Complete";
    results.push_back(result);
  }
  Ordered out;
  out["MetricDataResults"] = results;
  out["Messages"] = Ordered::array();
  return out;
}

}  // namespace pingwatch::local::cloudwatch
