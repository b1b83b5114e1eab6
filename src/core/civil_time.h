#pragma once
// Calendar arithmetic in UTC, proleptic Gregorian (H. Hinnant's algorithms): pure, no time zone, no libc, so
// every parser of a date (ISO 8601 on the wire, the local stack's timestamps, cron schedules) counts the same way.
#include <cstdint>

namespace pingwatch::core {

// Days since 1970-01-01 of a civil date (month 1..12; a day past the month's end runs on into the next month).
std::int64_t days_from_civil(int year, unsigned month, unsigned day);

struct CivilDate {
  int year;
  unsigned month;   // 1..12
  unsigned day;     // 1..31
};
CivilDate civil_from_days(std::int64_t days);

// Seconds since the epoch of a UTC date and time of day, as timegm counts them (a second 60, or a day past the
// month's end, runs on into what follows).
std::int64_t utc_epoch_seconds(int year, int month, int day, int hour, int minute, int second);

}  // namespace pingwatch::core
