#pragma once
// Splitting an absolute URL and RFC 3986 percent-encoding, shared by the signer, the HTTP client and STS calls.
#include <string>
#include <string_view>
#include <vector>

namespace pingwatch::aws {

struct UrlParts {
  std::string scheme;   // lower-case: http | https
  std::string host;     // lower-case, IPv6 without brackets
  std::string port;     // as written; empty when absent
  std::string path;     // as written, "" when absent
  std::string query;    // without '?', as written
};

// Accepts scheme://[user@]host[:port][/path][?query][#fragment]; throws std::invalid_argument otherwise.
UrlParts split_url(std::string_view url);

// The Host header value the SDKs send: host, plus :port when it is not the scheme's default.
std::string host_header_value(const UrlParts& url);

// Percent-encodes every byte except the RFC 3986 unreserved set (A-Z a-z 0-9 - . _ ~), and '/' if keep_slash.
std::string uri_encode(std::string_view text, bool keep_slash = false);
// Decodes %XX escapes ('+' stays '+'); malformed escapes are kept literally.
std::string uri_decode(std::string_view text);
// Decodes an application/x-www-form-urlencoded name or value: '+' is a space, then %XX as uri_decode.
std::string form_decode(std::string_view text);

// One name[=value] piece of a URL query or form body, as written (not decoded); value "" when there is no '='.
struct QueryPiece {
  std::string_view text;
  std::string_view name;
  std::string_view value;
};
// The &-separated pieces of a URL query or form body, in order, empty ones skipped: the one splitter that the
// signer, the Query protocol and the local stack's signature check and router decode from.
std::vector<QueryPiece> query_pieces(std::string_view query);

}  // namespace pingwatch::aws
