// Calendar arithmetic (core/civil_time.h) counts as libc's timegm does: the wire's ISO 8601 parser, the local
// stack's timestamps and its cron schedules all rely on it.
#include <gtest/gtest.h>

#include <ctime>

#include "core/civil_time.h"

using namespace pingwatch::core;

namespace {

// The independent reference: libc's own count.
long long libc_timegm(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{.tm_sec = second, .tm_min = minute, .tm_hour = hour, .tm_mday = day, .tm_mon = month - 1, .tm_year = year - 1900};
  return static_cast<long long>(timegm(&tm));
}

}  // namespace

TEST(CivilTime, EpochSecondsAgreeWithTimegm) {
  EXPECT_EQ(utc_epoch_seconds(1970, 1, 1, 0, 0, 0), 0);
  EXPECT_EQ(utc_epoch_seconds(2024, 4, 12, 8, 30, 0), 1712910600);
  for (int year : {1900, 1969, 1970, 1999, 2000, 2024, 2100, 2199}) {
    for (int month = 1; month <= 12; ++month) {
      for (int day : {1, 15, 28, 29, 30, 31}) {
        EXPECT_EQ(utc_epoch_seconds(year, month, day, 23, 59, 59), libc_timegm(year, month, day, 23, 59, 59))
            << year << "-" << month << "-" << day;
      }
    }
  }
  // Past their range, fields run on as timegm's do: a leap second, the 31st of a 30-day month.
  EXPECT_EQ(utc_epoch_seconds(2016, 12, 31, 23, 59, 60), libc_timegm(2016, 12, 31, 23, 59, 60));
  EXPECT_EQ(utc_epoch_seconds(2023, 2, 31, 0, 0, 0), libc_timegm(2023, 3, 3, 0, 0, 0));
}

TEST(CivilTime, DaysRoundTrip) {
  for (std::int64_t days = -800000; days <= 800000; days += 997) {
    const CivilDate date = civil_from_days(days);
    EXPECT_EQ(days_from_civil(date.year, date.month, date.day), days) << days;
  }
  EXPECT_EQ(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);   // 2000 is a leap year
  EXPECT_EQ(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1);   // 2100 is not
}
