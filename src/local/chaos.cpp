#include "local/chaos.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "aws/http_date.h"

namespace pingwatch::local {

namespace {

double rate_field(const nlohmann::json& rule, const char* name) {
  if (!rule.contains(name)) return 0;
  const auto& v = rule[name];
  if (!v.is_number()) throw std::invalid_argument(std::string("chaos rule: '") + name + "' must be a number 0..1");
  const double d = v.get<double>();
  if (!(d >= 0 && d <= 1)) throw std::invalid_argument(std::string("chaos rule: '") + name + "' must be within 0..1");
  return d;
}

double number_field(const nlohmann::json& rule, const char* name, bool allow_negative) {
  if (!rule.contains(name)) return 0;
  const auto& v = rule[name];
  if (!v.is_number()) throw std::invalid_argument(std::string("chaos rule: '") + name + "' must be a number");
  const double d = v.get<double>();
  if (!allow_negative && !(d >= 0)) throw std::invalid_argument(std::string("chaos rule: '") + name + "' must be >= 0");
  if (!(d > -1e9 && d < 1e9)) throw std::invalid_argument(std::string("chaos rule: '") + name + "' is out of range");
  return d;
}

std::string string_field(const nlohmann::json& rule, const char* name) {
  if (!rule.contains(name)) return "*";
  if (!rule[name].is_string() || rule[name].get<std::string>().empty()) {
    throw std::invalid_argument(std::string("chaos rule: '") + name + "' must be a non-empty string (or \"*\")");
  }
  return rule[name].get<std::string>();
}

ChaosQuota parse_quota(const nlohmann::json& q) {
  if (!q.is_object()) throw std::invalid_argument("chaos quota: each quota must be an object {service, operation, tps}");
  ChaosQuota quota;
  quota.service = string_field(q, "service");
  quota.operation = string_field(q, "operation");
  quota.tps = number_field(q, "tps", false);
  quota.burst = number_field(q, "burst", false);
  if (quota.tps <= 0) throw std::invalid_argument("chaos quota: 'tps' must be > 0");
  return quota;
}

nlohmann::json rule_json(const ChaosRule& r) {
  return {{"service", r.service},           {"operation", r.operation},   {"throttle_rate", r.throttle_rate},
          {"error_rate", r.error_rate},     {"latency_ms", r.latency_ms}, {"jitter_ms", r.jitter_ms},
          {"drop_rate", r.drop_rate},       {"truncate_rate", r.truncate_rate},
          {"malformed_rate", r.malformed_rate}, {"skew_seconds", r.skew_seconds}};
}

// How well a rule's (service, operation) matches; -1 = not at all.
int specificity(const ChaosRule& rule, const std::string& service, const std::string& operation) {
  const bool any_service = rule.service == "*";
  const bool any_operation = rule.operation == "*";
  if (!any_service && rule.service != service) return -1;
  if (!any_operation && rule.operation != operation) return -1;
  return (any_service ? 0 : 2) + (any_operation ? 0 : 1);
}

}  // namespace

ChaosRule parse_chaos_rule(const nlohmann::json& rule) {
  if (!rule.is_object()) throw std::invalid_argument("chaos rule: each rule must be a JSON object");
  static const char* known[] = {"service",   "operation",     "throttle_rate",  "error_rate",   "latency_ms",
                                "jitter_ms", "drop_rate",     "truncate_rate",  "malformed_rate", "skew_seconds"};
  for (const auto& [key, value] : rule.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) throw std::invalid_argument("chaos rule: unknown field '" + key + "'");
  }
  ChaosRule r;
  r.service = string_field(rule, "service");
  r.operation = string_field(rule, "operation");
  r.throttle_rate = rate_field(rule, "throttle_rate");
  r.error_rate = rate_field(rule, "error_rate");
  r.drop_rate = rate_field(rule, "drop_rate");
  r.truncate_rate = rate_field(rule, "truncate_rate");
  r.malformed_rate = rate_field(rule, "malformed_rate");
  r.latency_ms = number_field(rule, "latency_ms", false);
  r.jitter_ms = number_field(rule, "jitter_ms", false);
  r.skew_seconds = number_field(rule, "skew_seconds", true);
  if (r.latency_ms > 600000 || r.jitter_ms > 600000) throw std::invalid_argument("chaos rule: latency/jitter above 600000 ms");
  return r;
}

