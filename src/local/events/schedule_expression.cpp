#include "local/events/schedule_expression.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <sstream>

#include "core/civil_time.h"

namespace pingwatch::local::events {
namespace {

[[noreturn]] void invalid(const std::string& why) { throw InvalidScheduleExpression(why); }

std::optional<int> parse_int(const std::string& text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

std::string upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

constexpr std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 7> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldRange {
  const char* name;
  int min, max;
  bool month_names = false, day_names = false;
};

int parse_value(const std::string& raw, const FieldRange& range) {
  std::string text = upper(raw);
  if (range.month_names)
    for (std::size_t i = 0; i < kMonthNames.size(); ++i)
      if (text == kMonthNames[i]) return static_cast<int>(i) + 1;
  if (range.day_names)
    for (std::size_t i = 0; i < kDayNames.size(); ++i)
      if (text == kDayNames[i]) return static_cast<int>(i) + 1;
  auto value = parse_int(text);
  if (!value || *value < range.min || *value > range.max)
    invalid(std::string(range.name) + " value '" + raw + "' is outside " + std::to_string(range.min) + ".." +
            std::to_string(range.max));
  return *value;
}

// The common list syntax: "*", "v", "a-b", "x/step" (x = *, v or a-b), comma-separated.
CronField parse_list(const std::string& text, const FieldRange& range) {
  CronField field;
  field.allowed.assign(static_cast<std::size_t>(range.max) + 1, false);
  if (text == "*") {
    field.any = true;
    std::fill(field.allowed.begin() + range.min, field.allowed.end(), true);
    return field;
  }
  for (const auto& item : split(text, ',')) {
    if (item.empty()) invalid(std::string(range.name) + " has an empty list item");
    std::string base = item;
    int step = 0;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      base = item.substr(0, slash);
      auto parsed = parse_int(item.substr(slash + 1));
      if (!parsed || *parsed < 1 || *parsed > range.max) invalid(std::string(range.name) + " step in '" + item + "'");
      step = *parsed;
    }
    int low = 0, high = 0;
    if (base == "*") {
      low = range.min;
      high = range.max;
    } else if (auto dash = base.find('-'); dash != std::string::npos && dash > 0) {
      low = parse_value(base.substr(0, dash), range);
      high = parse_value(base.substr(dash + 1), range);
      if (low > high) invalid(std::string(range.name) + " range '" + base + "' runs backwards");
    } else {
      low = parse_value(base, range);
      high = step ? range.max : low;   // "5/15" means from 5 every 15
    }
    for (int v = low; v <= high; v += (step ? step : 1)) field.allowed[static_cast<std::size_t>(v)] = true;
  }
  return field;
}

void parse_day_of_month(const std::string& text, CronSpec& spec) {
  static const FieldRange range{"Day-of-month", 1, 31};
  std::string t = upper(text);
  if (t == "?") { spec.dom_question = true; return; }
  if (t == "L") { spec.dom_last = true; return; }
  if (t == "LW") { spec.dom_last_weekday = true; return; }
  if (t.size() >= 2 && t.back() == 'W') {
    spec.dom_nearest_weekday = parse_value(t.substr(0, t.size() - 1), range);
    return;
  }
  spec.days_of_month = parse_list(t, range);
}

void parse_day_of_week(const std::string& text, CronSpec& spec) {
  static const FieldRange range{"Day-of-week", 1, 7, false, true};
  std::string t = upper(text);
  if (t == "?") { spec.dow_question = true; return; }
  if (t == "L") { spec.dow_last = 7; return; }   // as in Quartz: the last day of the week, Saturday
  if (auto hash = t.find('#'); hash != std::string::npos) {
    spec.dow_nth_day = parse_value(t.substr(0, hash), range);
    auto nth = parse_int(t.substr(hash + 1));
    if (!nth || *nth < 1 || *nth > 5) invalid("Day-of-week '" + text + "': the occurrence after # must be 1..5");
    spec.dow_nth = *nth;
    return;
  }
  if (t.size() >= 2 && t.back() == 'L') {
    spec.dow_last = parse_value(t.substr(0, t.size() - 1), range);
    return;
  }
  spec.days_of_week = parse_list(t, range);
}

CronSpec parse_cron(const std::string& body) {
  std::vector<std::string> fields;
  std::istringstream in(body);
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 6)
    invalid("cron() needs 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), got " +
            std::to_string(fields.size()));
  CronSpec spec;
  spec.minutes = parse_list(fields[0], {"Minutes", 0, 59});
  spec.hours = parse_list(fields[1], {"Hours", 0, 23});
  parse_day_of_month(fields[2], spec);
  spec.months = parse_list(fields[3], {"Month", 1, 12, true, false});
  parse_day_of_week(fields[4], spec);
  if (spec.dom_question == spec.dow_question)
    invalid("exactly one of Day-of-month and Day-of-week must be '?'");
  if (fields[5] != "*") {
    CronField years = parse_list(fields[5], {"Year", 1970, 2199});
    spec.year_any = false;
    for (int y = 1970; y <= 2199; ++y)
      if (years.allowed[static_cast<std::size_t>(y)]) spec.years.push_back(y);
  }
  return spec;
}

using core::civil_from_days;
using core::days_from_civil;

unsigned days_in_month(int y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// 1 = Sunday .. 7 = Saturday, as cron's Day-of-week counts.
int weekday(std::int64_t days) { return static_cast<int>(((days % 7) + 7 + 4) % 7) + 1; }   // 1970-01-01 was Thu

bool is_weekday(int y, unsigned m, unsigned d) {
  int w = weekday(days_from_civil(y, m, d));
  return w != 1 && w != 7;
}

// The weekday nearest to day n of the month, never leaving the month (Quartz "nW").
unsigned nearest_weekday(int y, unsigned m, unsigned n) {
  unsigned dim = days_in_month(y, m);
  n = std::min(n, dim);
  int w = weekday(days_from_civil(y, m, n));
  if (w == 7) return n == 1 ? n + 2 : n - 1;     // Saturday -> Friday (or Monday the 3rd)
  if (w == 1) return n == dim ? n - 2 : n + 1;   // Sunday -> Monday (or Friday before the end)
  return n;
}

bool day_matches(const CronSpec& s, int y, unsigned m, unsigned d) {
  if (!s.year_any && !std::binary_search(s.years.begin(), s.years.end(), y)) return false;
  if (!s.months.allowed[m]) return false;
  const unsigned dim = days_in_month(y, m);
  if (s.dom_question) {
    const int w = weekday(days_from_civil(y, m, d));
    if (s.dow_last) return w == s.dow_last && d + 7 > dim;
    if (s.dow_nth) return w == s.dow_nth_day && static_cast<int>((d - 1) / 7 + 1) == s.dow_nth;
    return s.days_of_week.allowed[static_cast<std::size_t>(w)];
  }
  if (s.dom_last) return d == dim;
  if (s.dom_last_weekday) {
    unsigned last = dim;
    while (!is_weekday(y, m, last)) --last;
    return d == last;
  }
  if (s.dom_nearest_weekday) return d == nearest_weekday(y, m, static_cast<unsigned>(s.dom_nearest_weekday));
  return s.days_of_month.allowed[d];
}

std::optional<std::int64_t> next_cron_fire(const CronSpec& spec, std::int64_t after) {
  // First whole minute strictly after `after`.
  std::int64_t t = (after >= 0 ? after / 60 : (after - 59) / 60) * 60 + 60;
  std::int64_t day = (t >= 0 ? t / 86400 : (t - 86399) / 86400);
  int start_minute_of_day = static_cast<int>((t - day * 86400) / 60);
  const std::int64_t last_day = days_from_civil(2199, 12, 31);
  for (; day <= last_day; ++day, start_minute_of_day = 0) {
    const core::CivilDate c = civil_from_days(day);
    if (!spec.year_any && c.year > spec.years.back()) return std::nullopt;
    if (!day_matches(spec, c.year, c.month, c.day)) continue;
    for (int minute_of_day = start_minute_of_day; minute_of_day < 1440; ++minute_of_day) {
      if (spec.hours.allowed[static_cast<std::size_t>(minute_of_day / 60)] &&
          spec.minutes.allowed[static_cast<std::size_t>(minute_of_day % 60)])
        return day * 86400 + minute_of_day * 60;
    }
  }
  return std::nullopt;
}

}  // namespace

ScheduleExpression parse_schedule_expression(const std::string& text) {
  ScheduleExpression expression;
  expression.text = text;
  if (text.size() < 7 || text.back() != ')') invalid("expected rate(...) or cron(...)");
  if (text.rfind("rate(", 0) == 0) {
    expression.kind = ScheduleExpression::Kind::Rate;
    std::string body = text.substr(5, text.size() - 6);
    auto space = body.find(' ');
    if (space == std::string::npos || body.find(' ', space + 1) != std::string::npos)
      invalid("rate() takes 'value unit' separated by one space");
    auto value = parse_int(body.substr(0, space));
    if (!value || *value < 1) invalid("rate() value must be a positive whole number");
    std::string unit = body.substr(space + 1);
    std::int64_t unit_seconds = 0;
    std::string singular;
    for (auto [name, seconds] : {std::pair{"minute", 60}, std::pair{"hour", 3600}, std::pair{"day", 86400}}) {
      if (unit == name || unit == std::string(name) + "s") {
        unit_seconds = seconds;
        singular = name;
      }
    }
    if (!unit_seconds) invalid("rate() unit must be minute(s), hour(s) or day(s)");
    const bool plural = unit != singular;
    if (*value == 1 && plural) invalid("rate(1 ...) needs the singular unit, e.g. rate(1 " + singular + ")");
    if (*value > 1 && !plural) invalid("a rate above 1 needs the plural unit, e.g. rate(5 " + singular + "s)");
    expression.rate_seconds = *value * unit_seconds;
    return expression;
  }
  if (text.rfind("cron(", 0) == 0) {
    expression.kind = ScheduleExpression::Kind::Cron;
    expression.cron = parse_cron(text.substr(5, text.size() - 6));
    return expression;
  }
  invalid("expected rate(...) or cron(...)");
}

bool is_valid_schedule_expression(const std::string& text) {
  try {
    parse_schedule_expression(text);
    return true;
  } catch (const InvalidScheduleExpression&) {
    return false;
  }
}

std::optional<std::int64_t> next_fire_after(const ScheduleExpression& expression, std::int64_t after,
                                            std::int64_t rate_anchor) {
  if (expression.kind == ScheduleExpression::Kind::Cron) return next_cron_fire(expression.cron, after);
  const std::int64_t period = expression.rate_seconds;
  if (after < rate_anchor) return rate_anchor;
  const std::int64_t k = (after - rate_anchor) / period + 1;
  return rate_anchor + k * period;
}

std::int64_t rate_anchor_for(std::int64_t created) {
  return (created >= 0 ? created / 60 : (created - 59) / 60) * 60 + 60;
}

}  // namespace pingwatch::local::events
