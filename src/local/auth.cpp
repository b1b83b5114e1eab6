#include "local/auth.h"

#include <openssl/crypto.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "aws/http_date.h"
#include "aws/sigv4.h"
#include "aws/url_parts.h"

namespace pingwatch::local {

namespace sigv4 = aws::sigv4;

CredentialStore::CredentialStore() { add({"test", "test", "123456789012"}); }

CredentialStore::CredentialStore(const CredentialStore& other) {
  std::shared_lock lock(other.mutex_);
  keys_ = other.keys_;
}

CredentialStore& CredentialStore::operator=(const CredentialStore& other) {
  if (this == &other) return *this;
  std::map<std::string, KeyPair> copy;
  {
    std::shared_lock lock(other.mutex_);
    copy = other.keys_;
  }
  std::unique_lock lock(mutex_);
  keys_ = std::move(copy);
  return *this;
}

void CredentialStore::add(KeyPair pair) {
  if (pair.access_key_id.empty() || pair.secret_access_key.empty()) {
    throw std::runtime_error("credentials: an access key id and a secret access key are both required");
  }
  if (pair.account_id.empty()) pair.account_id = "123456789012";
  std::unique_lock lock(mutex_);
  keys_[pair.access_key_id] = std::move(pair);
}

void CredentialStore::clear() {
  std::unique_lock lock(mutex_);
  keys_.clear();
}

std::optional<KeyPair> CredentialStore::find(const std::string& access_key_id) const {
  std::shared_lock lock(mutex_);
  auto it = keys_.find(access_key_id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

std::size_t CredentialStore::size() const {
  std::shared_lock lock(mutex_);
  return keys_.size();
}

std::size_t CredentialStore::prune_expired(double now_sim, double grace) {
  std::unique_lock lock(mutex_);
  return std::erase_if(keys_, [&](const auto& entry) {
    const KeyPair& k = entry.second;
    return k.temporary() && k.expires_at > 0 && k.expires_at + grace < now_sim;
  });
}

std::vector<KeyPair> CredentialStore::temporary_keys() const {
  std::shared_lock lock(mutex_);
  std::vector<KeyPair> out;
  for (const auto& [id, key] : keys_) {
    if (key.temporary()) out.push_back(key);
  }
  return out;
}

CredentialStore CredentialStore::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("--credentials: cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  CredentialStore store;
  store.clear();
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '[' || text[first] == '{')) {
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("--credentials " + path + ": not valid JSON: " + e.what());
    }
    if (doc.is_object()) doc = doc.value("keys", nlohmann::json::array());
    if (!doc.is_array()) throw std::runtime_error("--credentials " + path + ": expected a list of key pairs");
    for (std::size_t i = 0; i < doc.size(); ++i) {
      const auto& k = doc[i];
      if (!k.is_object() || !k.contains("access_key_id") || !k.contains("secret_access_key")) {
        throw std::runtime_error("--credentials " + path + ": entry " + std::to_string(i) +
                                 " needs access_key_id and secret_access_key");
      }
      store.add({k["access_key_id"].get<std::string>(), k["secret_access_key"].get<std::string>(),
                 k.value("account_id", "123456789012")});
    }
  } else {
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
      ++number;
      if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
      std::istringstream words(line);
      std::string key, secret, account;
      if (!(words >> key)) continue;
      if (!(words >> secret)) {
        throw std::runtime_error("--credentials " + path + ":" + std::to_string(number) +
                                 ": expected \"ACCESS_KEY SECRET [ACCOUNT]\"");
      }
      words >> account;
      if (!account.empty() && (account.size() != 12 || account.find_first_not_of("0123456789") != std::string::npos)) {
        throw std::runtime_error("--credentials " + path + ":" + std::to_string(number) + ": account must be 12 digits");
      }
      store.add({key, secret, account});
    }
  }
  if (store.size() == 0) throw std::runtime_error("--credentials " + path + ": no key pairs found");
  return store;
}

std::string amz_date_of(double epoch_seconds) {
  return sigv4::format_amz_date(std::chrono::system_clock::time_point(
      std::chrono::seconds(static_cast<long long>(std::floor(epoch_seconds)))));
}

