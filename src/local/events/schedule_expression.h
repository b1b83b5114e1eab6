#pragma once
// EventBridge schedule expressions, rate() and cron(), parsed and validated the way AWS does, and the
// pure next-fire computation the local stack's rule scheduler uses. No clocks: times are passed in
// (UTC epoch seconds), so a simulated clock and a test drive it identically.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pingwatch::local::events {

// Thrown for any expression AWS would refuse; what() explains which part is wrong (the local stack
// answers AWS's own "Parameter ScheduleExpression is not valid." regardless).
struct InvalidScheduleExpression : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct CronField {
  std::vector<bool> allowed;   // indexed by value (minute 0..59, hour 0..23, dom 1..31, month 1..12, dow 1..7)
  bool any = false;            // "*" or "?": no constraint
};

struct CronSpec {
  CronField minutes, hours, months;
  // Day of month: plain values, or L (last day), or nW (nearest weekday to n), or LW (last weekday).
  CronField days_of_month;
  bool dom_question = false, dom_last = false, dom_last_weekday = false;
  int dom_nearest_weekday = 0;          // n of "nW", 0 when unused
  // Day of week, 1 = SUN .. 7 = SAT: plain values, or nL (last such day of the month), or n#k (k-th).
  CronField days_of_week;
  bool dow_question = false;
  int dow_last = 0;                     // n of "nL", 0 when unused
  int dow_nth_day = 0, dow_nth = 0;     // n#k
  // Year 1970..2199; empty list = any.
  bool year_any = true;
  std::vector<int> years;               // sorted allowed years when !year_any
};

struct ScheduleExpression {
  enum class Kind { Rate, Cron };
  Kind kind = Kind::Rate;
  std::string text;             // as given, e.g. "rate(1 minute)"
  std::int64_t rate_seconds = 0;
  CronSpec cron;
};

// Throws InvalidScheduleExpression. Accepts exactly what EventBridge accepts: "rate(1 minute)" (singular unit
// for 1, plural otherwise: minute(s), hour(s), day(s)), "cron(Minutes Hours Day-of-month Month Day-of-week Year)"
// with exactly one of day-of-month / day-of-week set to "?".
ScheduleExpression parse_schedule_expression(const std::string& text);
bool is_valid_schedule_expression(const std::string& text);

// The first scheduled instant strictly after `after` (epoch seconds, UTC), or nullopt if none (a cron whose
// years are all past). Rate schedules are anchored: instants are anchor + k * rate (k >= 0). Cron instants fall on
// whole minutes.
std::optional<std::int64_t> next_fire_after(const ScheduleExpression& expression, std::int64_t after,
                                            std::int64_t rate_anchor = 0);

// Rate anchor for a rule created (or enabled) at `created`: the next whole minute, so the first event comes within one
// minute and then every rate period, on minute boundaries as EventBridge's scheduler does.
std::int64_t rate_anchor_for(std::int64_t created);

}  // namespace pingwatch::local::events
