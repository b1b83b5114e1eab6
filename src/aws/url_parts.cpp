#include "aws/url_parts.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace pingwatch::aws {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    throw std::invalid_argument("URL '" + std::string(url) + "' is not absolute: expected scheme://host/path");
  }
  parts.scheme = lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority.front() == '[') {   // IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("URL '" + std::string(url) + "' has an unclosed IPv6 bracket");
    parts.host = lower(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') parts.port = std::string(authority.substr(close + 2));
  } else {
    auto colon = authority.rfind(':');
    parts.host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) parts.port = std::string(authority.substr(colon + 1));
  }
  if (parts.host.empty()) throw std::invalid_argument("URL '" + std::string(url) + "' has no host");
  auto q = tail.find('?');
  parts.path = std::string(tail.substr(0, q));
  if (q != std::string_view::npos) parts.query = std::string(tail.substr(q + 1));
  return parts;
}

std::string host_header_value(const UrlParts& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  bool default_port = url.port.empty() || (url.scheme == "http" && url.port == "80") ||
                      (url.scheme == "https" && url.port == "443");
  if (!default_port) host += ":" + url.port;
  return host;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string uri_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string form_decode(std::string_view text) {
  std::string plus_as_space(text);
  std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
  return uri_decode(plus_as_space);
}

std::vector<QueryPiece> query_pieces(std::string_view query) {
  std::vector<QueryPiece> pieces;
  std::size_t pos = 0;
  while (pos < query.size()) {
    const std::size_t amp = query.find('&', pos);
    const std::string_view piece = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      const std::string_view value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
      pieces.push_back({piece, piece.substr(0, eq), value});
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return pieces;
}

}  // namespace pingwatch::aws