std::vector<ChaosQuota> default_aws_quotas() {
  // CloudWatch's documented per-account, per-region TPS quotas for the operations pingwatch calls.
  return {
      {"monitoring", "PutMetricAlarm", 3, 0},   {"monitoring", "DescribeAlarms", 9, 0},
      {"monitoring", "DeleteAlarms", 3, 0},     {"monitoring", "PutMetricData", 500, 0},
      {"monitoring", "GetMetricData", 50, 0},   {"monitoring", "ListMetrics", 25, 0},
      {"monitoring", "GetMetricStatistics", 400, 0},
  };
}

ChaosEngine::ChaosEngine(const ChaosOptions& options) : options_(options), seed_(options.seed), rng_(options.seed) {
  aws_quotas_ = options_.aws_quotas;
  if (options_.latency_ms > 0 || options_.jitter_ms > 0) {
    ChaosRule base;
    base.latency_ms = options_.latency_ms;
    base.jitter_ms = options_.jitter_ms;
    base_rules_.push_back(base);
  }
  rebuild_quotas();
  if (!options_.rules_file.empty()) {
    std::ifstream in(options_.rules_file);
    if (!in) throw std::runtime_error("--chaos: cannot read '" + options_.rules_file + "'");
    std::stringstream text;
    text << in.rdbuf();
    const auto config = nlohmann::json::parse(text.str(), nullptr, false);
    if (config.is_discarded()) throw std::runtime_error("--chaos: '" + options_.rules_file + "' is not valid JSON");
    try {
      configure(config);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error("--chaos " + options_.rules_file + ": " + e.what());
    }
  }
}

void ChaosEngine::configure(const nlohmann::json& config) {
  std::vector<ChaosRule> rules;
  std::vector<ChaosQuota> quotas;
  std::optional<bool> aws_quotas;
  std::optional<std::uint64_t> seed;
  const nlohmann::json* rule_list = nullptr;
  if (config.is_array()) {
    rule_list = &config;
  } else if (config.is_object() && (config.contains("rules") || config.contains("quotas") ||
                                    config.contains("aws_quotas") || config.contains("seed"))) {
    for (const auto& [key, value] : config.items()) {
      if (key != "rules" && key != "quotas" && key != "aws_quotas" && key != "seed") {
        throw std::invalid_argument("chaos: unknown top-level field '" + key + "' (use rules, quotas, aws_quotas, seed)");
      }
    }
    if (config.contains("rules")) {
      if (!config["rules"].is_array()) throw std::invalid_argument("chaos: 'rules' must be an array of rules");
      rule_list = &config["rules"];
    }
    if (config.contains("quotas")) {
      if (!config["quotas"].is_array()) throw std::invalid_argument("chaos: 'quotas' must be an array");
      for (const auto& q : config["quotas"]) quotas.push_back(parse_quota(q));
    }
    if (config.contains("aws_quotas")) {
      if (!config["aws_quotas"].is_boolean()) throw std::invalid_argument("chaos: 'aws_quotas' must be true or false");
      aws_quotas = config["aws_quotas"].get<bool>();
    }
    if (config.contains("seed")) {
      if (!config["seed"].is_number_unsigned()) throw std::invalid_argument("chaos: 'seed' must be a non-negative integer");
      seed = config["seed"].get<std::uint64_t>();
    }
  } else if (config.is_object()) {
    rules.push_back(parse_chaos_rule(config));
  } else {
    throw std::invalid_argument("chaos: expected {\"rules\": [...]}, a list of rules or one rule object");
  }
  if (rule_list) {
    for (const auto& r : *rule_list) rules.push_back(parse_chaos_rule(r));
  }
  std::lock_guard lock(mutex_);
  rules_ = std::move(rules);
  posted_quotas_ = std::move(quotas);
  if (aws_quotas) aws_quotas_ = *aws_quotas;
  if (seed) {
    seed_ = *seed;
    rng_.seed(seed_);
  }
  rebuild_quotas();
}

