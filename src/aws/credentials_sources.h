#pragma once
// The individual sources of the default credential chain. Each returns nullopt when it is not configured
// (the chain moves on) and throws when it is configured but fails (the chain stops, as in the SDKs).
// Exception messages name files, variables and hosts, never key material.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/http.h"

namespace pingwatch::aws::credential_sources {

struct Context {
  GetEnv getenv;
  std::string explicit_profile;                 // ChainOptions::profile (disables the environment source)
  std::string region;                           // for STS
  std::shared_ptr<HttpClient> http;             // STS
  std::shared_ptr<HttpClient> imds_http;        // 1 s timeouts, no proxy
  std::shared_ptr<HttpClient> container_http;   // 2 s timeouts, no proxy
  std::function<SystemTime()> clock;
};

std::optional<Credentials> from_environment(const Context& ctx);
std::optional<Credentials> from_profile(const Context& ctx);        // shared config + credentials files
std::optional<Credentials> from_web_identity_env(const Context& ctx);
std::optional<Credentials> from_container(const Context& ctx);
std::optional<Credentials> from_imds(const Context& ctx);

// Runs `command` through /bin/sh and parses its JSON (Version 1). `profile` only names it in errors.
Credentials run_credential_process(const std::string& command, const std::string& profile);

struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;
  std::string external_id;        // optional
  int duration_seconds = 0;       // 0: STS default (1 h)
  std::string profile;            // for endpoint_url lookup and region fallback
};
// STS AssumeRole (query protocol, signed with `source`).
Credentials sts_assume_role(const Context& ctx, const Credentials& source, const AssumeRoleRequest& request);
// STS AssumeRoleWithWebIdentity (query protocol, unsigned).
Credentials sts_assume_role_with_web_identity(const Context& ctx, const AssumeRoleRequest& request,
                                              const std::string& web_identity_token);

// ISO 8601 / RFC 3339 timestamps as STS, IMDS and credential_process write them:
// 2024-04-12T08:28:26Z, with optional fractional seconds and a Z or +HH:MM / +HHMM offset.
std::optional<SystemTime> parse_iso8601(std::string_view text);

// "pingwatch-<milliseconds since epoch>", the default role session name.
std::string default_session_name(const Context& ctx);

}  // namespace pingwatch::aws::credential_sources
