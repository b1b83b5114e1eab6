// Credentials from metadata endpoints: the ECS/EKS container credentials endpoint and EC2 IMDSv2.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "aws/credentials_sources.h"
#include "aws/url_parts.h"

namespace pingwatch::aws::credential_sources {

namespace {

using namespace std::chrono_literals;

constexpr const char* kContainerHost = "http://169.254.170.2";
constexpr const char* kImdsEndpoint = "http://169.254.169.254";
constexpr const char* kImdsIpv6Endpoint = "http://[fd00:ec2::254]";
constexpr const char* kImdsTokenTtl = "21600";
constexpr const char* kImdsCredentialsPath = "/latest/meta-data/iam/security-credentials/";

std::string env(const Context& ctx, const char* name) {
  auto v = ctx.getenv(name);
  return v ? *v : std::string();
}

bool is_true(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "true";
}

// Hosts AWS_CONTAINER_CREDENTIALS_FULL_URI may name (botocore ContainerMetadataFetcher): loopback, the ECS
// and EKS Pod Identity agent addresses.
bool allowed_full_uri_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23") {
    return true;
  }
  return host.rfind("127.", 0) == 0 &&
         std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; });
}

Credentials parse_credentials_json(const std::string& body, const std::string& where, const char* token_field) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error(where + " returned a reply that is not JSON");
  }
  auto str = [&](const char* name) -> std::string {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (auto code = str("Code"); !code.empty() && code != "Success") {
    throw std::runtime_error(where + " answered Code=" + code + " instead of credentials");
  }
  Credentials c;
  c.access_key_id = str("AccessKeyId");
  c.secret_access_key = str("SecretAccessKey");
  c.session_token = str(token_field);
  if (auto exp = str("Expiration"); !exp.empty()) c.expiration = parse_iso8601(exp);
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    throw std::runtime_error(where + " returned no AccessKeyId/SecretAccessKey");
  }
  return c;
}

std::string read_authorization_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

}  // namespace

std::optional<Credentials> from_container(const Context& ctx) {
  std::string url;
  if (auto rel = env(ctx, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); !rel.empty()) {
    url = std::string(kContainerHost) + (rel.front() == '/' ? "" : "/") + rel;
  } else if (auto full = env(ctx, "AWS_CONTAINER_CREDENTIALS_FULL_URI"); !full.empty()) {
    UrlParts parts = split_url(full);
    if (!allowed_full_uri_host(parts.host)) {
      throw NoCredentialsError("AWS_CONTAINER_CREDENTIALS_FULL_URI host '" + parts.host +
                               "' is not allowed: use a loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23");
    }
    url = full;
  } else {
    return std::nullopt;
  }

  HttpRequest request{"GET", url, {{"Accept", "application/json"}}, ""};
  std::string token;
  if (auto file = env(ctx, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
    token = read_authorization_file(file);   // re-read on every refresh: the agent rotates it
  } else {
    token = env(ctx, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (!token.empty()) {
    if (token.find_first_of("\r\n") != std::string::npos) {
      throw NoCredentialsError("the container authorization token contains a line break: check AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]");
    }
    request.headers.emplace_back("Authorization", token);
  }

  const std::string where = "container credentials endpoint " + host_header_value(split_url(url));
  // botocore tries three times, a short pause apart, before giving up on the endpoint.
  for (int attempt = 1;; ++attempt) {
    try {
      HttpResponse response = ctx.container_http->send(request);
      if (response.status == 200) {
        Credentials c = parse_credentials_json(response.body, where, "Token");
        c.source = "container";
        return c;
      }
      if (response.status < 500 || attempt >= 3) {
        throw std::runtime_error(where + " returned HTTP " + std::to_string(response.status));
      }
    } catch (const TransportError&) {
      if (attempt >= 3) throw;
    }
    std::this_thread::sleep_for(200ms);
  }
}

std::optional<Credentials> from_imds(const Context& ctx) {
  if (is_true(env(ctx, "AWS_EC2_METADATA_DISABLED"))) return std::nullopt;
  std::string endpoint = env(ctx, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty()) {
    std::string mode = env(ctx, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    std::transform(mode.begin(), mode.end(), mode.begin(), [](unsigned char c) { return std::tolower(c); });
    endpoint = mode == "ipv6" ? kImdsIpv6Endpoint : kImdsEndpoint;
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();

  // Not on EC2 (no answer within 1 s) or no role attached: no credentials from here, the chain ends.
  // botocore logs and returns nothing in both cases, so does this.
  std::string token;
  try {
    HttpRequest put{"PUT", endpoint + "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", kImdsTokenTtl}}, ""};
    HttpResponse response = ctx.imds_http->send(put);
    if (response.status == 200) {
      token = response.body;
    } else if (response.status == 403 || response.status == 404 || response.status == 405) {
      // IMDSv1-only endpoints (botocore falls back likewise) unless v1 is disabled.
      if (is_true(env(ctx, "AWS_EC2_METADATA_V1_DISABLED"))) return std::nullopt;
    } else {
      return std::nullopt;
    }
  } catch (const TransportError&) {
    return std::nullopt;
  }

  Headers headers;
  if (!token.empty()) headers.emplace_back("X-aws-ec2-metadata-token", token);
  std::string role;
  try {
    HttpResponse response = ctx.imds_http->send({"GET", endpoint + kImdsCredentialsPath, headers, ""});
    if (response.status != 200) return std::nullopt;   // 404: the instance has no role
    std::istringstream lines(response.body);
    std::getline(lines, role);
    while (!role.empty() && std::isspace(static_cast<unsigned char>(role.back()))) role.pop_back();
    if (role.empty()) return std::nullopt;
    response = ctx.imds_http->send({"GET", endpoint + kImdsCredentialsPath + uri_encode(role), headers, ""});
    if (response.status != 200) return std::nullopt;
    Credentials c = parse_credentials_json(response.body, "instance metadata service", "Token");
    c.source = "imds";
    return c;
  } catch (const TransportError&) {
    return std::nullopt;
  }
}

}  // namespace pingwatch::aws::credential_sources
