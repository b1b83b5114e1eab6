#include "aws/http_date.h"

#include <array>
#include <charconv>
#include <ctime>
#include <vector>

namespace pingwatch::aws {

namespace {
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool to_int(std::string_view s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

int month_index(std::string_view m) {
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (m.size() >= 3 && (m.substr(0, 3) == kMonths[i])) return static_cast<int>(i);
  }
  return -1;
}

bool parse_hms(std::string_view s, int& h, int& m, int& sec) {
  return s.size() == 8 && s[2] == ':' && s[5] == ':' && to_int(s.substr(0, 2), h) && to_int(s.substr(3, 2), m) &&
         to_int(s.substr(6, 2), sec);
}

std::optional<SystemTime> make_time(int year, int mon, int day, int h, int m, int s) {
  if (mon < 0 || mon > 11 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}
}  // namespace

std::optional<SystemTime> parse_http_date(std::string_view text) {
  auto parts = split_ws(text);
  int day = 0, year = 0, h = 0, m = 0, s = 0;
  if (parts.size() == 6 && parts[0].size() == 4 && parts[0].back() == ',') {
    // RFC 1123: Wed, 25 Nov 2026 12:29:09 GMT
    const int mon = month_index(parts[2]);
    if (!to_int(parts[1], day) || mon < 0 || !to_int(parts[3], year) || !parse_hms(parts[4], h, m, s) ||
        (parts[5] != "GMT" && parts[5] != "UTC")) {
      return std::nullopt;
    }
    return make_time(year, mon, day, h, m, s);
  }
  if (parts.size() == 4 && !parts[0].empty() && parts[0].back() == ',') {
    // RFC 850: Wednesday, 25-Nov-26 12:29:09 GMT
    std::string_view d = parts[1];
    if (d.size() != 9 || d[2] != '-' || d[6] != '-') return std::nullopt;
    const int mon = month_index(d.substr(3, 3));
    if (!to_int(d.substr(0, 2), day) || mon < 0 || !to_int(d.substr(7, 2), year) || !parse_hms(parts[2], h, m, s)) {
      return std::nullopt;
    }
    year += year < 70 ? 2000 : 1900;
    return make_time(year, mon, day, h, m, s);
  }
  if (parts.size() == 5) {
    // asctime: Wed Nov 25 12:29:09 2026
    const int mon = month_index(parts[1]);
    if (mon < 0 || !to_int(parts[2], day) || !parse_hms(parts[3], h, m, s) || !to_int(parts[4], year)) {
      return std::nullopt;
    }
    return make_time(year, mon, day, h, m, s);
  }
  return std::nullopt;
}

std::string format_http_date(SystemTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[static_cast<size_t>(tm.tm_wday)],
                tm.tm_mday, kMonths[static_cast<size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace pingwatch::aws
