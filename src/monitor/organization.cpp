#include "monitor/organization.h"

#include <mutex>

#include <spdlog/spdlog.h>

#include "monitor/watch_job.h"

namespace pingwatch::monitor {

namespace {

struct CachedMembers {
  OrganizationMembers members;
  int runs_since_listing = 0;
};

std::mutex members_mutex;
std::map<std::string, CachedMembers>& members_cache() {
  static std::map<std::string, CachedMembers> cache;
  return cache;
}

// What the ledger has seen of each member in this process (absent: ask the store).
std::mutex counts_mutex;
std::map<std::string, long>& known_counts() {
  static std::map<std::string, long> counts;
  return counts;
}

std::string member_scope(const std::string& account) { return "member/" + account; }

}  // namespace

OrganizationMembers organization_members(const std::string& cache_key, aws::OrganizationsClient& organizations,
                                         aws::StsClient& sts, int every) {
  {
    std::lock_guard lock(members_mutex);
    auto it = members_cache().find(cache_key);
    if (it != members_cache().end() && it->second.runs_since_listing < every) {
      ++it->second.runs_since_listing;
      OrganizationMembers cached = it->second.members;
      cached.listed_now = false;
      cached.error.clear();
      return cached;
    }
  }
  OrganizationMembers fresh;
  try {
    fresh.home_account = caller_account(cache_key, sts);
    if (fresh.home_account.empty()) {
      throw std::runtime_error("sts:GetCallerIdentity failed: the home account is unknown, so it cannot be told from the members");
    }
    fresh.accounts = organizations.list_all_accounts();
    fresh.listed_now = true;
  } catch (const std::exception& e) {
    std::lock_guard lock(members_mutex);
    auto it = members_cache().find(cache_key);
    if (it == members_cache().end()) throw;
    // Keep watching the accounts known: a throttled or refused listing must not stop the watch.
    it->second.runs_since_listing = 1;
    OrganizationMembers stale = it->second.members;
    stale.listed_now = false;
    stale.error = std::string("organizations:ListAccounts: ") + e.what() + " (using the accounts listed before)";
    return stale;
  }
  std::lock_guard lock(members_mutex);
  members_cache()[cache_key] = CachedMembers{fresh, 1};
  return fresh;
}

MemberFailureLedger::MemberFailureLedger(std::string location, OpenStore open, int threshold, NoticePublisher* publisher,
                                         DeliveryOptions delivery)
    : location_(std::move(location)),
      open_(std::move(open)), threshold_(threshold), publisher_(publisher), delivery_(std::move(delivery)) {}

MemberFailureLedger::Outcome MemberFailureLedger::failed(core::MemberFailure failure, double now) {
  Outcome out;
  auto store = open_(member_scope(failure.account_id));
  // Two tries: an overlapping run that committed first only moves the version.
  for (int attempt = 0; attempt < 2; ++attempt) {
    StoredState loaded = store->load();
    core::WatchState next = loaded.watch;
    next.cycle = loaded.watch.cycle + 1;
    if (loaded.watch.cycle == 0) next.last_full_cycle = static_cast<long>(now);
    std::vector<core::Notice> notices;
    if (next.cycle == threshold_) {
      failure.consecutive_cycles = static_cast<int>(next.cycle);
      failure.first_failed_at = static_cast<double>(next.last_full_cycle);
      failure.observed_at = now;
      failure.streak = loaded.version;   // versions only grow: each streak's notice has its own id
      notices.push_back(core::member_failure_notice(failure));
    }
    if (!store->commit(loaded.version, loaded.watch, next, notices, now)) continue;
    out.consecutive = static_cast<int>(next.cycle);
    if (!notices.empty()) out.notice = notices.front();
    std::lock_guard lock(counts_mutex);
    known_counts()[key(failure.account_id)] = next.cycle;
    break;
  }
  if (publisher_) out.delivery = deliver_outbox(*store, *publisher_, delivery_);
  return out;
}

void MemberFailureLedger::succeeded(const std::string& account_id) {
  {
    std::lock_guard lock(counts_mutex);
    auto it = known_counts().find(key(account_id));
    if (it != known_counts().end() && it->second == 0) return;
  }
  auto store = open_(member_scope(account_id));
  StoredState loaded = store->load();
  if (loaded.watch.cycle != 0) {
    core::WatchState next = loaded.watch;
    next.cycle = 0;
    next.last_full_cycle = -1;
    if (!store->commit(loaded.version, loaded.watch, next, {}, 0)) return;   // the other run decides
    spdlog::info("watch: member account {} is watched again after {} failed cycles", account_id, loaded.watch.cycle);
  }
  if (publisher_) deliver_outbox(*store, *publisher_, delivery_);   // a notice of the streak still unsent
  std::lock_guard lock(counts_mutex);
  known_counts()[key(account_id)] = 0;
}

}  // namespace pingwatch::monitor
