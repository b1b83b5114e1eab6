#include <gtest/gtest.h>

#include <cmath>

#include "local/cloudwatch/formatting.h"
#include "local/sns/wire_util.h"

using namespace pingwatch::local::cloudwatch;

TEST(CloudWatchFormatting, NumbersAsJavaDoubleToString) {
  EXPECT_EQ(java_double(1.0), "1.0");
  EXPECT_EQ(java_double(0.0), "0.0");
  EXPECT_EQ(java_double(-2.5), "-2.5");
  EXPECT_EQ(java_double(54.4 / 15.0), "3.6266666666666665");
  EXPECT_EQ(java_double(613.0), "613.0");
  EXPECT_EQ(java_double(0.059), "0.059");
  EXPECT_EQ(java_double(1e7), "1.0E7");
  EXPECT_EQ(java_double(12345678.9), "1.23456789E7");
  EXPECT_EQ(java_double(0.0001), "1.0E-4");
  EXPECT_EQ(java_double(0.001), "0.001");
  EXPECT_EQ(java_double(9999999.0), "9999999.0");
  EXPECT_EQ(java_double(std::nan("")), "NaN");
}

TEST(CloudWatchFormatting, RejectedValuesAsDecimalFormat) {
  EXPECT_EQ(decimal_format(std::nan("")), "NaN");
  EXPECT_EQ(decimal_format(HUGE_VAL), "\u221E");
  EXPECT_EQ(decimal_format(-HUGE_VAL), "-\u221E");
  EXPECT_EQ(decimal_format(1e20), "100,000,000,000,000,000,000");
  EXPECT_EQ(decimal_format(-4.697085165547666e108).substr(0, 22), "-4,697,085,165,547,666");
  EXPECT_EQ(decimal_format(std::ldexp(1.0, -361)), "0");
  EXPECT_EQ(decimal_format(-std::ldexp(1.0, -361)), "-0");
  EXPECT_EQ(decimal_format(1234.5), "1,234.5");
}

TEST(CloudWatchFormatting, TimestampStyles) {
  double t = 1712910506.456;   // 2024-04-12T08:28:26.456Z, a Friday
  EXPECT_EQ(pingwatch::local::wire::iso8601_millis_z(t), "2024-04-12T08:28:26.456Z");
  EXPECT_EQ(pingwatch::local::wire::iso8601_millis_offset(t), "2024-04-12T08:28:26.456+0000");
  EXPECT_EQ(reason_timestamp(1712910420), "12/04/24 08:27:00");
  EXPECT_EQ(email_timestamp(1712910506), "Friday 12 April, 2024 08:28:26 UTC");
  EXPECT_EQ(email_timestamp(1667756633), "Sunday 06 November, 2022 17:43:53 UTC");
}

TEST(CloudWatchFormatting, ParsesTheTimestampSpellingsClientsSend) {
  EXPECT_EQ(parse_timestamp("2024-04-12T08:27:00Z"), 1712910420.0);
  EXPECT_EQ(parse_timestamp("2024-04-12T08:27:00"), 1712910420.0);
  EXPECT_EQ(parse_timestamp("2024-04-12T17:27:00+09:00"), 1712910420.0);
  EXPECT_EQ(parse_timestamp("2024-04-12T08:27:00.500Z"), 1712910420.5);
  EXPECT_EQ(parse_timestamp("1712910420"), 1712910420.0);
  EXPECT_EQ(parse_timestamp("2024-04-12"), 1712880000.0);
  EXPECT_FALSE(parse_timestamp("yesterday").has_value());
  EXPECT_FALSE(parse_timestamp("2024-13-01T00:00:00Z").has_value());
}
