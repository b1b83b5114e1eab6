#pragma once
// Region and endpoint resolution as the SDKs do it.
#include <functional>
#include <optional>
#include <string>

namespace pingwatch::aws {

using GetEnv = std::function<std::optional<std::string>(const std::string&)>;
GetEnv process_env();

// Identity of a service on the wire.
struct ServiceInfo {
  std::string signing_name;     // ssm, monitoring, sns, events, sts, dynamodb, lambda, ec2
  std::string endpoint_prefix;  // usually == signing_name
  std::string env_suffix;       // AWS_ENDPOINT_URL_<env_suffix>: SSM, CLOUDWATCH, SNS, EVENTBRIDGE, STS, DYNAMODB
  std::string config_key;       // services section key in the config file: ssm, cloudwatch, sns, eventbridge ...
  // One endpoint per partition, whatever the region (Organizations: organizations.us-east-1.amazonaws.com,
  // signed for us-east-1, in the aws partition; botocore's endpoint-rule-set-1.json).
  bool partition_global = false;
};

struct EndpointInputs {
  std::string region;
  std::optional<std::string> endpoint_url;   // --endpoint-url (wins over everything)
  std::string profile;                       // for endpoint_url in the shared config file
  GetEnv getenv = process_env();
};

// Partition-aware: aws (amazonaws.com), aws-cn (amazonaws.com.cn), aws-us-gov.
// Order: --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, profile endpoint_url,
// then https://<prefix>.<region>.<dnsSuffix>. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips env/profile.
std::string resolve_endpoint(const ServiceInfo& service, const EndpointInputs& inputs);

// AWS_REGION, AWS_DEFAULT_REGION, profile `region`. Empty when none is set.
std::string resolve_region(const std::string& profile, const GetEnv& getenv = process_env());

std::string partition_of(const std::string& region);           // aws | aws-cn | aws-us-gov
// The region a partition-global service lives in: us-east-1 (aws), cn-northwest-1 (aws-cn), us-gov-west-1.
std::string partition_global_region(const std::string& partition);
// The region to sign for: a partition-global service's own region when its default endpoint is used; with a
// configured endpoint (the local stack, moto) the client's region, as botocore's rule sets do.
std::string signing_region(const ServiceInfo& service, const EndpointInputs& inputs);
std::string region_long_name(const std::string& region);       // us-east-1 -> "US East (N. Virginia)"

}  // namespace pingwatch::aws
