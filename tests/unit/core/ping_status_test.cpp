#include <gtest/gtest.h>

#include "core/ping_status.h"

using namespace pingwatch::core;

TEST(PingStatus, ParsesTheThreeDocumentedValues) {
  EXPECT_EQ(parse_ping_status("Online"), PingStatus::Online);
  EXPECT_EQ(parse_ping_status("ConnectionLost"), PingStatus::ConnectionLost);
  EXPECT_EQ(parse_ping_status("Inactive"), PingStatus::Inactive);
}

TEST(PingStatus, UnknownValuesDoNotThrowAndHaveNoPostValue) {
  EXPECT_EQ(parse_ping_status("Hibernating"), PingStatus::Unknown);
  EXPECT_EQ(parse_ping_status("online"), PingStatus::Unknown);   // SSM's values are case-sensitive
  EXPECT_FALSE(post_metric_value(PingStatus::Unknown).has_value());
}

TEST(PingStatus, PostMetricValuesMatchThePost) {
  EXPECT_EQ(post_metric_value(PingStatus::Online), 0.0);
  EXPECT_EQ(post_metric_value(PingStatus::ConnectionLost), 1.0);
  EXPECT_EQ(post_metric_value(PingStatus::Inactive), 2.0);
}