namespace {

constexpr double kSkewSeconds = 15 * 60;
constexpr char kSignatureMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details.";

struct Parts {
  std::string credential, signed_headers, signature, date;
  bool presigned = false;
  std::string expires;
  std::string security_token;   // X-Amz-Security-Token (temporary credentials)
  std::string query_without_signature;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::pair<std::string, std::string>> split_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const aws::QueryPiece& piece : aws::query_pieces(query)) {
    out.emplace_back(aws::uri_decode(piece.name), aws::uri_decode(piece.value));
  }
  return out;
}

std::string header_or_empty(const aws::Headers& headers, std::string_view name) {
  const std::string* v = aws::find_header(headers, name);
  return v ? *v : std::string();
}

// The Authorization header's components, with AWS's IncompleteSignature text for the missing ones.
Parts parse_header_form(const std::string& header, const aws::Headers& headers) {
  Parts p;
  std::string_view rest = trim(header);
  std::string missing;
  if (!rest.starts_with("AWS4-HMAC-SHA256 ")) {
    missing = "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
              "parameter. Authorization header requires 'SignedHeaders' parameter. ";
  } else {
    rest.remove_prefix(17);
    std::size_t pos = 0;
    while (pos <= rest.size()) {
      std::size_t comma = rest.find(',', pos);
      std::string_view item = trim(rest.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
      if (!item.empty()) {
        auto eq = item.find('=');
        if (eq == std::string_view::npos) {
          throw AuthFailure(AuthFailure::Kind::Incomplete,
                            "'" + std::string(item) + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" +
                                header + "'.");
        }
        std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
        if (key == "Credential") p.credential = value;
        else if (key == "SignedHeaders") p.signed_headers = value;
        else if (key == "Signature") p.signature = value;
      }
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    if (p.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
    if (p.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
    if (p.signed_headers.empty()) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  }
  p.security_token = header_or_empty(headers, "x-amz-security-token");
  p.date = header_or_empty(headers, "x-amz-date");
  if (p.date.empty()) p.date = header_or_empty(headers, "date");
  if (p.date.empty()) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (!missing.empty()) {
    throw AuthFailure(AuthFailure::Kind::Incomplete, missing + "Authorization=" + header);
  }
  return p;
}

Parts parse_query_form(const std::vector<std::pair<std::string, std::string>>& query, std::string_view raw_query) {
  Parts p;
  p.presigned = true;
  std::string algorithm;
  for (const auto& [k, v] : query) {
    if (k == "X-Amz-Algorithm") algorithm = v;
    else if (k == "X-Amz-Credential") p.credential = v;
    else if (k == "X-Amz-SignedHeaders") p.signed_headers = v;
    else if (k == "X-Amz-Signature") p.signature = v;
    else if (k == "X-Amz-Date") p.date = v;
    else if (k == "X-Amz-Expires") p.expires = v;
    else if (k == "X-Amz-Security-Token") p.security_token = v;
  }
  std::string missing;
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"X-Amz-Algorithm", &algorithm},
                                    {"X-Amz-Credential", &p.credential}, {"X-Amz-Signature", &p.signature},
                                    {"X-Amz-Date", &p.date}, {"X-Amz-SignedHeaders", &p.signed_headers}}) {
    if (value->empty()) missing += std::string("AWS query-string parameters must include '") + name + "'. ";
  }
  if (!missing.empty()) throw AuthFailure(AuthFailure::Kind::Incomplete, missing + "Re-examine the query-string parameters.");
  if (algorithm != "AWS4-HMAC-SHA256") {
    throw AuthFailure(AuthFailure::Kind::Incomplete, "Unsupported AWS 'algorithm': '" + algorithm + "'");
  }
  // Everything but the signature itself is signed, in its raw form.
  for (const aws::QueryPiece& piece : aws::query_pieces(raw_query)) {
    if (piece.text.starts_with("X-Amz-Signature=")) continue;
    if (!p.query_without_signature.empty()) p.query_without_signature += '&';
    p.query_without_signature += piece.text;
  }
  return p;
}

std::optional<double> parse_request_date(const std::string& text) {
  if (auto t = sigv4::parse_amz_date(text)) return std::chrono::duration<double>(t->time_since_epoch()).count();
  if (auto t = aws::parse_http_date(text)) return std::chrono::duration<double>(t->time_since_epoch()).count();
  return std::nullopt;
}

bool valid_region(const std::string& region) {
  static const std::regex pattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$");
  return std::regex_match(region, pattern);
}

std::vector<std::string> split_signed_headers(const std::string& list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t semi = list.find(';', pos);
    std::string name = list.substr(pos, semi == std::string::npos ? std::string::npos : semi - pos);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!name.empty()) out.push_back(name);
    if (semi == std::string::npos) break;
    pos = semi + 1;
  }
  return out;
}

