#include <gtest/gtest.h>

#include "local/events/schedule_expression.h"

using namespace pingwatch::local::events;

namespace {
// 2024-04-12T08:27:00Z (a Friday), the minute the post's first alarm fired.
constexpr std::int64_t kFri0827 = 1712910420;
}  // namespace

TEST(ScheduleExpression, RateUnitsMustAgreeWithTheValue) {
  EXPECT_TRUE(is_valid_schedule_expression("rate(1 minute)"));
  EXPECT_TRUE(is_valid_schedule_expression("rate(5 minutes)"));
  EXPECT_TRUE(is_valid_schedule_expression("rate(1 hour)"));
  EXPECT_TRUE(is_valid_schedule_expression("rate(12 hours)"));
  EXPECT_TRUE(is_valid_schedule_expression("rate(1 day)"));
  EXPECT_TRUE(is_valid_schedule_expression("rate(7 days)"));
  EXPECT_FALSE(is_valid_schedule_expression("rate(1 minutes)"));
  EXPECT_FALSE(is_valid_schedule_expression("rate(5 minute)"));
  EXPECT_FALSE(is_valid_schedule_expression("rate(1 hours)"));
  EXPECT_FALSE(is_valid_schedule_expression("rate(0 minutes)"));
  EXPECT_FALSE(is_valid_schedule_expression("rate(-1 minutes)"));
  EXPECT_FALSE(is_valid_schedule_expression("rate(1 second)"));
  EXPECT_FALSE(is_valid_schedule_expression("rate(1  minute)"));
  EXPECT_FALSE(is_valid_schedule_expression("rate(minute)"));
  EXPECT_FALSE(is_valid_schedule_expression("rate(1 minute"));
  EXPECT_FALSE(is_valid_schedule_expression("every minute"));
  EXPECT_FALSE(is_valid_schedule_expression(""));
  EXPECT_EQ(parse_schedule_expression("rate(5 minutes)").rate_seconds, 300);
  EXPECT_EQ(parse_schedule_expression("rate(2 days)").rate_seconds, 172800);
}

TEST(ScheduleExpression, CronNeedsSixFieldsAndExactlyOneQuestionMark) {
  EXPECT_TRUE(is_valid_schedule_expression("cron(0 12 * * ? *)"));
  EXPECT_TRUE(is_valid_schedule_expression("cron(0/5 * * * ? *)"));
  EXPECT_TRUE(is_valid_schedule_expression("cron(15 10 ? * 6L 2022-2030)"));
  EXPECT_TRUE(is_valid_schedule_expression("cron(0 18 ? * MON-FRI *)"));
  EXPECT_TRUE(is_valid_schedule_expression("cron(0 8 1 * ? *)"));
  EXPECT_TRUE(is_valid_schedule_expression("cron(0/10 * ? * MON-FRI *)"));
  EXPECT_TRUE(is_valid_schedule_expression("cron(0 9 ? * 2#1 *)"));
  EXPECT_TRUE(is_valid_schedule_expression("cron(0 9 L * ? *)"));
  EXPECT_TRUE(is_valid_schedule_expression("cron(0 9 15W JAN,JUL ? *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(* * * * * *)"));        // neither day field is ?
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 ? * ? *)"));       // both are
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 * * ?)"));         // five fields (Unix cron)
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 * * ? * *)"));     // seven
  EXPECT_FALSE(is_valid_schedule_expression("cron(60 12 * * ? *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 24 * * ? *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 32 * ? *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 * 13 ? *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 ? * 8 *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 ? * FOO *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 * * ? 1969)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 * * ? 2200)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(? 12 * * ? *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(5-1 12 * * ? *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(0/0 12 * * ? *)"));
  EXPECT_FALSE(is_valid_schedule_expression("cron(0 12 ? * 2#6 *)"));
}

