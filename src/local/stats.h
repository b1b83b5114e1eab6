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
  void record(const std::string& service, const std::string& operation, int status);
  nlohmann::json to_json() const;   // {"total":N,"errors":N,"services":{"ssm":{"total":N,"operations":{"Op":{"count":N,"errors":N}}}}}
  std::uint64_t count(const std::string& service, const std::string& operation) const;
 private:
  struct Counter { std::uint64_t count = 0; std::uint64_t errors = 0; };
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, Counter>> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t errors_ = 0;
};

}  // namespace pingwatch::local
