#pragma once
// Request counts per service and operation, for GET /_local/stats (tests and benchmarks).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace pingwatch::local {

class Stats {
 public:
  // `account`: whose instance answered ("" = not counted per account).
  void record(const std::string& service, const std::string& operation, int status, const std::string& account = "");
  // {"total":N,"errors":N,"services":{"ssm":{"total":N,"operations":{"Op":{"count":N,"errors":N}}}},
  //  "accounts":{"123456789012":{"total":N,"errors":N,"services":{"ssm":N}}}}
  nlohmann::json to_json() const;
  std::uint64_t count(const std::string& service, const std::string& operation) const;
 private:
  struct Counter { std::uint64_t count = 0; std::uint64_t errors = 0; };
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, Counter>> counts_;
  struct AccountCounter { Counter calls; std::map<std::string, std::uint64_t> services; };
  std::map<std::string, AccountCounter> accounts_;
  std::uint64_t total_ = 0;
  std::uint64_t errors_ = 0;
};

}  // namespace pingwatch::local
