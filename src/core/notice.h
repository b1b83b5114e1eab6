#pragma once
// Notices: what a person (email) and a machine (JSON, MessageAttributes) receive for transitions.
// Pure rendering; the notifier publishes them through SNS.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/transitions.h"

namespace pingwatch::core {

struct NoticeContext {
  std::string account_id;     // may be empty when unknown
  std::string region;         // e.g. us-east-1
  std::string region_name;    // e.g. "US East (N. Virginia)"; optional, shown in the body
  std::string account_name;   // the account's name in AWS Organizations; optional, shown next to the id
};

struct Notice {
  std::string id;                                  // deterministic: same transitions -> same id
  std::string subject;                             // < 100 ASCII characters (SNS rule)
  std::string body;                                // plain text for people
  nlohmann::json json;                             // the machine form
  std::map<std::string, std::string> attributes;   // SNS MessageAttributes (String), <= 10
  std::vector<std::string> transition_keys;        // what it reports
  bool digest = false;
};

// SNS limits: Subject < 100 characters; the whole message <= 256 KB. Notices stay under these budgets.
inline constexpr std::size_t kMaxSubjectLength = 99;
inline constexpr std::size_t kMessageBudgetBytes = 250 * 1024;   // 256 KB minus room for attributes

std::string console_link(const std::string& region, const std::string& instance_id);
std::string format_utc(EpochSeconds t);                    // 2024-04-12 08:28:26 UTC
std::string format_age(double seconds);                    // "12 min", "3 h 5 min", "45 s"
// ASCII only, no control characters, shorter than 100 characters (ends with "..." when cut).
std::string sanitize_subject(std::string_view text);

// One notice per notified transition, or one digest (split in parts only if it would exceed the SNS
// message size) when more than policy.digest_threshold transitions are notified in the cycle.
std::vector<Notice> build_notices(const std::vector<Transition>& transitions, const NoticeContext& context,
                                  const WatchPolicy& policy);

Notice single_notice(const Transition& transition, const NoticeContext& context);
Notice digest_notice(const std::vector<const Transition*>& transitions, const NoticeContext& context,
                     int part = 0, int parts = 0);

// A member account of an organization that watch could not read for `consecutive_cycles` cycles in a row (its
// role missing, or refusing: AccessDenied). One notice per streak: `streak` (a number that changes from one streak
// to the next, e.g. the ledger's version when it started) makes its id, so a recomputed cycle repeats the same id.
struct MemberFailure {
  std::string account_id;
  std::string account_name;
  std::string role_arn;
  std::vector<std::string> regions;
  int consecutive_cycles = 0;
  std::string error;         // the last failure, as AWS said it
  EpochSeconds first_failed_at = 0;
  EpochSeconds observed_at = 0;
  long streak = 0;
};
Notice member_failure_notice(const MemberFailure& failure);

// A notice published again after an attempt whose outcome is unknown (docs/watch.md, exactly once): the body
// starts by saying it may be a duplicate of one already delivered (same notice id), the JSON has
// "possible_duplicate": true and the attribute pingwatch.possible_duplicate = "true".
Notice as_possible_duplicate(Notice notice);

// The message SNS gets with MessageStructure=json: text for email/sms/default, JSON for the others.
std::string sns_message_structure(const Notice& notice);

}  // namespace pingwatch::core
