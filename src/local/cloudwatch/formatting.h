#pragma once
// Text formats CloudWatch uses in what it writes: numbers as Java's Double.toString prints them
// (reasons, XML), the several timestamp styles of reasons, notifications and emails, and the
// ISO 8601 parser for timestamps clients send in query requests.
#include <optional>
#include <string>

namespace pingwatch::local::cloudwatch {

// Java's Double.toString: "1.0", "3.6266666666666665", "1.0E7", "1.0E-4", "NaN", "Infinity".
std::string java_double(double value);

// java.text.DecimalFormat default ("#,##0.###"), which AWS uses for rejected values:
// "4,697,085,165,547,666,500,000", "0", "-0", "NaN" and "∞" / "-∞".
std::string decimal_format(double value);

// (ISO 8601 timestamps: local/sns/wire_util.h.)
// 12/04/24 08:27:00 (datapoints inside state reasons).
std::string reason_timestamp(double epoch_seconds);
// Friday 12 April, 2024 08:28:26 UTC (email notifications).
std::string email_timestamp(double epoch_seconds);

// Accepts 2024-04-12T08:27:00Z, with fractions, with +hh:mm / -hhmm offsets, without zone (UTC),
// a date alone, or a number of epoch seconds. nullopt when it is none of these.
std::optional<double> parse_timestamp(const std::string& text);

}  // namespace pingwatch::local::cloudwatch
