#pragma once
// Metric data as CloudWatch keeps it for what the local stack needs: per metric, one StatisticSet per
// minute (per second for high-resolution data), for a bounded window of simulated time. Raw values are
// not kept, so memory stays bounded (about 40 bytes per metric-minute) at 100,000 metrics.
//
// The window: a series keeps every bucket of the last `retention` (3 h) and, further back up to two weeks
// (the oldest datum PutMetricData accepts), older buckets only while it holds no more buckets than
// `retention` of minute data. A dense series (a datum a minute) keeps exactly its last three hours; a sparse
// one (a datum stamped six hours ago, an hourly job) keeps two weeks, as on AWS. Memory per series never
// exceeds the larger of the two.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pingwatch::local::cloudwatch {

using Dimensions = std::vector<std::pair<std::string, std::string>>;   // name, value

// CloudWatch takes data up to two weeks old, and ListMetrics shows a metric until two weeks after its last datum.
inline constexpr double kMetricDataMaxAgeSeconds = 14 * 86400.0;

struct StatSet {
  double sample_count = 0;
  double sum = 0;
  double minimum = 0;
  double maximum = 0;
  void add(double value, double count);
  void merge(const StatSet& other);
};

// Identity of a metric. Dimensions sorted by name: CloudWatch treats them as a set.
struct MetricKey {
  std::string namespace_;
  std::string metric_name;
  Dimensions dimensions;
  bool operator<(const MetricKey& other) const;
  bool operator==(const MetricKey& other) const;
  static MetricKey make(std::string ns, std::string name, Dimensions dims);
};

enum class Statistic { SampleCount, Average, Sum, Minimum, Maximum };
std::optional<Statistic> parse_statistic(const std::string& name);
std::string statistic_name(Statistic statistic);
double statistic_value(const StatSet& set, Statistic statistic);

struct Bucket {
  uint32_t start;   // epoch seconds (simulated)
  StatSet stats;
};

struct MetricSeries {
  std::string unit;          // unit of the latest datum ("" = none given)
  double last_put = 0;       // simulated time of the latest datum
  std::vector<Bucket> buckets;   // sorted by start
};

class MetricStore {
 public:
  explicit MetricStore(double retention_seconds = 3 * 3600) : retention_(retention_seconds) {}

  // timestamp: simulated epoch seconds; resolution 1 (high resolution) or 60.
  void add(const MetricKey& key, double timestamp, const StatSet& values, const std::string& unit, int resolution,
           double now);
  // Aggregate of [start, end) for a metric; nullopt when no datum falls in it. unit: "" = any.
  std::optional<StatSet> aggregate(const MetricKey& key, double start, double end, const std::string& unit = {}) const;
  const MetricSeries* find(const MetricKey& key) const;
  // Drops the buckets outside the window above and metrics with no data for two weeks.
  void expire(double now);

  const std::map<MetricKey, MetricSeries>& metrics() const { return metrics_; }
  size_t metric_count() const { return metrics_.size(); }
  size_t bucket_count() const;

  nlohmann::json save() const;
  void load(const nlohmann::json& state);

 private:
  size_t max_buckets() const { return static_cast<size_t>(retention_ / 60); }   // retention of minute data

  double retention_;
  std::map<MetricKey, MetricSeries> metrics_;
};

}  // namespace pingwatch::local::cloudwatch
