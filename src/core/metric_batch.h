#pragma once
// Splitting metric data into PutMetricData requests that CloudWatch accepts:
// at most 1000 datums and at most 1 MB per request (CloudWatch quotas: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
// Pure: no I/O; the size of a request is estimated from its largest wire encoding (awsQuery form body).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/managed_node.h"

namespace pingwatch::core {

struct MetricDimension {
  std::string name;
  std::string value;
  bool operator==(const MetricDimension&) const = default;
};

struct MetricDatum {
  std::string metric_name;
  std::vector<MetricDimension> dimensions;
  double value = 0;
  std::string unit = "Count";
  std::optional<EpochSeconds> timestamp;   // server time of the page the value came from
};

struct BatchLimits {
  std::size_t max_datums = 1000;
  std::size_t max_bytes = 1'000'000;         // CloudWatch: 1 MB per PutMetricData request
  std::size_t request_overhead_bytes = 512;  // Action, Version, Namespace, headers' share of the budget
};

// Bytes this datum adds to a request, measured on the awsQuery form encoding (the larger of the two
// encodings CloudWatch accepts; JSON 1.0 is smaller), with member indexes counted as 4 digits.
std::size_t encoded_datum_bytes(const MetricDatum& datum);

// Splits data, in order, into batches within the limits. A datum that alone exceeds max_bytes
// cannot be sent at all: throws std::invalid_argument naming the metric.
std::vector<std::vector<MetricDatum>> split_into_batches(std::vector<MetricDatum> data, const BatchLimits& limits = {});

// Incremental form of split_into_batches for streaming producers (a page at a time):
// add() returns a full batch when the next datum would not fit, flush() returns the remainder.
class MetricBatcher {
 public:
  explicit MetricBatcher(BatchLimits limits = {});
  std::optional<std::vector<MetricDatum>> add(MetricDatum datum);
  std::optional<std::vector<MetricDatum>> flush();
  std::size_t pending() const { return current_.size(); }

 private:
  BatchLimits limits_;
  std::vector<MetricDatum> current_;
  std::size_t current_bytes_ = 0;
};

}  // namespace pingwatch::core