TEST(ScheduleExpression, RateFiresOnTheAnchorThenEveryPeriodWithoutDrift) {
  auto rate = parse_schedule_expression("rate(1 minute)");
  const std::int64_t created = kFri0827 + 13;           // 08:27:13
  const std::int64_t anchor = rate_anchor_for(created);
  EXPECT_EQ(anchor, kFri0827 + 60);                     // 08:28:00
  EXPECT_EQ(*next_fire_after(rate, created, anchor), anchor);
  EXPECT_EQ(*next_fire_after(rate, anchor, anchor), anchor + 60);
  EXPECT_EQ(*next_fire_after(rate, anchor + 59, anchor), anchor + 60);
  EXPECT_EQ(*next_fire_after(rate, anchor + 3600 * 24 * 365, anchor), anchor + 3600 * 24 * 365 + 60);
  auto five = parse_schedule_expression("rate(5 minutes)");
  EXPECT_EQ(*next_fire_after(five, anchor, anchor), anchor + 300);
  EXPECT_EQ(*next_fire_after(five, anchor + 299, anchor), anchor + 300);
  EXPECT_EQ(*next_fire_after(five, anchor + 300, anchor), anchor + 600);
}

TEST(ScheduleExpression, CronNextFireTimes) {
  // Every 5 minutes: from 08:27:00 the next is 08:30:00.
  EXPECT_EQ(*next_fire_after(parse_schedule_expression("cron(0/5 * * * ? *)"), kFri0827), kFri0827 + 180);
  // Strictly after: at exactly 08:30:00, the next is 08:35:00.
  EXPECT_EQ(*next_fire_after(parse_schedule_expression("cron(0/5 * * * ? *)"), kFri0827 + 180), kFri0827 + 480);
  // Noon every day: 2024-04-12T12:00:00Z.
  EXPECT_EQ(*next_fire_after(parse_schedule_expression("cron(0 12 * * ? *)"), kFri0827), 1712923200);
  // 18:00 on weekdays, from Friday 19:00 -> Monday 2024-04-15T18:00:00Z.
  EXPECT_EQ(*next_fire_after(parse_schedule_expression("cron(0 18 ? * MON-FRI *)"), 1712948400), 1713204000);
  // Last day of the month at 09:00 -> 2024-04-30T09:00:00Z.
  EXPECT_EQ(*next_fire_after(parse_schedule_expression("cron(0 9 L * ? *)"), kFri0827), 1714467600);
  // Last Friday of the month (6L) at 10:15 -> 2024-04-26T10:15:00Z.
  EXPECT_EQ(*next_fire_after(parse_schedule_expression("cron(15 10 ? * 6L *)"), kFri0827), 1714126500);
  // First Monday (2#1) at 09:00 -> 2024-05-06T09:00:00Z.
  EXPECT_EQ(*next_fire_after(parse_schedule_expression("cron(0 9 ? * 2#1 *)"), kFri0827), 1714986000);
  // Leap day only: 2028-02-29T00:00:00Z.
  EXPECT_EQ(*next_fire_after(parse_schedule_expression("cron(0 0 29 2 ? *)"), kFri0827), 1835395200);
  // Nearest weekday to the 1st of June 2024 (a Saturday) is Monday the 3rd.
  EXPECT_EQ(*next_fire_after(parse_schedule_expression("cron(0 0 1W 6 ? 2024)"), kFri0827), 1717372800);
  // A year that has passed never fires.
  EXPECT_FALSE(next_fire_after(parse_schedule_expression("cron(0 0 * * ? 2020)"), kFri0827).has_value());
}

TEST(ScheduleExpression, ErrorsNameThePartThatIsWrong) {
  try {
    parse_schedule_expression("rate(1 minutes)");
    FAIL() << "expected InvalidScheduleExpression";
  } catch (const InvalidScheduleExpression& e) {
    EXPECT_NE(std::string(e.what()).find("singular"), std::string::npos) << e.what();
  }
}
