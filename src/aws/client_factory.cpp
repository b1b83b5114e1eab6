#include "aws/client_factory.h"

#include "aws/shared_config.h"


namespace pingwatch::aws {

std::shared_ptr<HttpClient> shared_http_client() {
  static std::shared_ptr<HttpClient> client = make_curl_http_client();
  return client;
}

std::shared_ptr<RetryQuota> shared_retry_quota() {
  static std::shared_ptr<RetryQuota> quota = std::make_shared<RetryQuota>();
  return quota;
}

ClientFactory::ClientFactory(AwsOptions options, GetEnv getenv) : options_(std::move(options)), getenv_(std::move(getenv)) {
  if (!getenv_) getenv_ = process_env();
  // As botocore does when a session starts: a chosen profile that does not exist stops everything, even when
  // environment keys would have been used, rather than silently running with other credentials and settings.
  shared_config::Files files;
  try {
    files = shared_config::load(getenv_);
  } catch (const std::runtime_error& e) {
    throw ConfigurationError(e.what());   // an existing config or credentials file that cannot be read
  }
  if (auto missing = shared_config::profile_not_found(options_.profile, getenv_, files)) throw ConfigurationError(*missing);
}

const std::string& ClientFactory::region() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (region_.empty()) {
    region_ = !options_.region.empty() ? options_.region : resolve_region(options_.profile, getenv_);
  }
  if (region_.empty()) {
    throw ConfigurationError(
        "no AWS region configured: pass --region, set AWS_REGION (or AWS_DEFAULT_REGION), or add region to your "
        "profile in ~/.aws/config");
  }
  return region_;
}

std::shared_ptr<CredentialsProvider> ClientFactory::credentials() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!credentials_) {
    ChainOptions chain;
    chain.profile = options_.profile;
    chain.getenv = getenv_;
    chain.http = shared_http_client();
    chain.region = !region_.empty() ? region_ : options_.region;
    credentials_ = make_default_credentials_chain(std::move(chain));
  }
  return credentials_;
}

ClientConfig ClientFactory::config_for(const ServiceInfo& service) {
  ClientConfig config;
  std::string signing_region;
  try {
    signing_region = region();
  } catch (const ConfigurationError&) {
    // A custom endpoint (the local stack, --endpoint-url) needs no region to be reachable; sign for us-east-1
    // as the AWS CLI does then. Without a custom endpoint there is no URL to call: report the missing region.
    EndpointInputs probe{"us-east-1", std::nullopt, options_.profile, getenv_};
    if (!options_.endpoint_url.empty()) probe.endpoint_url = options_.endpoint_url;
    const std::string endpoint = resolve_endpoint(service, probe);
    if (endpoint == "https://" + service.endpoint_prefix + ".us-east-1.amazonaws.com") throw;
    std::lock_guard<std::mutex> lock(mutex_);
    region_ = "us-east-1";
    signing_region = region_;
  }
  EndpointInputs inputs{signing_region, std::nullopt, options_.profile, getenv_};
  if (!options_.endpoint_url.empty()) inputs.endpoint_url = options_.endpoint_url;
  config.region = aws::signing_region(service, inputs);
  config.endpoint = resolve_endpoint(service, inputs);
  config.credentials = credentials();
  config.http = shared_http_client();
  config.retry_quota = shared_retry_quota();
  try {
    config.retry = retry_config_from_env(getenv_);
  } catch (const std::runtime_error& e) {
    throw ConfigurationError(e.what());
  }
  return config;
}

SsmClient ClientFactory::ssm() { return SsmClient(config_for(SsmClient::service_info())); }
CloudWatchClient ClientFactory::cloudwatch(CloudWatchWire wire) {
  return CloudWatchClient(config_for(CloudWatchClient::service_info()), wire);
}
SnsClient ClientFactory::sns() { return SnsClient(config_for(SnsClient::service_info())); }
StsClient ClientFactory::sts() { return StsClient(config_for(StsClient::service_info())); }
DynamoDbClient ClientFactory::dynamodb() { return DynamoDbClient(config_for(DynamoDbClient::service_info())); }
Ec2Client ClientFactory::ec2() { return Ec2Client(config_for(Ec2Client::service_info())); }

}  // namespace pingwatch::aws
