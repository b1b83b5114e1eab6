#pragma once
// A protocol-level client: builds, signs, sends and retries one operation, decodes the reply or throws AwsError.
// AwsError::outcome tells a refusal (certainly not done) from a call that may have taken effect (error.h).
// Typed clients (ssm_client.h, cloudwatch_client.h, ...) are thin layers over this.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/error.h"
#include "aws/http.h"
#include "aws/retry.h"

namespace pingwatch::aws {

enum class Protocol { Json10, Json11, Query };

struct ProtocolInfo {
  Protocol protocol;
  std::string target_prefix;   // X-Amz-Target prefix: AmazonSSM, GraniteServiceVersion20100801, AWSEvents
  std::string api_version;     // query Version: 2010-08-01 (CloudWatch), 2010-03-31 (SNS), 2011-06-15 (STS)
  std::string xml_namespace;   // for query replies (informational)
  bool query_mode_header = false;  // CloudWatch JSON 1.0 sends x-amzn-query-mode: true
};

struct ClientConfig {
  std::string region;
  std::string endpoint;                                   // resolved base URL, e.g. https://ssm.us-east-1.amazonaws.com
  std::shared_ptr<CredentialsProvider> credentials;
  std::shared_ptr<HttpClient> http;
  std::shared_ptr<RetryQuota> retry_quota = std::make_shared<RetryQuota>();
  RetryConfig retry;
  std::function<SystemTime()> clock = [] { return std::chrono::system_clock::now(); };
  std::function<void(std::chrono::milliseconds)> sleep;   // default std::this_thread::sleep_for
  std::string user_agent = "pingwatch/0.1";
};

// Query parameters in order, already flattened: {"MetricData.member.1.MetricName", "Status"}.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct CallStats {
  std::atomic<long> calls{0};      // operations started
  std::atomic<long> attempts{0};   // HTTP requests sent
  std::atomic<long> retries{0};
};

class ServiceClient {
 public:
  ServiceClient(ServiceInfo service, ProtocolInfo protocol, ClientConfig config);

  struct JsonReply {
    nlohmann::json body;
    SystemTime server_time;        // from the Date header (or local clock if absent)
    std::string request_id;
  };
  // JSON 1.0/1.1: POST / with X-Amz-Target: <prefix>.<operation>.
  JsonReply call_json(const std::string& operation, const nlohmann::json& input);

  struct QueryReply {
    std::shared_ptr<pugi::xml_document> document;
    pugi::xml_node result;         // <OperationResult> (may be empty for operations without output)
    SystemTime server_time;
    std::string request_id;
  };
  // awsQuery: form body Action=<op>&Version=<v>&..., XML reply.
  QueryReply call_query(const std::string& operation, const QueryParams& params);

  const ServiceInfo& service() const { return service_; }
  const ClientConfig& config() const { return config_; }
  const CallStats& stats() const { return stats_; }
  std::chrono::milliseconds clock_skew() const { return std::chrono::milliseconds(skew_ms_.load()); }

 private:
  // Throws AwsError (NoResponseError when the last attempt got no answer) with its Outcome over all attempts.
  HttpResponse send_with_retries(const std::string& operation, HttpRequest request);
  bool may_retry(Outcome outcome_so_far) const;
  // The delay before another attempt, or nothing when the attempt that just failed was the last one.
  std::optional<std::chrono::milliseconds> retry_delay(Outcome outcome_so_far, int attempt, const AwsError* error,
                                                       bool timeout);
  void learn_clock_skew(const AwsError& error, const HttpResponse& response);
  ServiceInfo service_;
  ProtocolInfo protocol_;
  ClientConfig config_;
  CallStats stats_;
  std::atomic<long long> skew_ms_{0};   // server minus local, learnt from skew errors
};

// What every service client (SsmClient, StsClient, ...) is built on: a ServiceClient of its own, made from the
// client's ServiceInfo and ProtocolInfo (its static service_info() and protocol_info()) and a configuration, or
// one the caller shares (tests, the organization's clients over one connection pool). A client inherits both
// constructors (`using ClientOf::ClientOf;`) and calls AWS through client_.
template <class Client>
class ClientOf {
 public:
  explicit ClientOf(ClientConfig config)
      : client_(std::make_shared<ServiceClient>(Client::service_info(), Client::protocol_info(), std::move(config))) {}
  explicit ClientOf(std::shared_ptr<ServiceClient> client) : client_(std::move(client)) {}

  ServiceClient& service_client() { return *client_; }

 protected:
  std::shared_ptr<ServiceClient> client_;
};

}  // namespace pingwatch::aws
