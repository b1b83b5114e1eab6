#include "core/metric_batch.h"

#include <gtest/gtest.h>

#include <string>

namespace pingwatch::core {
namespace {

MetricDatum node_datum(int i) {
  MetricDatum d;
  d.metric_name = "Status";
  d.dimensions = {{"Per-Instance Metrics", "i-" + std::to_string(100000000000000000 + i)}};
  d.value = i % 3;
  d.timestamp = 1712910420.0;
  return d;
}

std::vector<MetricDatum> nodes(int n) {
  std::vector<MetricDatum> v;
  for (int i = 0; i < n; ++i) v.push_back(node_datum(i));
  return v;
}

TEST(MetricBatch, ThousandNodesFitOneRequest) {
  auto batches = split_into_batches(nodes(1000));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].size(), 1000u);
}

TEST(MetricBatch, SplitsAtThousandDatums) {
  auto batches = split_into_batches(nodes(2501));
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].size(), 1000u);
  EXPECT_EQ(batches[1].size(), 1000u);
  EXPECT_EQ(batches[2].size(), 501u);
  // Order is kept: the first datum of the second batch is the 1001st.
  EXPECT_EQ(batches[1][0].dimensions[0].value, node_datum(1000).dimensions[0].value);
}

TEST(MetricBatch, SplitsAtTheByteLimitBeforeTheCountLimit) {
  // Long dimension values (non-ASCII text triples when form-encoded) make 1000 datums exceed 1 MB.
  std::vector<MetricDatum> data;
  for (int i = 0; i < 1000; ++i) {
    MetricDatum d = node_datum(i);
    for (int k = 0; k < 10; ++k) d.dimensions.push_back({"Tag" + std::to_string(k), std::string(100, 'x')});
    data.push_back(d);
  }
  const std::size_t one = encoded_datum_bytes(data[0]);
  ASSERT_GT(one * 1000, 1'000'000u);
  BatchLimits limits;
  auto batches = split_into_batches(data, limits);
  ASSERT_GE(batches.size(), 2u);
  std::size_t total = 0;
  for (const auto& b : batches) {
    std::size_t bytes = limits.request_overhead_bytes;
    for (const auto& d : b) bytes += encoded_datum_bytes(d);
    EXPECT_LE(bytes, limits.max_bytes);
    EXPECT_LE(b.size(), limits.max_datums);
    total += b.size();
  }
  EXPECT_EQ(total, 1000u);
}

TEST(MetricBatch, EncodedSizeCountsPercentEncoding) {
  MetricDatum plain = node_datum(1);
  MetricDatum spaced = plain;
  spaced.dimensions[0].value = "a b c";   // spaces become %20
  MetricDatum ascii = plain;
  ascii.dimensions[0].value = "abc";
  EXPECT_EQ(encoded_datum_bytes(spaced) - encoded_datum_bytes(ascii), 6u);   // "a%20b%20c" (9) vs "abc" (3)
}

TEST(MetricBatch, DatumLargerThanARequestIsRefused) {
  MetricDatum d = node_datum(1);
  d.dimensions[0].value = std::string(400'000, '\xE3');
  EXPECT_THROW(split_into_batches({d}), std::invalid_argument);
}

TEST(MetricBatch, StreamingBatcherEmitsFullBatchesAndRemainder) {
  MetricBatcher batcher({.max_datums = 3});
  int full = 0;
  for (int i = 0; i < 7; ++i) {
    if (auto b = batcher.add(node_datum(i))) {
      EXPECT_EQ(b->size(), 3u);
      ++full;
    }
  }
  EXPECT_EQ(full, 2);
  auto rest = batcher.flush();
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->size(), 1u);
  EXPECT_FALSE(batcher.flush());
}

TEST(MetricBatch, EmptyInputGivesNoRequests) { EXPECT_TRUE(split_into_batches({}).empty()); }

}  // namespace
}  // namespace pingwatch::core
