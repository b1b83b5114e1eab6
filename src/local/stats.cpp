#include "local/stats.h"

namespace pingwatch::local {

void Stats::record(const std::string& service, const std::string& operation, int status, const std::string& account) {
  std::lock_guard lock(mutex_);
  const std::string& name = service.empty() ? std::string("unknown") : service;
  auto& c = counts_[name][operation.empty() ? "unknown" : operation];
  ++c.count;
  ++total_;
  if (status >= 400) {
    ++c.errors;
    ++errors_;
  }
  if (account.empty()) return;
  auto& a = accounts_[account];
  ++a.calls.count;
  if (status >= 400) ++a.calls.errors;
  ++a.services[name];
}

nlohmann::json Stats::to_json() const {
  std::lock_guard lock(mutex_);
  nlohmann::json services = nlohmann::json::object();
  for (const auto& [service, ops] : counts_) {
    nlohmann::json operations = nlohmann::json::object();
    std::uint64_t total = 0;
    for (const auto& [op, c] : ops) {
      operations[op] = {{"count", c.count}, {"errors", c.errors}};
      total += c.count;
    }
    services[service] = {{"total", total}, {"operations", operations}};
  }
  nlohmann::json accounts = nlohmann::json::object();
  for (const auto& [account, a] : accounts_) {
    accounts[account] = {{"total", a.calls.count}, {"errors", a.calls.errors}, {"services", a.services}};
  }
  return {{"total", total_}, {"errors", errors_}, {"services", services}, {"accounts", accounts}};
}

std::uint64_t Stats::count(const std::string& service, const std::string& operation) const {
  std::lock_guard lock(mutex_);
  auto s = counts_.find(service);
  if (s == counts_.end()) return 0;
  auto o = s->second.find(operation);
  return o == s->second.end() ? 0 : o->second.count;
}

}  // namespace pingwatch::local
