// AWS Signature Version 4, header form, for non-S3 services (paths are normalised and encoded once more,
// as botocore's SigV4Auth and the AWS SDKs do for every service but S3).
#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

#include "aws/url_parts.h"

namespace pingwatch::aws::sigv4 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// botocore's SIGNED_HEADERS_BLACKLIST plus Authorization itself: headers proxies or the transport may rewrite.
bool is_unsigned_header(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "user-agent" || lower_name == "expect" ||
         lower_name == "x-amzn-trace-id";
}

// ASCII only: header names are tokens, and locale-dependent std::tolower is needlessly slow here.
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string to_hex(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xF];
  }
  return out;
}

// Trimall: strip leading/trailing whitespace and collapse inner runs (spaces, tabs, folded line breaks) to one space.
void append_trim_all(std::string& out, std::string_view value) {
  size_t b = 0, e = value.size();
  while (b < e && is_space(value[b])) ++b;
  while (e > b && is_space(value[e - 1])) --e;
  value = value.substr(b, e - b);
  bool simple = true;   // the common case: nothing to collapse, copy in one go
  for (size_t i = 0; i < value.size() && simple; ++i) {
    if (is_space(value[i]) && (value[i] != ' ' || is_space(value[i + 1]))) simple = false;
  }
  if (simple) {
    out.append(value);
    return;
  }
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
}

// RFC 3986 remove_dot_segments plus collapsing of empty segments; a path ending in '/', '.' or '..' keeps
// a trailing slash (the AWS test suite's "normalized" cases).
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    std::string_view seg = path.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (next == std::string_view::npos) {
      trailing_slash = seg.empty() || seg == "." || seg == "..";
      break;
    }
    pos = next + 1;
  }
  std::string out;
  for (auto seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  if (out.empty() || trailing_slash) out.push_back('/');
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const QueryPiece& piece : query_pieces(query)) {
    pairs.emplace_back(uri_encode(uri_decode(piece.name)), uri_encode(uri_decode(piece.value)));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string date_of(std::string_view amz_date) { return std::string(amz_date.substr(0, 8)); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return to_hex(digest, sizeof digest);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), digest, &size) == nullptr) {
    throw std::runtime_error("OpenSSL HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string format_amz_date(SystemTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<SystemTime> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(text.substr(pos, len))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string canonical_request(const HttpRequest& request, const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash) {
  UrlParts url = split_url(request.url);
  std::string out;
  out.reserve(256 + request.headers.size() * 64);
  for (char c : request.method) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  out.push_back('\n');
  out += uri_encode(normalize_path(url.path), /*keep_slash=*/true);
  out.push_back('\n');
  out += canonical_query(url.query);
  out.push_back('\n');
  std::vector<std::string> lowered;
  lowered.reserve(request.headers.size());
  for (const auto& header : request.headers) lowered.push_back(to_lower(header.first));
  std::string names;
  for (const auto& name : signed_headers) {
    std::string lname = to_lower(name);
    out += lname;
    out.push_back(':');
    bool found = false;
    for (size_t i = 0; i < request.headers.size(); ++i) {
      if (lowered[i] != lname) continue;
      if (found) out.push_back(',');
      append_trim_all(out, request.headers[i].second);
      found = true;
    }
    if (!found && lname == "host") out += host_header_value(url);
    out.push_back('\n');
    if (!names.empty()) names.push_back(';');
    names += lname;
  }
  out.push_back('\n');
  out += names;
  out.push_back('\n');
  out += payload_hash;
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical) {
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + scope.size() + 70);
  out += kAlgorithm;
  out.push_back('\n');
  out += amz_date;
  out.push_back('\n');
  out += scope;
  out.push_back('\n');
  out += sha256_hex(canonical);
  return out;
}

