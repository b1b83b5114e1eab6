#pragma once
// Small formatting helpers the emulated services share (one place for each): ids, AWS's timestamp spellings,
// base64 and digests. Times are epoch seconds (the stack's simulated clock), rounded to whole milliseconds.
#include <cstddef>
#include <string>
#include <string_view>

namespace pingwatch::local::wire {

std::string uuid4();                                  // random RFC 4122 v4, lower-case
// Temporary credentials as STS shapes them: "ASIA" + 16 base32 characters, a 40-character secret, and a session
// token of token_length random base64 characters after AWS's usual prefix. Random from RAND_bytes.
struct TemporaryKeys {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};
TemporaryKeys new_temporary_keys(std::size_t token_length);
std::string iso8601_millis_z(double epoch_seconds);   // 2024-04-12T08:28:26.456Z (SNS Timestamp, CloudWatch XML)
std::string iso8601_seconds_z(double epoch_seconds);  // 2024-04-12T08:27:00Z (EventBridge event time, STS Expiration)
// 2024-04-12T08:28:26.456+0000 (Lambda LastModified, CloudWatch alarm notifications and StateReasonData)
std::string iso8601_millis_offset(double epoch_seconds);
// strftime's pattern on the UTC time (whole seconds of the rounded milliseconds).
std::string format_utc(double epoch_seconds, const char* strftime_pattern);
std::string rfc5322_date(double epoch_seconds);       // Fri, 12 Apr 2024 08:28:26 +0000 (mail Date header)
std::string compact_utc(double epoch_seconds);        // 20240412T082826Z (file names)
std::string base64_encode(std::string_view bytes);
// Throws std::invalid_argument when the text is not base64.
std::string base64_decode(std::string_view text);
std::string sha256_base64(std::string_view bytes);    // Lambda CodeSha256
std::string sha256_hex(std::string_view bytes);

}  // namespace pingwatch::local::wire
