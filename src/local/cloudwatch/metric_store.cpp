#include "local/cloudwatch/metric_store.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace pingwatch::local::cloudwatch {

void StatSet::add(double value, double count) {
  if (sample_count == 0) {
    minimum = maximum = value;
  } else {
    minimum = std::min(minimum, value);
    maximum = std::max(maximum, value);
  }
  sample_count += count;
  sum += value * count;
}

void StatSet::merge(const StatSet& other) {
  if (other.sample_count == 0) return;
  if (sample_count == 0) {
    *this = other;
    return;
  }
  minimum = std::min(minimum, other.minimum);
  maximum = std::max(maximum, other.maximum);
  sample_count += other.sample_count;
  sum += other.sum;
}

bool MetricKey::operator<(const MetricKey& other) const {
  return std::tie(namespace_, metric_name, dimensions) < std::tie(other.namespace_, other.metric_name, other.dimensions);
}
bool MetricKey::operator==(const MetricKey& other) const {
  return namespace_ == other.namespace_ && metric_name == other.metric_name && dimensions == other.dimensions;
}

MetricKey MetricKey::make(std::string ns, std::string name, Dimensions dims) {
  std::sort(dims.begin(), dims.end());
  return MetricKey{std::move(ns), std::move(name), std::move(dims)};
}

std::optional<Statistic> parse_statistic(const std::string& name) {
  if (name == "SampleCount") return Statistic::SampleCount;
  if (name == "Average") return Statistic::Average;
  if (name == "Sum") return Statistic::Sum;
  if (name == "Minimum") return Statistic::Minimum;
  if (name == "Maximum") return Statistic::Maximum;
  return std::nullopt;
}

std::string statistic_name(Statistic statistic) {
  switch (statistic) {
    case Statistic::SampleCount: return "SampleCount";
    case Statistic::Average: return "Average";
    case Statistic::Sum: return "Sum";
    case Statistic::Minimum: return "Minimum";
    case Statistic::Maximum: return "Maximum";
  }
  return "Average";
}

double statistic_value(const StatSet& set, Statistic statistic) {
  switch (statistic) {
    case Statistic::SampleCount: return set.sample_count;
    case Statistic::Average: return set.sample_count > 0 ? set.sum / set.sample_count : 0;
    case Statistic::Sum: return set.sum;
    case Statistic::Minimum: return set.minimum;
    case Statistic::Maximum: return set.maximum;
  }
  return 0;
}

void MetricStore::add(const MetricKey& key, double timestamp, const StatSet& values, const std::string& unit,
                      int resolution, double now) {
  auto& series = metrics_[key];
  if (!unit.empty() || series.unit.empty()) series.unit = unit;
  series.last_put = std::max(series.last_put, now);
  // Accepted (AWS takes two weeks back) but beyond what the series keeps (see the window in the header).
  if (timestamp < now - kMetricDataMaxAgeSeconds) return;
  if (timestamp < now - retention_ && series.buckets.size() >= max_buckets()) return;
  int step = resolution == 1 ? 1 : 60;
  auto start = static_cast<uint32_t>(std::floor(timestamp / step) * step);
  auto& buckets = series.buckets;
  if (buckets.empty() || buckets.back().start < start) {
    // Grow by a fixed step rather than doubling: a series holds ~180 buckets and doubling would leave
    // up to half of them as slack (30 MB at 10,000 metrics).
    if (buckets.size() == buckets.capacity()) buckets.reserve(buckets.size() + 32);
    buckets.push_back(Bucket{start, values});
    return;
  }
  auto it = std::lower_bound(buckets.begin(), buckets.end(), start,
                             [](const Bucket& b, uint32_t s) { return b.start < s; });
  if (it != buckets.end() && it->start == start) it->stats.merge(values);
  else buckets.insert(it, Bucket{start, values});
}

const MetricSeries* MetricStore::find(const MetricKey& key) const {
  auto it = metrics_.find(key);
  return it == metrics_.end() ? nullptr : &it->second;
}

