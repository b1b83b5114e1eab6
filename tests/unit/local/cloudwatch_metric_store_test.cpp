// The metric store keeps a bounded window at one-minute resolution, merges datums per minute, and ages out.
#include <gtest/gtest.h>

#include "local/cloudwatch/metric_store.h"

using namespace pingwatch::local::cloudwatch;

namespace {
StatSet one(double v) {
  StatSet s;
  s.add(v, 1);
  return s;
}
}  // namespace

TEST(CloudWatchMetricStore, MergesDatumsOfTheSameMinuteAndAggregatesPeriods) {
  MetricStore store;
  auto key = MetricKey::make("SSM Agent", "Status", {{"Per-Instance Metrics", "i-1"}});
  double t0 = 1712910000;
  store.add(key, t0 + 5, one(1), "Count", 60, t0 + 5);
  store.add(key, t0 + 50, one(3), "Count", 60, t0 + 50);
  store.add(key, t0 + 65, one(2), "Count", 60, t0 + 65);
  auto minute = store.aggregate(key, t0, t0 + 60);
  ASSERT_TRUE(minute.has_value());
  EXPECT_EQ(minute->sample_count, 2);
  EXPECT_EQ(minute->maximum, 3);
  EXPECT_EQ(statistic_value(*minute, Statistic::Average), 2);
  auto both = store.aggregate(key, t0, t0 + 120);
  EXPECT_EQ(both->sample_count, 3);
  EXPECT_EQ(both->minimum, 1);
  EXPECT_FALSE(store.aggregate(key, t0 + 120, t0 + 180).has_value());
  EXPECT_FALSE(store.aggregate(key, t0, t0 + 60, "Seconds").has_value());   // unit filter
  // Dimension order does not make another metric.
  auto same = MetricKey::make("SSM Agent", "Status", {{"Per-Instance Metrics", "i-1"}});
  EXPECT_TRUE(same == key);
  EXPECT_EQ(store.metric_count(), 1u);
}

TEST(CloudWatchMetricStore, RetentionBoundsTheBucketsAndListingEndsAfterTwoWeeks) {
  MetricStore store(3 * 3600);
  auto key = MetricKey::make("ns", "m", {});
  double t0 = 1712910000;
  for (int minute = 0; minute < 6 * 60; ++minute) {
    double t = t0 + minute * 60;
    store.add(key, t, one(minute), "", 60, t);
    store.expire(t);
  }
  EXPECT_LE(store.bucket_count(), 180u + 16u);
  EXPECT_GE(store.bucket_count(), 180u);
  // A datum older than the retention is accepted but not kept.
  store.add(key, t0, one(1), "", 60, t0 + 6 * 3600);
  EXPECT_FALSE(store.aggregate(key, t0, t0 + 60).has_value());
  store.expire(t0 + 6 * 3600 + 15 * 86400);
  EXPECT_EQ(store.metric_count(), 0u);
}

TEST(CloudWatchMetricStore, ASparseSeriesKeepsTwoWeeksADenseOneItsLastThreeHours) {
  MetricStore store(3 * 3600);
  auto sparse = MetricKey::make("ns", "sparse", {});
  const double now = 1712910000;
  store.add(sparse, now - 6 * 3600, one(6), "", 60, now);   // boto3: a datum stamped six hours ago
  for (int hour = 1; hour <= 13 * 24; hour += 24) store.add(sparse, now - hour * 3600.0, one(hour), "", 60, now);
  store.add(sparse, now - 15 * 86400, one(15), "", 60, now);   // beyond two weeks: never kept
  for (double t = now; t < now + 3 * 3600; t += 60) store.expire(t);
  EXPECT_EQ(store.aggregate(sparse, now - 6 * 3600, now - 6 * 3600 + 60)->maximum, 6);
  EXPECT_EQ(store.aggregate(sparse, now - 289 * 3600, now - 289 * 3600 + 60)->maximum, 289);
  EXPECT_FALSE(store.aggregate(sparse, now - 16 * 86400, now - 14 * 86400).has_value());
  // Two weeks later only what is under two weeks old is left.
  store.expire(now + 14 * 86400 - 3 * 3600);
  EXPECT_FALSE(store.aggregate(sparse, now - 20 * 86400, now - 3 * 3600).has_value());
  EXPECT_TRUE(store.aggregate(sparse, now - 3 * 3600, now).has_value());
}

TEST(CloudWatchMetricStore, HighResolutionDataKeepsSeconds) {
  MetricStore store;
  auto key = MetricKey::make("ns", "m", {});
  double t0 = 1712910000;
  store.add(key, t0 + 1, one(1), "", 1, t0 + 1);
  store.add(key, t0 + 12, one(5), "", 1, t0 + 12);
  EXPECT_EQ(store.aggregate(key, t0, t0 + 10)->maximum, 1);
  EXPECT_EQ(store.aggregate(key, t0 + 10, t0 + 20)->maximum, 5);
}

TEST(CloudWatchMetricStore, SaveAndLoadRoundTrip) {
  MetricStore store;
  auto key = MetricKey::make("ns", "m", {{"b", "2"}, {"a", "1"}});
  store.add(key, 1712910000, one(7), "Count", 60, 1712910000);
  MetricStore copy;
  copy.load(store.save());
  EXPECT_EQ(copy.save(), store.save());
  EXPECT_EQ(copy.aggregate(key, 1712910000, 1712910060)->sum, 7);
}