void ChaosEngine::clear() {
  std::lock_guard lock(mutex_);
  base_rules_.clear();
  rules_.clear();
  posted_quotas_.clear();
  aws_quotas_ = false;
  rebuild_quotas();
}

void ChaosEngine::rebuild_quotas() {
  std::map<std::string, ChaosQuota> merged;
  if (aws_quotas_) {
    for (const auto& q : default_aws_quotas()) merged[q.service + "." + q.operation] = q;
  }
  for (const auto& q : posted_quotas_) merged[q.service + "." + q.operation] = q;
  quotas_.clear();
  std::map<std::string, Bucket> buckets;
  for (const auto& [key, q] : merged) {
    quotas_.push_back(q);
    Bucket b;
    b.tps = q.tps;
    b.burst = q.burst > 0 ? q.burst : q.tps;
    auto old = buckets_.find(key);
    b.tokens = old != buckets_.end() ? std::min(old->second.tokens, b.burst) : b.burst;
    b.last = old != buckets_.end() ? old->second.last : std::chrono::steady_clock::now();
    buckets.emplace(key, b);
  }
  buckets_ = std::move(buckets);
}

nlohmann::json ChaosEngine::counters() const {
  std::lock_guard lock(mutex_);
  nlohmann::json out = {{"throttled", 0}, {"quota_throttled", 0}, {"errors", 0}, {"dropped", 0},
                        {"truncated", 0}, {"malformed", 0},        {"delayed", 0}, {"skewed", 0},
                        {"delay_ms_total", 0}};
  for (const auto& [k, v] : counters_) out[k] = v;
  return out;
}

nlohmann::json ChaosEngine::to_json() const {
  nlohmann::json rules = nlohmann::json::array();
  nlohmann::json quotas = nlohmann::json::array();
  bool aws_quotas = false;
  std::uint64_t seed = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto& r : base_rules_) rules.push_back(rule_json(r));
    for (const auto& r : rules_) rules.push_back(rule_json(r));
    for (const auto& q : quotas_) {
      quotas.push_back({{"service", q.service}, {"operation", q.operation}, {"tps", q.tps},
                        {"burst", q.burst > 0 ? q.burst : q.tps}});
    }
    aws_quotas = aws_quotas_;
    seed = seed_;
  }
  return {{"seed", seed}, {"aws_quotas", aws_quotas}, {"rules", rules}, {"quotas", quotas}, {"counters", counters()}};
}

std::optional<ChaosRule> ChaosEngine::rule_for(const std::string& service, const std::string& operation) const {
  const ChaosRule* best = nullptr;
  int best_score = -1;
  // Later rules win ties, so a posted rule overrides the --latency base rule of the same reach.
  for (const auto* list : {&base_rules_, &rules_}) {
    for (const auto& rule : *list) {
      const int score = specificity(rule, service, operation);
      if (score >= 0 && score >= best_score) {
        best = &rule;
        best_score = score;
      }
    }
  }
  if (!best) return std::nullopt;
  return *best;
}

bool ChaosEngine::roll(double rate) {
  if (rate <= 0) return false;
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < rate;
}

