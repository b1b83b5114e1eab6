#include "local/sts/sts_service.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <stdexcept>

#include "local/protocol_render.h"
#include "local/sns/wire_util.h"
#include "local/sts/validation.h"

namespace pingwatch::local::sts {

namespace {

constexpr char kNamespace[] = "https://sts.amazonaws.com/doc/2011-06-15/";
constexpr char kSessionNamePattern[] = R"([\w+=,.@-]*)";
constexpr long long kDefaultDuration = 3600;
constexpr long long kChainedMaxDuration = 3600;       // role chaining: at most one hour
constexpr double kExpiredKeptSeconds = 24 * 3600;     // expired sessions still answer ExpiredToken for a day

// The model's arnType pattern (tab, LF, CR, printable ASCII and any non-ASCII character), checked on UTF-8 bytes.
Pattern arn_characters() {
  return Pattern{R"([\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+)",
                 [](const std::string& value) {
                   return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
                     const auto b = static_cast<unsigned char>(c);
                     return b == '\t' || b == '\n' || b == '\r' || (b >= 0x20 && b <= 0x7E) || b >= 0x80;
                   });
                 }};
}

std::string caller_arn(const KeyPair& key) {
  return key.principal_arn.empty() ? "arn:aws:iam::" + key.account_id + ":root" : key.principal_arn;
}

std::string caller_id(const KeyPair& key) { return key.principal_id.empty() ? key.account_id : key.principal_id; }

std::string element(const std::string& name, const std::string& value) {
  return "<" + name + ">" + xml_escape(value) + "</" + name + ">";
}

std::string credentials_xml(const KeyPair& session) {
  return "<Credentials>" + element("AccessKeyId", session.access_key_id) +
         element("SecretAccessKey", session.secret_access_key) + element("SessionToken", session.session_token) +
         element("Expiration", wire::iso8601_seconds_z(session.expires_at)) + "</Credentials>";
}

std::string assumed_role_user_xml(const KeyPair& session) {
  return "<AssumedRoleUser>" + element("AssumedRoleId", session.principal_id) + element("Arn", session.principal_arn) +
         "</AssumedRoleUser>";
}

// The JSON payload of a JWT (header.payload.signature, base64url), or a discarded value when it is not one.
nlohmann::json jwt_payload(const std::string& token) {
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? std::string::npos : token.find('.', first + 1);
  if (second == std::string::npos) return nlohmann::json(nlohmann::json::value_t::discarded);
  std::string b64 = token.substr(first + 1, second - first - 1);
  for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (b64.size() % 4 != 0) b64 += '=';
  std::string decoded(b64.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return nlohmann::json(nlohmann::json::value_t::discarded);
  decoded.resize(static_cast<std::size_t>(n));
  while (!decoded.empty() && decoded.back() == '\0') decoded.pop_back();   // EVP_DecodeBlock counts the padding
  auto payload = nlohmann::json::parse(decoded, nullptr, false);
  if (!payload.is_object()) return nlohmann::json(nlohmann::json::value_t::discarded);
  return payload;
}

}  // namespace

StsService::StsService(StackContext& context, CredentialStore& keys, std::shared_ptr<const RoleDirectory> roles)
    : context_(context), keys_(keys), roles_(std::move(roles)) {}

Response StsService::handle(const Request& request) {
  if (request.operation == "GetCallerIdentity") return get_caller_identity(request);
  if (request.operation == "AssumeRole") return assume_role(request);
  if (request.operation == "AssumeRoleWithWebIdentity") return assume_role_with_web_identity(request);
  throw ServiceError(400, "InvalidAction",
                     "Could not find operation " + request.operation + " for version 2011-06-15");
}

Response StsService::get_caller_identity(const Request& request) const {
  const auto key = keys_.find(request.access_key_id);
  if (!key) throw ServiceError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  return query_reply(request, kNamespace,
                     element("Arn", caller_arn(*key)) + element("UserId", caller_id(*key)) +
                         element("Account", key->account_id));
}

RoleInfo StsService::resolve_role(const std::string& role_arn, const std::string& denial) const {
  const auto arn = parse_role_arn(role_arn);
  if (!arn) throw ServiceError(400, "ValidationError", "Request ARN is invalid");
  const auto role = roles_->find(*arn);
  if (!role) {
    throw ServiceError(403, "AccessDenied", denial);
  }
  return *role;
}

KeyPair StsService::mint_session(const RoleInfo& role, const std::string& session_name, long long duration_seconds) {
  const double now = context_.clock->now();
  auto fresh = wire::new_temporary_keys(340);
  KeyPair session;
  session.access_key_id = std::move(fresh.access_key_id);
  session.secret_access_key = std::move(fresh.secret_access_key);
  session.session_token = std::move(fresh.session_token);
  session.account_id = role.account_id;
  session.expires_at = std::floor(now) + static_cast<double>(duration_seconds);
  session.principal_arn = "arn:aws:sts::" + role.account_id + ":assumed-role/" + role.name + "/" + session_name;
  session.principal_id = role.role_id + ":" + session_name;
  keys_.prune_expired(now, kExpiredKeptSeconds);
  keys_.add(session);
  return session;
}

