// STS AssumeRole / AssumeRoleWithWebIdentity for the credential chain, written directly on HttpClient and the
// signer (awsQuery: form body, XML reply) so the chain does not depend on the service-client layer above it.
#include <pugixml.hpp>

#include <thread>

#include "aws/credentials_sources.h"
#include "aws/error.h"
#include "aws/retry.h"
#include "aws/sigv4.h"
#include "aws/url_parts.h"

namespace pingwatch::aws::credential_sources {

namespace {

const ServiceInfo kSts{"sts", "sts", "STS", "sts"};

std::string sts_region(const Context& ctx, const std::string& profile) {
  if (!ctx.region.empty()) return ctx.region;
  std::string region = resolve_region(profile, ctx.getenv);
  // With no region at all the SDKs used the global endpoint, which lives in us-east-1.
  return region.empty() ? "us-east-1" : region;
}

void append_param(std::string& body, const char* name, const std::string& value) {
  if (value.empty()) return;
  body += '&';
  body += name;
  body += '=';
  body += uri_encode(value);
}

AwsError parse_error(const HttpResponse& response, const std::string& action) {
  pugi::xml_document doc;
  std::string code, message, request_id;
  if (doc.load_buffer(response.body.data(), response.body.size())) {
    pugi::xml_node error = doc.child("ErrorResponse").child("Error");
    code = error.child_value("Code");
    message = error.child_value("Message");
    request_id = doc.child("ErrorResponse").child_value("RequestId");
  }
  if (code.empty()) code = "HTTP" + std::to_string(response.status);
  AwsError err(code, message, response.status, request_id, "sts", action);
  classify_error(err);
  return err;
}

Credentials parse_credentials(const HttpResponse& response, const std::string& action) {
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) {
    throw AwsError("MalformedResponse", "STS " + action + " returned a reply that is not XML", response.status, {}, "sts", action);
  }
  pugi::xml_node node = doc.child((action + "Response").c_str()).child((action + "Result").c_str()).child("Credentials");
  Credentials c;
  c.access_key_id = node.child_value("AccessKeyId");
  c.secret_access_key = node.child_value("SecretAccessKey");
  c.session_token = node.child_value("SessionToken");
  c.expiration = parse_iso8601(node.child_value("Expiration"));
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty() || !c.expiration) {
    throw AwsError("MalformedResponse", "STS " + action + " reply has no complete Credentials element", response.status, {},
                   "sts", action);
  }
  return c;
}

Credentials call_sts(const Context& ctx, const std::string& action, const std::string& profile, const std::string& params,
                     const Credentials* signer) {
  const std::string region = sts_region(ctx, profile);
  EndpointInputs inputs;
  inputs.region = region;
  inputs.profile = profile;
  inputs.getenv = ctx.getenv;
  std::string endpoint = resolve_endpoint(kSts, inputs);
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();

  RetryConfig retry = retry_config_from_env(ctx.getenv);
  RetryQuota quota;
  for (int attempt = 1;; ++attempt) {
    HttpRequest request;
    request.method = "POST";
    request.url = endpoint + "/";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = "Action=" + action + "&Version=2011-06-15" + params;
    if (signer) sigv4::sign_request(request, *signer, {region, "sts", ctx.clock()});

    RetryDecision decision;
    try {
      HttpResponse response = ctx.http->send(request);
      if (response.status >= 200 && response.status < 300) return parse_credentials(response, action);
      AwsError err = parse_error(response, action);
      decision = decide_retry(retry, quota, attempt, &err, false, false);
      if (!decision.retry) throw err;
    } catch (const TransportError& e) {
      decision = decide_retry(retry, quota, attempt, nullptr, true, e.kind == TransportError::Kind::Timeout);
      if (!decision.retry) throw;
    }
    std::this_thread::sleep_for(decision.delay);
  }
}

}  // namespace

Credentials sts_assume_role(const Context& ctx, const Credentials& source, const AssumeRoleRequest& request) {
  std::string params;
  append_param(params, "RoleArn", request.role_arn);
  append_param(params, "RoleSessionName", request.session_name);
  append_param(params, "ExternalId", request.external_id);
  if (request.duration_seconds > 0) append_param(params, "DurationSeconds", std::to_string(request.duration_seconds));
  Credentials c = call_sts(ctx, "AssumeRole", request.profile, params, &source);
  c.source = "assume-role";
  return c;
}

Credentials sts_assume_role_with_web_identity(const Context& ctx, const AssumeRoleRequest& request,
                                              const std::string& web_identity_token) {
  std::string params;
  append_param(params, "RoleArn", request.role_arn);
  append_param(params, "RoleSessionName", request.session_name);
  append_param(params, "WebIdentityToken", web_identity_token);
  if (request.duration_seconds > 0) append_param(params, "DurationSeconds", std::to_string(request.duration_seconds));
  // Unsigned: the web identity token is the proof of identity.
  Credentials c = call_sts(ctx, "AssumeRoleWithWebIdentity", request.profile, params, nullptr);
  c.source = "web-identity";
  return c;
}

}  // namespace pingwatch::aws::credential_sources
