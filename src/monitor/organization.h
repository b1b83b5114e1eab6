#pragma once
// watch.accounts = ["organization:ROLE_NAME@REGIONS"]: who is in the organization, and which members could not be
// watched for how long (docs/watch.md, "A whole AWS Organization").
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/organizations_client.h"
#include "aws/sts_client.h"
#include "core/notice.h"
#include "monitor/notifier.h"
#include "monitor/state_store.h"

namespace pingwatch::monitor {

struct OrganizationMembers {
  std::string home_account;                          // the caller's (management or delegated administrator)
  std::vector<aws::OrganizationAccount> accounts;    // every account listed, all states, in ListAccounts order
  bool listed_now = false;                           // false: the process's cached list
  std::string error;                                 // the listing failed this run and the cached list was used
};

// The organization's accounts (organizations:ListAccounts, paged) and the home account (sts:GetCallerIdentity),
// cached per `cache_key` for the life of the process (daemon, warm Lambda) and listed again once `every` runs
// have used the cached list (watch.full_every: new accounts are picked up at the next full inventory, not every
// cycle). A listing that fails keeps the cached list (error says why); with nothing cached it throws.
OrganizationMembers organization_members(const std::string& cache_key, aws::OrganizationsClient& organizations,
                                         aws::StsClient& sts, int every);

// Consecutive cycles in which a member account could not be watched, kept in watch's own state store (its own
// scope per member, "member/<account>", so Lambda invocations count too): the scope holds no node, its meta's
// `cycle` is the streak's length and `last_full_cycle` when it began (epoch seconds). When a streak reaches
// `threshold`, one notice (its id from the scope's version then) is committed to that scope's outbox with the count (exactly once, as node notices)
// and delivered. A member that is watched again ends its streak. Remembers the counts it saw, so a healthy
// member costs no read after the first cycle of the process.
class MemberFailureLedger {
 public:
  using OpenStore = std::function<std::unique_ptr<StateStore>(const std::string& scope)>;
  // location: where the store lives (file or table), so remembered counts never cross two stores.
  MemberFailureLedger(std::string location, OpenStore open, int threshold, NoticePublisher* publisher,
                      DeliveryOptions delivery);

  struct Outcome {
    int consecutive = 0;                  // cycles failed in a row, this one included
    std::optional<core::Notice> notice;   // committed this cycle (the streak reached the threshold)
    DeliveryReport delivery;
  };
  // failure.account_id, account_name, role_arn, regions and error describe this cycle's failure.
  Outcome failed(core::MemberFailure failure, double now);
  void succeeded(const std::string& account_id);

 private:
  std::string key(const std::string& account_id) const { return location_ + "|" + account_id; }
  std::string location_;
  OpenStore open_;
  int threshold_;
  NoticePublisher* publisher_;
  DeliveryOptions delivery_;
};

}  // namespace pingwatch::monitor