Response StsService::assume_role(const Request& request) {
  InputCheck check(request.params);
  const auto role_arn = check.text("RoleArn", true, 20, 2048, arn_characters());
  const auto session_name = check.text("RoleSessionName", true, 2, 64, Pattern::regex(kSessionNamePattern));
  const auto duration = check.integer("DurationSeconds", 900, 43200);
  check.text("ExternalId", false, 2, 1224, Pattern::regex(R"([\w+=,.@:\/-]*)"));
  check.text("Policy", false, 1, 2048);
  check.text("SerialNumber", false, 9, 256, Pattern::regex(R"([\w+=/:,.@-]*)"));
  check.text("TokenCode", false, 6, 6, Pattern::regex(R"([\d]*)"));
  const auto source_identity = check.text("SourceIdentity", false, 2, 64, Pattern::regex(kSessionNamePattern));
  check.throw_if_invalid();

  const auto caller = keys_.find(request.access_key_id);
  if (!caller) throw ServiceError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
  const std::string denial =
      "User: " + caller_arn(*caller) + " is not authorized to perform: sts:AssumeRole on resource: " + *role_arn;
  const RoleInfo role = resolve_role(*role_arn, denial);
  // AWS answers a role that does not trust the caller exactly as one that does not exist.
  if (!roles_->trusts(role, caller->account_id)) throw ServiceError(403, "AccessDenied", denial);
  const long long seconds = duration.value_or(kDefaultDuration);
  if (caller->temporary() && seconds > kChainedMaxDuration) {
    throw ServiceError(400, "ValidationError",
                       "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  }
  if (seconds > role.max_session_seconds) {
    throw ServiceError(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
  const KeyPair session = mint_session(role, *session_name, seconds);
  std::string xml = assumed_role_user_xml(session) + credentials_xml(session);
  if (source_identity) xml += element("SourceIdentity", *source_identity);
  return query_reply(request, kNamespace, xml);
}

Response StsService::assume_role_with_web_identity(const Request& request) {
  InputCheck check(request.params);
  const auto role_arn = check.text("RoleArn", true, 20, 2048, arn_characters());
  const auto session_name = check.text("RoleSessionName", true, 2, 64, Pattern::regex(kSessionNamePattern));
  const auto token = check.text("WebIdentityToken", true, 4, 20000);
  const auto duration = check.integer("DurationSeconds", 900, 43200);
  check.text("Policy", false, 1, 2048);
  check.text("ProviderId", false, 4, 2048);
  check.throw_if_invalid();

  // The stack knows no OIDC provider to verify the token's signature against: it accepts any well-formed JWT
  // (as a provider registered for every issuer would) and still refuses malformed and expired ones.
  const nlohmann::json claims = jwt_payload(*token);
  if (claims.is_discarded() || !claims.contains("sub") || !claims["sub"].is_string()) {
    throw ServiceError(400, "InvalidIdentityToken",
                       "The web identity token that was passed could not be validated by AWS. Get a new identity token "
                       "from the identity provider and then retry the request.");
  }
  if (claims.contains("exp") && claims["exp"].is_number() && claims["exp"].get<double>() <= context_.clock->now()) {
    throw ServiceError(400, "ExpiredTokenException",
                       "The web identity token that was passed is expired or is not valid. Get a new identity token from "
                       "the identity provider and then retry the request.");
  }
  const std::string issuer = claims.value("iss", std::string());
  const RoleInfo role = resolve_role(*role_arn, "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  const KeyPair session = mint_session(role, *session_name, duration.value_or(kDefaultDuration));
  const nlohmann::json aud = claims.value("aud", nlohmann::json());
  const nlohmann::json& first_aud = aud.is_array() && !aud.empty() ? aud[0] : aud;
  const std::string audience = first_aud.is_string() ? first_aud.get<std::string>() : "";
  const std::string provider = issuer.starts_with("https://") ? issuer.substr(8) : issuer;
  return query_reply(request, kNamespace,
                     assumed_role_user_xml(session) + element("Audience", audience) + credentials_xml(session) +
                         element("SubjectFromWebIdentityToken", claims["sub"].get<std::string>()) +
                         element("Provider", provider));
}

nlohmann::json StsService::save() const {
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& k : keys_.temporary_keys()) {
    if (k.principal_arn.find(":assumed-role/") == std::string::npos) continue;   // only sessions this service issued
    sessions.push_back({{"access_key_id", k.access_key_id}, {"secret_access_key", k.secret_access_key},
                        {"session_token", k.session_token}, {"account_id", k.account_id}, {"expires_at", k.expires_at},
                        {"principal_arn", k.principal_arn}, {"principal_id", k.principal_id}});
  }
  return {{"sessions", sessions}};
}

void StsService::load(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("sessions") || !state["sessions"].is_array()) return;
  for (const auto& s : state["sessions"]) {
    KeyPair k;
    k.access_key_id = s.value("access_key_id", "");
    k.secret_access_key = s.value("secret_access_key", "");
    k.session_token = s.value("session_token", "");
    k.account_id = s.value("account_id", "");
    k.expires_at = s.value("expires_at", 0.0);
    k.principal_arn = s.value("principal_arn", "");
    k.principal_id = s.value("principal_id", "");
    if (!k.access_key_id.empty() && !k.secret_access_key.empty() && !k.session_token.empty()) keys_.add(k);
  }
}

}  // namespace pingwatch::local::sts

namespace pingwatch::local {
std::unique_ptr<Service> make_sts_service(StackContext& context, CredentialStore& keys) {
  return std::make_unique<sts::StsService>(context, keys);
}
std::unique_ptr<Service> make_sts_service(StackContext& context, CredentialStore& keys,
                                          std::shared_ptr<const sts::RoleDirectory> roles) {
  return std::make_unique<sts::StsService>(context, keys, std::move(roles));
}
}  // namespace pingwatch::local