struct Scope {
  std::string access_key, date, region, service, terminal;
};

std::optional<Scope> split_credential(const std::string& credential) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (true) {
    std::size_t slash = credential.find('/', pos);
    parts.push_back(credential.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos));
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  if (parts.size() != 5) return std::nullopt;
  return Scope{parts[0], parts[1], parts[2], parts[3], parts[4]};
}

std::pair<std::string, std::string> split_target(const std::string& target) {
  auto q = target.find('?');
  if (q == std::string::npos) return {target, ""};
  return {target.substr(0, q), target.substr(q + 1)};
}

}  // namespace

std::optional<std::pair<std::string, std::string>> credential_scope_of(const SignedRequest& request) {
  std::string credential;
  if (const std::string* auth = aws::find_header(request.headers, "authorization")) {
    auto pos = auth->find("Credential=");
    if (pos == std::string::npos) return std::nullopt;
    auto end = auth->find_first_of(", ", pos);
    credential = auth->substr(pos + 11, end == std::string::npos ? std::string::npos : end - pos - 11);
  } else {
    for (const auto& [k, v] : split_query(split_target(request.target).second)) {
      if (k == "X-Amz-Credential") credential = v;
    }
  }
  auto scope = split_credential(credential);
  if (!scope) return std::nullopt;
  return std::make_pair(scope->service, scope->region);
}

