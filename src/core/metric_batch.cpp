#include "core/metric_batch.h"

#include <stdexcept>
#include <string_view>

namespace pingwatch::core {
namespace {

// Length of a value once form-URL-encoded: unreserved characters stay, everything else is %XX.
std::size_t form_encoded_length(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    n += unreserved ? 1 : 3;
  }
  return n;
}

// "MetricData.member.NNNN." with the widest index a 1000-datum request has.
constexpr std::size_t kMemberPrefix = sizeof("MetricData.member.1000.") - 1;

std::size_t field_bytes(std::string_view key, std::string_view value) {
  return kMemberPrefix + key.size() + 1 /*=*/ + form_encoded_length(value) + 1 /*&*/;
}

}  // namespace

std::size_t encoded_datum_bytes(const MetricDatum& datum) {
  // %.17g is the longest text a double needs; timestamps are ISO 8601 with milliseconds.
  constexpr std::size_t kNumberChars = 24;
  constexpr std::size_t kTimestampChars = sizeof("2024-04-12T08:27:00.000Z") - 1;
  std::size_t bytes = field_bytes("MetricName", datum.metric_name);
  bytes += kMemberPrefix + sizeof("Value=&") - 1 + kNumberChars;
  if (!datum.unit.empty()) bytes += field_bytes("Unit", datum.unit);
  if (datum.timestamp) bytes += kMemberPrefix + sizeof("Timestamp=&") - 1 + kTimestampChars * 3;
  for (const auto& d : datum.dimensions) {
    bytes += field_bytes("Dimensions.member.30.Name", d.name);
    bytes += field_bytes("Dimensions.member.30.Value", d.value);
  }
  return bytes;
}

MetricBatcher::MetricBatcher(BatchLimits limits) : limits_(limits) {
  if (limits_.max_datums == 0 || limits_.max_bytes <= limits_.request_overhead_bytes) {
    throw std::invalid_argument("metric batch limits leave no room for a datum");
  }
}

std::optional<std::vector<MetricDatum>> MetricBatcher::add(MetricDatum datum) {
  const std::size_t bytes = encoded_datum_bytes(datum);
  if (bytes + limits_.request_overhead_bytes > limits_.max_bytes) {
    throw std::invalid_argument("metric datum " + datum.metric_name + " is " + std::to_string(bytes) +
                                " bytes encoded, more than one PutMetricData request may carry (" +
                                std::to_string(limits_.max_bytes) + ")");
  }
  std::optional<std::vector<MetricDatum>> full;
  if (!current_.empty() && (current_.size() + 1 > limits_.max_datums ||
                            current_bytes_ + bytes + limits_.request_overhead_bytes > limits_.max_bytes)) {
    full = std::move(current_);
    current_ = {};
    current_bytes_ = 0;
  }
  current_bytes_ += bytes;
  current_.push_back(std::move(datum));
  return full;
}

std::optional<std::vector<MetricDatum>> MetricBatcher::flush() {
  if (current_.empty()) return std::nullopt;
  std::vector<MetricDatum> out = std::move(current_);
  current_ = {};
  current_bytes_ = 0;
  return out;
}

std::vector<std::vector<MetricDatum>> split_into_batches(std::vector<MetricDatum> data, const BatchLimits& limits) {
  std::vector<std::vector<MetricDatum>> batches;
  MetricBatcher batcher(limits);
  for (auto& d : data) {
    if (auto full = batcher.add(std::move(d))) batches.push_back(std::move(*full));
  }
  if (auto rest = batcher.flush()) batches.push_back(std::move(*rest));
  return batches;
}

}  // namespace pingwatch::core
