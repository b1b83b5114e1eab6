#pragma once
// Prometheus text exposition (format 0.0.4) and the few metric kinds the daemon keeps: labelled counters
// and a histogram. The daemon's /metrics writes its families with MetricsText; nothing here knows AWS or SSM.
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pingwatch::runtime {

using LabelValues = std::vector<std::string>;

// Writes one family at a time: family() once (HELP, TYPE), then its samples.
class MetricsText {
 public:
  // type: "counter", "gauge" or "histogram".
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const std::vector<std::string>& label_names, const LabelValues& label_values,
              double value);
  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }
  void reserve(std::size_t bytes) { out_.reserve(bytes); }

 private:
  std::string out_;
};

// Label values escaped as the format requires: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);
// Numbers as Prometheus reads them: integers without a fraction, +Inf/-Inf/NaN spelled out.
std::string format_sample_value(double value);

// A counter family: monotonically increasing values per label set. Thread-safe.
class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void add(const LabelValues& labels, double amount = 1);
  void touch(const LabelValues& labels);   // exists with 0, so rate() sees the first increase
  void write(MetricsText& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<LabelValues, double> values_;
};

// A histogram family (cumulative buckets, _sum, _count) per label set. Thread-safe.
class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> upper_bounds);
  void observe(const LabelValues& labels, double value);
  void write(MetricsText& out) const;

 private:
  struct Series {
    std::vector<long> buckets;   // per upper bound, not cumulative
    long count = 0;
    double sum = 0;
  };
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<LabelValues, Series> series_;
};

}  // namespace pingwatch::runtime
