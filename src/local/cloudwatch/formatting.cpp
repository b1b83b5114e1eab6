#include "local/cloudwatch/formatting.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include "core/civil_time.h"
#include "local/sns/wire_util.h"

namespace pingwatch::local::cloudwatch {
namespace {

// Shortest decimal digits that read back as the same double, with the decimal exponent:
// value = 0.d1d2d3... x 10^exponent.
struct Digits {
  std::string digits;
  int exponent = 0;   // position of the decimal point relative to the first digit
};

Digits shortest_digits(double magnitude) {
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, magnitude);
    if (std::strtod(buffer, nullptr) == magnitude) break;
  }
  // buffer: d.ddde[+-]xx
  std::string text(buffer);
  auto e = text.find('e');
  std::string mantissa = text.substr(0, e);
  int exp10 = std::atoi(text.c_str() + e + 1);
  Digits out;
  for (char c : mantissa)
    if (c != '.') out.digits += c;
  while (out.digits.size() > 1 && out.digits.back() == '0') out.digits.pop_back();
  out.exponent = exp10 + 1;
  return out;
}

}  // namespace

std::string java_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  std::string sign = value < 0 ? "-" : "";
  double magnitude = std::fabs(value);
  Digits d = shortest_digits(magnitude);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    std::string out;
    if (d.exponent <= 0) {
      out = "0." + std::string(static_cast<size_t>(-d.exponent), '0') + d.digits;
    } else if (static_cast<size_t>(d.exponent) >= d.digits.size()) {
      out = d.digits + std::string(static_cast<size_t>(d.exponent) - d.digits.size(), '0') + ".0";
    } else {
      out = d.digits.substr(0, static_cast<size_t>(d.exponent)) + "." + d.digits.substr(static_cast<size_t>(d.exponent));
    }
    return sign + out;
  }
  // Computerized scientific notation: one digit, a point, at least one digit, E, the exponent.
  std::string mantissa = d.digits.substr(0, 1) + "." + (d.digits.size() > 1 ? d.digits.substr(1) : "0");
  return sign + mantissa + "E" + std::to_string(d.exponent - 1);
}

std::string decimal_format(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "\u221E" : "-\u221E";
  std::string sign = std::signbit(value) ? "-" : "";
  double magnitude = std::fabs(value);
  // At most three fraction digits, half-even as DecimalFormat rounds.
  // (Past 2^53 there are no fraction digits to round, and scaling would lose precision.)
  double rounded = magnitude < 9e15 ? std::nearbyint(magnitude * 1000.0) / 1000.0 : magnitude;
  std::string integer_digits;
  std::string fraction;
  if (rounded == 0) {
    integer_digits = "0";
  } else {
    Digits d = shortest_digits(rounded);
    if (d.exponent <= 0) {
      integer_digits = "0";
      fraction = std::string(static_cast<size_t>(-d.exponent), '0') + d.digits;
    } else if (static_cast<size_t>(d.exponent) >= d.digits.size()) {
      integer_digits = d.digits + std::string(static_cast<size_t>(d.exponent) - d.digits.size(), '0');
    } else {
      integer_digits = d.digits.substr(0, static_cast<size_t>(d.exponent));
      fraction = d.digits.substr(static_cast<size_t>(d.exponent));
    }
    if (fraction.size() > 3) fraction.resize(3);
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  }
  std::string grouped;
  for (size_t i = 0; i < integer_digits.size(); ++i) {
    if (i > 0 && (integer_digits.size() - i) % 3 == 0) grouped += ',';
    grouped += integer_digits[i];
  }
  return sign + grouped + (fraction.empty() ? "" : "." + fraction);
}

std::string reason_timestamp(double epoch_seconds) { return wire::format_utc(epoch_seconds, "%d/%m/%y %H:%M:%S"); }

std::string email_timestamp(double epoch_seconds) {
  return wire::format_utc(epoch_seconds, "%A %d %B, %Y %H:%M:%S UTC");
}

std::optional<double> parse_timestamp(const std::string& text) {
  if (text.empty()) return std::nullopt;
  {
    // Epoch seconds as a number.
    char* end = nullptr;
    double number = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size() && text.find('-') == std::string::npos) {
      if (!std::isfinite(number)) return std::nullopt;
      return number;
    }
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3) return std::nullopt;
  std::string_view rest(text.c_str() + consumed);
  double fraction = 0;
  int offset_seconds = 0;
  if (!rest.empty() && (rest[0] == 'T' || rest[0] == 't' || rest[0] == ' ')) {
    int used = 0;
    std::string tail(rest.substr(1));
    if (std::sscanf(tail.c_str(), "%2d:%2d:%2d%n", &hour, &minute, &second, &used) != 3) {
      used = 0;
      if (std::sscanf(tail.c_str(), "%2d:%2d%n", &hour, &minute, &used) != 2) return std::nullopt;
    }
    rest = rest.substr(1 + static_cast<size_t>(used));
    if (!rest.empty() && rest[0] == '.') {
      size_t i = 1;
      double scale = 0.1;
      while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
        fraction += (rest[i] - '0') * scale;
        scale /= 10;
        ++i;
      }
      rest = rest.substr(i);
    }
    if (!rest.empty()) {
      if (rest == "Z" || rest == "z") {
        rest = {};
      } else if (rest[0] == '+' || rest[0] == '-') {
        int sign = rest[0] == '-' ? -1 : 1;
        std::string zone(rest.substr(1));
        int oh = 0, om = 0;
        if (std::sscanf(zone.c_str(), "%2d:%2d", &oh, &om) == 2 || std::sscanf(zone.c_str(), "%2d%2d", &oh, &om) >= 1) {
          offset_seconds = sign * (oh * 3600 + om * 60);
          rest = {};
        } else {
          return std::nullopt;
        }
      } else {
        return std::nullopt;
      }
    }
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const auto whole_seconds = core::utc_epoch_seconds(year, month, day, hour, minute, second);
  return static_cast<double>(whole_seconds) + fraction - offset_seconds;
}

}  // namespace pingwatch::local::cloudwatch
