#pragma once
// Fault injection for the local stack: per service and operation, set at start (--latency, --jitter,
// --chaos FILE, --aws-quotas) or at run time (POST/GET/DELETE /_local/chaos). The router asks before()
// whether to answer a request with an injected fault instead of calling the service, and after() whether to
// spoil the reply (truncate, corrupt, shift the Date header). Decisions come from one seeded RNG so a run
// with the same seed and the same request order injects the same faults.
//
// Rules JSON (POST /_local/chaos and --chaos FILE): {"seed": 7, "rules": [RULE...], "quotas": [QUOTA...],
// "aws_quotas": true}, or a bare [RULE...], or one RULE. RULE = {"service": "monitoring" | "*",
// "operation": "PutMetricData" | "*", "throttle_rate": 0..1, "error_rate": 0..1, "latency_ms": N,
// "jitter_ms": N, "drop_rate": 0..1, "truncate_rate": 0..1, "malformed_rate": 0..1, "skew_seconds": N}.
// QUOTA = {"service": "monitoring", "operation": "PutMetricAlarm", "tps": 3, "burst": 3}.
// The most specific rule applies (service+operation, then service+*, *+operation, *+*).
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "local/service.h"

namespace pingwatch::local {

struct ChaosRule {
  std::string service = "*";
  std::string operation = "*";
  double throttle_rate = 0;
  double error_rate = 0;
  double latency_ms = 0;
  double jitter_ms = 0;
  double drop_rate = 0;
  double truncate_rate = 0;
  double malformed_rate = 0;
  double skew_seconds = 0;
};

struct ChaosQuota {
  std::string service;
  std::string operation;
  double tps = 0;
  double burst = 0;   // 0 = same as tps
};

struct ChaosOptions {
  double latency_ms = 0;      // --latency: every signed request
  double jitter_ms = 0;       // --jitter: plus uniform 0..jitter
  std::string rules_file;     // --chaos FILE
  bool aws_quotas = false;    // --aws-quotas
  std::uint64_t seed = 1;
};

// The reply header through which the router tells the HTTP listener to cut the connection; the listener
// removes it. Values: "drop" (status line and headers, then close) and "truncate" (half the body, then close).
inline constexpr const char* kChaosConnectionHeader = "X-Pingwatch-Chaos-Connection";

// AWS's per-operation quotas the stack enforces with --aws-quotas (CloudWatch's documented TPS limits).
std::vector<ChaosQuota> default_aws_quotas();

class ChaosEngine {
 public:
  explicit ChaosEngine(const ChaosOptions& options);   // throws std::runtime_error on a bad --chaos file

  // Replaces the rules (POST /_local/chaos). Throws std::invalid_argument naming the bad field.
  void configure(const nlohmann::json& config);
  void clear();                                        // DELETE /_local/chaos: no rules, no quotas, no latency
  nlohmann::json to_json() const;                      // GET /_local/chaos: rules, quotas, seed and counters
  nlohmann::json counters() const;                     // {"throttled": N, "errors": N, "dropped": N, ...}

  // Before the service runs: sleeps the injected latency, then returns the error to answer with (throttling,
  // quota, 5xx) or nullopt to go on. request.service/operation/protocol must be known.
  std::optional<ServiceError> before(const Request& request);
  // After the service answered: may truncate, corrupt or mark the reply for a dropped connection, and shifts
  // the Date header by the rule's skew.
  void after(const Request& request, Response& response);

  // The error AWS sends for throttling / a 5xx in the request's protocol (exposed for tests).
  static ServiceError throttling_error(const Request& request);
  static ServiceError server_error(const Request& request, bool unavailable);

 private:
  struct Bucket {
    double tps = 0;
    double burst = 0;
    double tokens = 0;
    std::chrono::steady_clock::time_point last{};
  };
  std::optional<ChaosRule> rule_for(const std::string& service, const std::string& operation) const;
  bool roll(double rate);                 // caller holds mutex_
  bool take_token(const std::string& service, const std::string& operation);   // caller holds mutex_
  void rebuild_quotas();                                                        // caller holds mutex_ (or constructs)

  mutable std::mutex mutex_;
  ChaosOptions options_;
  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<ChaosRule> base_rules_;      // from --latency/--jitter
  std::vector<ChaosRule> rules_;           // from --chaos FILE or POST /_local/chaos
  bool aws_quotas_ = false;
  std::vector<ChaosQuota> posted_quotas_;
  std::vector<ChaosQuota> quotas_;         // in force: AWS defaults (if on) overridden by posted ones
  std::map<std::string, Bucket> buckets_;   // "service.operation"
  std::map<std::string, std::uint64_t> counters_;
};

// Parsing, exposed for tests and the fuzzer.
ChaosRule parse_chaos_rule(const nlohmann::json& rule);

}  // namespace pingwatch::local