bool ChaosEngine::take_token(const std::string& service, const std::string& operation) {
  auto it = buckets_.find(service + "." + operation);
  if (it == buckets_.end()) it = buckets_.find(service + ".*");
  if (it == buckets_.end()) return true;
  Bucket& b = it->second;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.last = now;
  b.tokens = std::min(b.burst, b.tokens + elapsed * b.tps);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

ServiceError ChaosEngine::throttling_error(const Request& request) {
  switch (request.protocol) {
    case WireProtocol::Query:
      if (request.service == "ec2") return ServiceError(503, "RequestLimitExceeded", "Request limit exceeded.");
      // SNS's ThrottledException: code Throttled, HTTP 429 (botocore's sns model), not the query default 400.
      if (request.service == "sns") return ServiceError(429, "Throttled", "Rate exceeded");
      return ServiceError(400, "Throttling", "Rate exceeded");
    case WireProtocol::RestJson:
      return ServiceError(429, "TooManyRequestsException", "Rate exceeded");
    case WireProtocol::Json10:
    case WireProtocol::Json11:
      // CloudWatch's JSON protocol keeps the query error code (awsQueryCompatible).
      if (request.service == "monitoring") return ServiceError(400, "Throttling", "Rate exceeded");
      return ServiceError(400, "ThrottlingException", "Rate exceeded");
  }
  return ServiceError(400, "ThrottlingException", "Rate exceeded");
}

ServiceError ChaosEngine::server_error(const Request& request, bool unavailable) {
  if (request.protocol == WireProtocol::Query && request.service == "ec2") {
    return unavailable ? ServiceError(503, "Unavailable", "The server is overloaded and can't handle the request.", false)
                       : ServiceError(500, "InternalError", "An internal error has occurred.", false);
  }
  if (request.protocol == WireProtocol::RestJson) {
    return unavailable ? ServiceError(503, "ServiceUnavailableException", "Service Unavailable", false)
                       : ServiceError(500, "ServiceException", "An internal error occurred.", false);
  }
  return unavailable ? ServiceError(503, "ServiceUnavailable", "Service Unavailable", false)
                     : ServiceError(500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", false);
}

std::optional<ServiceError> ChaosEngine::before(const Request& request) {
  double delay_ms = 0;
  std::optional<ServiceError> fault;
  {
    std::lock_guard lock(mutex_);
    const auto rule = rule_for(request.service, request.operation);
    if (rule) {
      delay_ms = rule->latency_ms;
      if (rule->jitter_ms > 0) delay_ms += std::uniform_real_distribution<double>(0.0, rule->jitter_ms)(rng_);
      if (roll(rule->throttle_rate)) {
        fault = throttling_error(request);
        ++counters_["throttled"];
      } else if (roll(rule->error_rate)) {
        fault = server_error(request, roll(0.5));
        ++counters_["errors"];
      }
    }
    if (!fault && !take_token(request.service, request.operation)) {
      fault = throttling_error(request);
      ++counters_["quota_throttled"];
    }
    if (delay_ms > 0) {
      ++counters_["delayed"];
      counters_["delay_ms_total"] += static_cast<std::uint64_t>(delay_ms);
    }
  }
  if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(delay_ms));
  return fault;
}

void ChaosEngine::after(const Request& request, Response& response) {
  std::lock_guard lock(mutex_);
  const auto rule = rule_for(request.service, request.operation);
  if (!rule) return;
  if (rule->skew_seconds != 0) {
    if (const std::string* date = aws::find_header(response.headers, "Date")) {
      if (const auto parsed = aws::parse_http_date(*date)) {
        const auto shifted = *parsed + std::chrono::seconds(static_cast<long long>(rule->skew_seconds));
        aws::set_header(response.headers, "Date", aws::format_http_date(shifted));
        ++counters_["skewed"];
      }
    }
  }
  if (roll(rule->drop_rate)) {
    aws::set_header(response.headers, kChaosConnectionHeader, "drop");
    ++counters_["dropped"];
  } else if (roll(rule->truncate_rate)) {
    aws::set_header(response.headers, kChaosConnectionHeader, "truncate");
    ++counters_["truncated"];
  } else if (roll(rule->malformed_rate) && !response.body.empty()) {
    // Keep the first half, then bytes no JSON or XML parser accepts, so decoders see a broken document.
    response.body.resize(response.body.size() / 2);
    response.body += "\x01<{\"\xff";
    ++counters_["malformed"];
  }
}

}  // namespace pingwatch::local
