#include "runtime/aws_options.h"

#include <array>
#include <string_view>

#include "aws/credentials.h"
#include "aws/error.h"

namespace pingwatch::runtime {

void add_aws_options(CLI::App& command, aws::AwsOptions& options) {
  command.add_option("--region", options.region, "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile region)");
  command.add_option("--profile", options.profile, "shared config/credentials profile (default: AWS_PROFILE or default)");
  command.add_option("--endpoint-url", options.endpoint_url,
                     "send every AWS call to this URL, e.g. http://127.0.0.1:4566 for the local stack");
}

namespace {

bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (auto c : codes) {
    if (code == c) return true;
  }
  return false;
}

std::string where(const aws::AwsError& e) {
  std::string s = e.service.empty() ? std::string("AWS") : e.service;
  if (!e.operation.empty()) s += ":" + e.operation;
  return s;
}

}  // namespace

std::string describe_startup_failure(const std::exception& error) {
  if (dynamic_cast<const aws::NoCredentialsError*>(&error) != nullptr) {
    const std::string what = error.what();
    if (what.empty()) {
      return "no AWS credentials found: set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on an "
             "instance with a role";
    }
    // The chain's messages already say what is missing and what to set; do not repeat its prefix.
    return what.rfind("no AWS credentials", 0) == 0 ? what : "AWS credentials unusable: " + what;
  }
  if (dynamic_cast<const aws::ConfigurationError*>(&error) != nullptr) return error.what();
  const auto* e = dynamic_cast<const aws::AwsError*>(&error);
  if (e == nullptr) return {};
  if (e->http_status == 0 && e->code != "MalformedResponse") {
    return "cannot reach AWS for " + where(*e) + " (" + e->code + ": " + e->message +
           "): check the network, HTTPS_PROXY/NO_PROXY, and --endpoint-url/--region";
  }
  if (one_of(e->code, {"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
                       "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidSignatureException",
                       "IncompleteSignature", "MissingAuthenticationToken", "AuthFailure", "RequestExpired"})) {
    return "AWS rejected the credentials for " + where(*e) + " (" + e->code + ": " + e->message +
           "): refresh them (aws sso login, new keys) or pick another --profile";
  }
  if (one_of(e->code, {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "AuthorizationError",
                       "UnauthorizedException"})) {
    return "permission denied for " + where(*e) + " (" + e->code + ": " + e->message + "): allow " +
           (e->service == "monitoring" ? std::string("cloudwatch") : e->service) + ":" + e->operation +
           " in the IAM policy of the caller";
  }
  if (e->code == "MalformedResponse" || e->http_status == 404 || e->http_status == 405 ||
      (!e->code.empty() && e->code == std::to_string(e->http_status))) {
    return "the endpoint did not answer as AWS " + where(*e) + " does (" + e->code + ": " + e->message +
           "): check --endpoint-url, AWS_ENDPOINT_URL and --region";
  }
  return {};
}

}  // namespace pingwatch::runtime
