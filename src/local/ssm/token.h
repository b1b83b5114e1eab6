#pragma once
// DescribeInstanceInformation's NextToken: opaque to clients, it carries the last instance id examined
// and a fingerprint of the filters it was issued for (a token reused with other filters is refused).
#include <optional>
#include <string>

namespace pingwatch::local::ssm {

std::string encode_next_token(const std::string& last_id, const std::string& filter_fingerprint);
// nullopt when the token is malformed or was issued for other filters.
std::optional<std::string> decode_next_token(const std::string& token, const std::string& filter_fingerprint);

}  // namespace pingwatch::local::ssm