std::string signature(std::string_view secret, std::string_view date, std::string_view region,
                      std::string_view service, std::string_view to_sign) {
  // The derived key depends only on (secret, date, region, service): reuse it across requests, as the SDKs do.
  // One entry per thread is enough: a process signs for a handful of scopes that change once a day.
  struct KeyCache {
    std::string secret, date, region, service, key;
  };
  thread_local KeyCache cache;
  if (cache.key.empty() || cache.secret != secret || cache.date != date || cache.region != region ||
      cache.service != service) {
    std::string k = "AWS4";
    k += secret;
    std::string k_date = hmac_sha256(k, date);
    std::string k_region = hmac_sha256(k_date, region);
    std::string k_service = hmac_sha256(k_region, service);
    cache = KeyCache{std::string(secret), std::string(date), std::string(region), std::string(service),
                     hmac_sha256(k_service, "aws4_request")};
  }
  std::string raw = hmac_sha256(cache.key, to_sign);
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

void sign_request(HttpRequest& request, const Credentials& credentials, const SigningParams& params) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw std::invalid_argument("cannot sign a request without an access key id and secret access key");
  }
  if (params.region.empty()) throw std::invalid_argument("cannot sign a request without a region: set AWS_REGION");
  if (params.service.empty()) throw std::invalid_argument("cannot sign a request without a signing service name");

  // A retried request is signed again from scratch.
  std::erase_if(request.headers, [](const auto& h) { return to_lower(h.first) == "authorization"; });
  const std::string amz_date = format_amz_date(params.time);
  set_header(request.headers, "X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    // botocore adds the token before signing, so it is part of SignedHeaders.
    set_header(request.headers, "X-Amz-Security-Token", credentials.session_token);
  }
  if (find_header(request.headers, "host") == nullptr) {
    request.headers.emplace_back("Host", host_header_value(split_url(request.url)));
  }

  std::vector<std::string> names;
  names.reserve(request.headers.size());
  for (const auto& [key, value] : request.headers) {
    std::string lname = to_lower(key);
    if (!is_unsigned_header(lname)) names.push_back(std::move(lname));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  const std::string* declared_hash = find_header(request.headers, "x-amz-content-sha256");
  const std::string payload_hash = declared_hash ? *declared_hash : sha256_hex(request.body);

  const std::string date = date_of(amz_date);
  std::string scope = date + "/" + params.region + "/" + params.service + "/aws4_request";
  std::string canonical = canonical_request(request, names, payload_hash);
  std::string sig = signature(credentials.secret_access_key, date, params.region, params.service,
                              string_to_sign(amz_date, scope, canonical));

  std::string header;
  header.reserve(200);
  header += kAlgorithm;
  header += " Credential=";
  header += credentials.access_key_id;
  header += "/";
  header += scope;
  header += ", SignedHeaders=";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) header.push_back(';');
    header += names[i];
  }
  header += ", Signature=";
  header += sig;
  request.headers.emplace_back("Authorization", std::move(header));
}

std::optional<Authorization> parse_authorization(std::string_view header) {
  header = trim(header);
  if (header.substr(0, kAlgorithm.size()) != kAlgorithm) return std::nullopt;
  header.remove_prefix(kAlgorithm.size());
  if (header.empty() || (header.front() != ' ' && header.front() != '\t')) return std::nullopt;

  std::optional<std::string_view> credential, signed_headers, sig;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view part = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(part.substr(0, eq)), value = trim(part.substr(eq + 1));
    if (key == "Credential") credential = value;
    else if (key == "SignedHeaders") signed_headers = value;
    else if (key == "Signature") sig = value;
  }
  if (!credential || !signed_headers || !sig || sig->empty() || signed_headers->empty()) return std::nullopt;

  // AK/YYYYMMDD/region/service/aws4_request
  std::vector<std::string_view> scope;
  std::string_view rest = *credential;
  while (true) {
    size_t slash = rest.find('/');
    scope.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  if (scope.size() != 5 || scope[4] != "aws4_request") return std::nullopt;
  for (auto s : scope) {
    if (s.empty()) return std::nullopt;
  }
  if (scope[1].size() != 8) return std::nullopt;

  Authorization auth;
  auth.access_key_id = std::string(scope[0]);
  auth.date = std::string(scope[1]);
  auth.region = std::string(scope[2]);
  auth.service = std::string(scope[3]);
  auth.signature = std::string(*sig);
  std::string_view names = *signed_headers;
  while (true) {
    size_t semi = names.find(';');
    std::string_view name = names.substr(0, semi);
    if (name.empty()) return std::nullopt;
    auth.signed_headers.push_back(to_lower(name));
    if (semi == std::string_view::npos) break;
    names = names.substr(semi + 1);
  }
  return auth;
}

}  // namespace pingwatch::aws::sigv4
