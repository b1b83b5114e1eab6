#pragma once
// The HTTP Date header (RFC 1123, e.g. "Wed, 25 Nov 2026 12:29:09 GMT"): the server's clock.
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"

namespace pingwatch::aws {

// RFC 1123; RFC 850 ("Wednesday, 25-Nov-26 12:29:09 GMT") and asctime forms are accepted as HTTP/1.1 requires.
std::optional<SystemTime> parse_http_date(std::string_view text);
std::string format_http_date(SystemTime t);   // RFC 1123

}  // namespace pingwatch::aws
