#pragma once
// `pingwatch deploy`: upload the Lambda zip to S3 and create or update the CloudFormation stack, with the
// AWS CLI (it already does credentials, MFA, SSO and change sets well; pingwatch only plans the calls).
#include <optional>
#include <string>
#include <vector>

namespace pingwatch::runtime {

struct DeployOptions {
  std::string stack;                     // CloudFormation stack name
  std::string email;                     // NotificationEmail
  std::string region;                    // empty: the AWS CLI's own resolution (AWS_REGION, profile)
  std::string profile;                   // empty: the AWS CLI's default
  std::string bucket;                    // empty: pingwatch-artifacts-<account>-<region>, created if missing
  std::string zip = "dist/pingwatch-lambda-x86_64.zip";
  std::string template_file = "deploy/template.yaml";
  std::string architecture;              // empty: from the zip's name (…-arm64.zip / …-x86_64.zip)
  std::string mode = "watch";            // the template's Mode: watch | alarms | both (docs/deploy.md)
  std::vector<std::string> parameters;   // extra Name=Value overrides (TopicName=..., NameSuffix=...)
  std::string aws_cli = "aws";
};

// Throws std::invalid_argument naming the option, the value and what is allowed.
void validate_deploy_options(const DeployOptions& options);

std::string architecture_of(const DeployOptions& options);   // arm64 | x86_64
std::string default_bucket(const std::string& account, const std::string& region);
// pingwatch/<first 16 hex digits of the zip's SHA-256>/<zip file name>: a new key per build, so an update
// of the stack replaces the functions' code (CloudFormation redeploys only when S3Key changes).
std::string code_key(const std::string& zip_sha256_hex, const std::string& zip_path);
std::string sha256_file_hex(const std::string& path);   // throws std::runtime_error if unreadable

// argv of each AWS CLI call (no shell: nothing is interpolated).
std::vector<std::string> aws_base(const DeployOptions& options);   // aws [--region R] [--profile P]
std::vector<std::string> upload_command(const DeployOptions& options, const std::string& bucket, const std::string& key);
std::vector<std::string> stack_deploy_command(const DeployOptions& options, const std::string& bucket,
                                              const std::string& key);

}  // namespace pingwatch::runtime