std::optional<StatSet> MetricStore::aggregate(const MetricKey& key, double start, double end,
                                              const std::string& unit) const {
  const MetricSeries* series = find(key);
  if (!series) return std::nullopt;
  if (!unit.empty() && series->unit != unit && !(unit == "None" && series->unit.empty())) return std::nullopt;
  const auto& buckets = series->buckets;
  auto it = std::lower_bound(buckets.begin(), buckets.end(), start,
                             [](const Bucket& b, double s) { return b.start < s; });
  StatSet total;
  for (; it != buckets.end() && it->start < end; ++it) total.merge(it->stats);
  if (total.sample_count == 0) return std::nullopt;
  return total;
}

void MetricStore::expire(double now) {
  const auto first_from = [](const std::vector<Bucket>& buckets, double t) {
    return std::lower_bound(buckets.begin(), buckets.end(), t, [](const Bucket& b, double s) { return b.start < s; });
  };
  for (auto it = metrics_.begin(); it != metrics_.end();) {
    auto& buckets = it->second.buckets;
    // Every bucket of the retention; older ones within two weeks while the series has room for them.
    const auto recent = first_from(buckets, now - retention_);
    const auto in_two_weeks = first_from(buckets, now - kMetricDataMaxAgeSeconds);
    const auto recent_count = static_cast<size_t>(buckets.end() - recent);
    const auto room = static_cast<std::ptrdiff_t>(max_buckets() > recent_count ? max_buckets() - recent_count : 0);
    const auto keep = recent - std::min(recent - in_two_weeks, room);
    // A full series drops expired buckets in batches of 16, so it is shifted every 16 periods, not every minute.
    const bool due = keep - buckets.begin() >= 16 || keep == buckets.end() || buckets.size() <= max_buckets();
    if (keep != buckets.begin() && due) {
      buckets.erase(buckets.begin(), keep);
      if (buckets.capacity() > 2 * buckets.size() + 32) buckets.shrink_to_fit();
    }
    // ListMetrics stops showing a metric two weeks after its last datum.
    if (buckets.empty() && it->second.last_put < now - kMetricDataMaxAgeSeconds) it = metrics_.erase(it);
    else ++it;
  }
}

size_t MetricStore::bucket_count() const {
  size_t n = 0;
  for (const auto& [key, series] : metrics_) n += series.buckets.size();
  return n;
}

nlohmann::json MetricStore::save() const {
  auto out = nlohmann::json::array();
  for (const auto& [key, series] : metrics_) {
    nlohmann::json dims = nlohmann::json::array();
    for (const auto& [name, value] : key.dimensions) dims.push_back({name, value});
    nlohmann::json buckets = nlohmann::json::array();
    for (const auto& b : series.buckets)
      buckets.push_back({b.start, b.stats.sample_count, b.stats.sum, b.stats.minimum, b.stats.maximum});
    out.push_back({{"namespace", key.namespace_}, {"name", key.metric_name}, {"dimensions", dims},
                   {"unit", series.unit}, {"last_put", series.last_put}, {"buckets", buckets}});
  }
  return out;
}

void MetricStore::load(const nlohmann::json& state) {
  metrics_.clear();
  if (!state.is_array()) return;
  for (const auto& m : state) {
    Dimensions dims;
    for (const auto& d : m.at("dimensions")) dims.emplace_back(d.at(0).get<std::string>(), d.at(1).get<std::string>());
    MetricSeries series;
    series.unit = m.value("unit", "");
    series.last_put = m.value("last_put", 0.0);
    for (const auto& b : m.at("buckets"))
      series.buckets.push_back(Bucket{b.at(0).get<uint32_t>(),
                                      StatSet{b.at(1).get<double>(), b.at(2).get<double>(), b.at(3).get<double>(),
                                              b.at(4).get<double>()}});
    metrics_[MetricKey::make(m.at("namespace"), m.at("name"), std::move(dims))] = std::move(series);
  }
}

}  // namespace pingwatch::local::cloudwatch
