#pragma once
// AWS Signature Version 4: a pure function of request, credentials and time.
// Used by the client to sign and by the local stack to verify.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/http.h"

namespace pingwatch::aws::sigv4 {

struct SigningParams {
  std::string region;
  std::string service;   // signing name: ssm, monitoring, sns, events, lambda, sts, dynamodb
  SystemTime time;
};

// Adds Host (if absent), X-Amz-Date, X-Amz-Security-Token (when a session token exists, signed as
// the SDKs do) and Authorization. Body must be final.
void sign_request(HttpRequest& request, const Credentials& credentials, const SigningParams& params);

std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);   // raw bytes
std::string format_amz_date(SystemTime t);                              // 20150830T123600Z
std::optional<SystemTime> parse_amz_date(std::string_view text);

// The pieces, exposed for verification and tests (AWS SigV4 test suite).
std::string canonical_request(const HttpRequest& request, const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash);
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);
std::string signature(std::string_view secret, std::string_view date /*YYYYMMDD*/, std::string_view region,
                      std::string_view service, std::string_view string_to_sign);

struct Authorization {
  std::string access_key_id;
  std::string date;        // YYYYMMDD from the scope
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;   // lower-case, as listed
  std::string signature;
};
// Parses "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=..., Signature=...".
// Returns nullopt when any component is missing.
std::optional<Authorization> parse_authorization(std::string_view header);

}  // namespace pingwatch::aws::sigv4