namespace {

constexpr char kTokenInvalid[] = "The security token included in the request is invalid.";

// The key named by the credential scope, with its session token and expiry checked as AWS checks them.
KeyPair key_for(const Scope& scope, const Parts& parts, const CredentialStore& keys, double now_sim) {
  const auto key = keys.find(scope.access_key);
  if (!key) throw AuthFailure(AuthFailure::Kind::UnknownKey, kTokenInvalid);
  if (key->temporary()) {
    // Temporary credentials are only valid together with their own session token.
    if (parts.security_token.size() != key->session_token.size() ||
        CRYPTO_memcmp(parts.security_token.data(), key->session_token.data(), key->session_token.size()) != 0) {
      throw AuthFailure(AuthFailure::Kind::UnknownKey, kTokenInvalid);
    }
    if (key->expires_at > 0 && now_sim >= key->expires_at) {
      throw AuthFailure(AuthFailure::Kind::ExpiredToken, "The security token included in the request is expired");
    }
  }
  return *key;
}

// The X-Amz-Date (or Date) of a request, checked against the scope's date, region and service and against both
// clocks (SDKs sign with the local clock or with the server's Date header). Returns epoch seconds.
double checked_signing_time(const Parts& parts, const Scope& scope, const SignedRequest& request, double now_wall,
                            double now_sim) {
  const auto signed_at = parse_request_date(parts.date);
  if (!signed_at) {
    throw AuthFailure(AuthFailure::Kind::Incomplete, "Date must be in ISO-8601 'basic format'. Got '" + parts.date +
                                                         "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  const std::string amz_date = amz_date_of(*signed_at);
  if (scope.date != amz_date.substr(0, 8)) {
    throw AuthFailure(AuthFailure::Kind::BadSignature,
                      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                          scope.date + "' != '" + amz_date.substr(0, 8) + "', from '" + amz_date + "'.");
  }
  if (!valid_region(scope.region)) {
    throw AuthFailure(AuthFailure::Kind::BadSignature,
                      "Credential should be scoped to a valid region, not '" + scope.region + "'. ");
  }
  if (!request.expected_service.empty() && scope.service != request.expected_service) {
    throw AuthFailure(AuthFailure::Kind::BadSignature,
                      "Credential should be scoped to correct service: '" + request.expected_service + "'. ");
  }
  if (std::abs(*signed_at - now_wall) > kSkewSeconds && std::abs(*signed_at - now_sim) > kSkewSeconds) {
    const std::string now = amz_date_of(now_sim);
    if (*signed_at < now_sim) {
      throw AuthFailure(AuthFailure::Kind::Expired, "Signature expired: " + amz_date + " is now earlier than " +
                                                        amz_date_of(now_sim - kSkewSeconds) + " (" + now + " - 15 min.)");
    }
    throw AuthFailure(AuthFailure::Kind::Expired, "Signature not yet current: " + amz_date + " is still later than " +
                                                      amz_date_of(now_sim + kSkewSeconds) + " (" + now + " + 15 min.)");
  }
  if (parts.presigned && !parts.expires.empty()) {
    char* end = nullptr;
    const double expires = std::strtod(parts.expires.c_str(), &end);
    if (end == parts.expires.c_str() || *end != '\0' || expires < 1 || expires > 604800) {
      throw AuthFailure(AuthFailure::Kind::Incomplete, "X-Amz-Expires must be an integer between 1 and 604800");
    }
    if (now_wall > *signed_at + expires && now_sim > *signed_at + expires) {
      throw AuthFailure(AuthFailure::Kind::Expired, "Request has expired");
    }
  }
  return *signed_at;
}

// The payload hashes a signature may have been computed over. The body is the bytes as sent (a gzip body still
// compressed: botocore and the JS SDK sign the compressed payload), so its hash is always computable here.
std::vector<std::string> payload_hashes_of(const SignedRequest& request, const Parts& parts) {
  const std::string body_hash = sigv4::sha256_hex(request.body);
  const std::string content_sha = header_or_empty(request.headers, "x-amz-content-sha256");
  if (!content_sha.empty()) {
    if (content_sha != "UNSIGNED-PAYLOAD" && content_sha != body_hash) {
      throw AuthFailure(AuthFailure::Kind::BadSignature,
                        "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    return {content_sha};
  }
  if (parts.presigned) return {body_hash, "UNSIGNED-PAYLOAD"};
  return {body_hash};
}

Parts parts_of(const SignedRequest& request, std::string_view raw_query) {
  if (const std::string* auth = aws::find_header(request.headers, "authorization")) {
    return parse_header_form(*auth, request.headers);
  }
  const auto query = split_query(raw_query);
  const bool presigned = std::any_of(query.begin(), query.end(), [](const auto& kv) { return kv.first == "X-Amz-Credential"; });
  if (!presigned) throw AuthFailure(AuthFailure::Kind::MissingToken, "Missing Authentication Token");
  return parse_query_form(query, raw_query);
}

}  // namespace

Identity verify_signature(const SignedRequest& request, const CredentialStore& keys, double now_wall, double now_sim) {
  const auto [path, raw_query] = split_target(request.target);
  const Parts parts = parts_of(request, raw_query);
  const auto scope = split_credential(parts.credential);
  if (!scope || scope->terminal != "aws4_request" || scope->access_key.empty()) {
    throw AuthFailure(AuthFailure::Kind::Incomplete,
                      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                      "got '" + parts.credential + "'");
  }
  const KeyPair key = key_for(*scope, parts, keys, now_sim);
  const double signed_at = checked_signing_time(parts, *scope, request, now_wall, now_sim);
  const std::string amz_date = amz_date_of(signed_at);

  aws::HttpRequest canonical_input;
  canonical_input.method = request.method;
  std::string host = header_or_empty(request.headers, "host");
  if (host.empty()) host = "localhost";
  canonical_input.url = "http://" + host + (path.empty() ? "/" : path) +
                        (parts.presigned ? (parts.query_without_signature.empty() ? "" : "?" + parts.query_without_signature)
                                         : (raw_query.empty() ? "" : "?" + raw_query));
  canonical_input.headers = request.headers;
  const auto signed_headers = split_signed_headers(parts.signed_headers);
  const std::string scope_text = scope->date + "/" + scope->region + "/" + scope->service + "/aws4_request";
  for (const auto& payload_hash : payload_hashes_of(request, parts)) {
    std::string canonical;
    try {
      canonical = sigv4::canonical_request(canonical_input, signed_headers, payload_hash);
    } catch (const std::exception&) {
      throw AuthFailure(AuthFailure::Kind::BadSignature, kSignatureMismatch);
    }
    const std::string to_sign = sigv4::string_to_sign(parts.date.size() == 16 ? parts.date : amz_date, scope_text, canonical);
    const std::string expected =
        sigv4::signature(key.secret_access_key, scope->date, scope->region, scope->service, to_sign);
    if (expected.size() == parts.signature.size() &&
        CRYPTO_memcmp(expected.data(), parts.signature.data(), expected.size()) == 0) {
      return Identity{key.access_key_id, key.account_id, scope->region, scope->service, signed_at};
    }
  }
  throw AuthFailure(AuthFailure::Kind::BadSignature, kSignatureMismatch);
}

}  // namespace pingwatch::local
