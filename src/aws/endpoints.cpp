// Region and endpoint resolution in the order the AWS SDKs document ("Service-specific endpoints"):
// --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services section,
// the profile's endpoint_url, then the partition's default https://<prefix>.<region>.<dnsSuffix>.
#include "aws/endpoints.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "aws/shared_config.h"

namespace pingwatch::aws {

namespace {

std::optional<std::string> non_empty(const GetEnv& getenv, const std::string& name) {
  if (!getenv) return std::nullopt;
  auto v = getenv(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

bool is_true(const std::string& value) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "true";
}

std::string dns_suffix(const std::string& partition) {
  return partition == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
}

void check_region(const std::string& region) {
  if (region.empty()) {
    throw std::runtime_error("no AWS region configured: set AWS_REGION, pass --region, or set region in the profile");
  }
  bool ok = std::all_of(region.begin(), region.end(),
                        [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '-'; });
  if (!ok) throw std::runtime_error("AWS region '" + region + "' is not a region name (e.g. us-east-1)");
}

}  // namespace

GetEnv process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::string partition_of(const std::string& region) {
  if (region.rfind("cn-", 0) == 0) return "aws-cn";
  if (region.rfind("us-gov-", 0) == 0) return "aws-us-gov";
  return "aws";
}

std::string partition_global_region(const std::string& partition) {
  if (partition == "aws-cn") return "cn-northwest-1";
  if (partition == "aws-us-gov") return "us-gov-west-1";
  return "us-east-1";
}

std::string signing_region(const ServiceInfo& service, const EndpointInputs& inputs) {
  if (!service.partition_global || inputs.region.empty()) return inputs.region;
  const std::string partition = partition_of(inputs.region);
  const std::string global = partition_global_region(partition);
  const std::string prefix = service.endpoint_prefix.empty() ? service.signing_name : service.endpoint_prefix;
  const std::string standard = "https://" + prefix + "." + global + "." + dns_suffix(partition);
  return resolve_endpoint(service, inputs) == standard ? global : inputs.region;
}

std::string resolve_region(const std::string& profile, const GetEnv& getenv) {
  if (auto r = non_empty(getenv, "AWS_REGION")) return *r;
  if (auto r = non_empty(getenv, "AWS_DEFAULT_REGION")) return *r;
  auto files = shared_config::load(getenv);
  if (auto section = files.profile(shared_config::profile_name(profile, getenv))) {
    if (const auto* region = section->get("region"); region && !region->empty()) return *region;
  }
  return {};
}

std::string resolve_endpoint(const ServiceInfo& service, const EndpointInputs& inputs) {
  if (inputs.endpoint_url && !inputs.endpoint_url->empty()) return *inputs.endpoint_url;

  const GetEnv& getenv = inputs.getenv;
  bool ignore_configured = false;
  if (auto v = non_empty(getenv, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ignore_configured = is_true(*v);

  std::optional<shared_config::Section> profile;
  shared_config::Files files;
  if (!ignore_configured) {
    files = shared_config::load(getenv);
    profile = files.profile(shared_config::profile_name(inputs.profile, getenv));
    if (profile && !non_empty(getenv, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
      if (const auto* v = profile->get("ignore_configured_endpoint_urls")) ignore_configured = is_true(*v);
    }
  }

  if (!ignore_configured) {
    if (!service.env_suffix.empty()) {
      if (auto url = non_empty(getenv, "AWS_ENDPOINT_URL_" + service.env_suffix)) return *url;
    }
    if (auto url = non_empty(getenv, "AWS_ENDPOINT_URL")) return *url;
    if (profile) {
      if (const auto* services_name = profile->get("services"); services_name && !service.config_key.empty()) {
        auto section = files.services.find(*services_name);
        if (section != files.services.end()) {
          auto nested = section->second.nested.find(service.config_key);
          if (nested != section->second.nested.end()) {
            auto url = nested->second.find("endpoint_url");
            if (url != nested->second.end() && !url->second.empty()) return url->second;
          }
        }
      }
      if (const auto* url = profile->get("endpoint_url"); url && !url->empty()) return *url;
    }
  }

  check_region(inputs.region);
  const std::string prefix = service.endpoint_prefix.empty() ? service.signing_name : service.endpoint_prefix;
  const std::string partition = partition_of(inputs.region);
  const std::string region = service.partition_global ? partition_global_region(partition) : inputs.region;
  return "https://" + prefix + "." + region + "." + dns_suffix(partition);
}

}  // namespace pingwatch::aws
