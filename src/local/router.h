#pragma once
// The stack's front door: finds the service and protocol of a request the way AWS endpoints do (SigV4
// credential-scope service, then X-Amz-Target, Action/Version, or a REST path), verifies the signature,
// parses the body, calls the service and renders any error in that protocol. Never throws.
#include <functional>
#include <map>
#include <string>

#include "local/auth.h"
#include "local/service.h"
#include "local/stats.h"

namespace pingwatch::local {

class ChaosEngine;

struct RawRequest {
  std::string method;
  std::string target;                              // raw: /path?query, percent-encoded as received
  std::string path;                                // decoded path, without query
  std::multimap<std::string, std::string> query;   // decoded
  aws::Headers headers;
  std::string body;
};

struct RouterLimits {
  std::size_t max_body_bytes = 10 * 1024 * 1024;          // AWS-like 413 above this
  std::size_t max_lambda_body_bytes = 69905067;           // Lambda's CreateFunction/UpdateFunctionCode limit
};

class Router {
 public:
  Router(StackContext& context, const CredentialStore& keys, Stats& stats, RouterLimits limits = {});
  // A service by signing name; nullptr registers the name as known but not built (answered with 501).
  void add_service(const std::string& signing_name, Service* service);
  Response route(const RawRequest& raw);
  // Fault injection (local/chaos.h) for signed requests; nullptr = none. Set before serving.
  void set_chaos(ChaosEngine* chaos) { chaos_ = chaos; }
  // Which instance of a known service answers a verified request (the stack's per-account instances); unset = the
  // one add_service registered. Set before serving.
  void set_resolver(std::function<Service*(const Request&)> resolver) { resolver_ = std::move(resolver); }

  // Request classification, exposed for tests.
  struct Shape {
    std::string service_hint;   // implied by X-Amz-Target / Version / path ("" = none)
    std::string operation;
    WireProtocol protocol = WireProtocol::Json11;
    bool protocol_known = false;
    bool unsigned_local = false;   // not signed: Lambda runtime API (processes the stack started), SNS SubscribeURL
  };
  static Shape classify(const RawRequest& raw, const std::map<std::string, std::string>& form);

 private:
  Response finish(Request& request, Response response);
  // Verifies the signature and sets the caller (key, account, region, service); throws the protocol's ServiceError.
  void authenticate(Request& request, const SignedRequest& signed_request) const;
  // The body (already inflated) parsed as the request's protocol: request.json or request.params.
  static void parse_body(Request& request, const RawRequest& raw, const std::string& body,
                         std::map<std::string, std::string> form);

  StackContext& context_;
  const CredentialStore& keys_;
  Stats& stats_;
  RouterLimits limits_;
  std::map<std::string, Service*> services_;
  ChaosEngine* chaos_ = nullptr;
  std::function<Service*(const Request&)> resolver_;
};

// application/x-www-form-urlencoded ('+' is a space).
std::map<std::string, std::string> parse_form(std::string_view body);

// A service request for what the client sent: its method, path, query and headers, in `account_id` and `region`
// until a signature says whose it is. The body, the service and the operation are the caller's to set.
Request request_for(const RawRequest& raw, const std::string& account_id, const std::string& region);

}  // namespace pingwatch::local
