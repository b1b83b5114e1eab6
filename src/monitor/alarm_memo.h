#pragma once
// What sync-alarms remembers between cycles, so that an unchanged fleet costs no CloudWatch reads.
//
// After a cycle that read every node and every ssm-agent-* alarm and wrote every difference without an
// error, the memo records the fingerprint of the alarms that should exist and when that was checked.
// A later cycle whose complete inventory yields the same fingerprint, within alarm.recheck_minutes of that
// check, skips DescribeAlarms and writes nothing: nothing pingwatch decides on has changed. Changes made
// behind pingwatch's back (an alarm deleted or edited by hand) are caught by the next full check, at most
// recheck_minutes later; recheck_minutes = 0 checks every cycle.
//
// Kept in memory by long-lived runners (daemon, warm Lambda) and, for one-shot CLI runs, in a small JSON
// file (`--state FILE`), written atomically (temporary file + rename).
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/alarm_spec.h"
#include "monitor/config.h"

namespace pingwatch::monitor {

struct AlarmMemo {
  std::string fingerprint;   // alarm_fingerprint() of the desired alarms
  double checked_at = 0;     // epoch seconds of the full check that found (or left) nothing to do
};

class AlarmMemoStore {
 public:
  // path empty: memory only. A file that cannot be read or parsed is an error naming the file and the fix.
  explicit AlarmMemoStore(std::string path = {});

  std::optional<AlarmMemo> get(const std::string& scope) const;
  void put(const std::string& scope, const AlarmMemo& memo);
  void forget(const std::string& scope);
  const std::string& path() const { return path_; }

 private:
  void save_locked() const;

  std::string path_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, AlarmMemo>> memos_;   // a handful of scopes at most
};

// Which profile/region/endpoint/prefix a memo belongs to (one state file may serve several).
std::string alarm_memo_scope(const Settings& settings);

// Order-independent digest of every field pingwatch sets on the alarms of these nodes (names, parameters,
// actions, tags). Builds one alarm at a time: no list of 100,000 alarms is held to compute it.
std::string alarm_fingerprint(const std::vector<std::string>& instance_ids, const core::AlarmSpecOptions& options);

}  // namespace pingwatch::monitor
