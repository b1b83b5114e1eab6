#pragma once
// From CLI/config options to a ready ClientConfig per service: region, endpoint (endpoints.h),
// credentials (default chain), and ONE shared curl client and retry quota per process, as the SDKs share them.
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "aws/cloudwatch_client.h"
#include "aws/dynamodb_client.h"
#include "aws/ec2_client.h"
#include "aws/endpoints.h"
#include "aws/service_client.h"
#include "aws/sns_client.h"
#include "aws/ssm_client.h"
#include "aws/sts_client.h"

namespace pingwatch::aws {

struct AwsOptions {
  std::string region;         // empty: AWS_REGION, AWS_DEFAULT_REGION, profile region
  std::string profile;        // empty: AWS_PROFILE, else default
  std::string endpoint_url;   // empty: AWS_ENDPOINT_URL[_<SERVICE>], profile, then the partition's endpoint
};

// No region could be resolved, or an option is invalid. The message says what to set.
struct ConfigurationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The process-wide transport and retry quota (created on first use).
std::shared_ptr<HttpClient> shared_http_client();
std::shared_ptr<RetryQuota> shared_retry_quota();

class ClientFactory {
 public:
  explicit ClientFactory(AwsOptions options, GetEnv getenv = process_env());

  // Throws ConfigurationError when no region is configured (and no endpoint URL makes one unnecessary:
  // with --endpoint-url and no region, us-east-1 is used for signing, as the CLI does for local endpoints).
  ClientConfig config_for(const ServiceInfo& service);

  const std::string& region();                       // resolved (throws ConfigurationError if none)
  std::shared_ptr<CredentialsProvider> credentials();   // lazily built default chain, shared by all clients

  SsmClient ssm();
  CloudWatchClient cloudwatch(CloudWatchWire wire = CloudWatchWire::Json10);
  SnsClient sns();
  StsClient sts();
  DynamoDbClient dynamodb();
  Ec2Client ec2();

  const AwsOptions& options() const { return options_; }

 private:
  AwsOptions options_;
  GetEnv getenv_;
  std::mutex mutex_;
  std::string region_;
  std::shared_ptr<CredentialsProvider> credentials_;
};

}  // namespace pingwatch::aws
