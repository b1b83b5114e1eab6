#pragma once
// Where `watch` keeps what it knows between cycles, and its outbox of notices.
//
// Exactly-once protocol (docs/watch.md explains it in full):
//   1. load(): the per-node records, the meta (version, cycle, baseline) and any unsent notices.
//   2. commit(): ONE atomic step records the next per-node state AND the cycle's notices as `pending`
//      in the outbox, conditional on the version loaded. A second invocation that loaded the same
//      version loses here and notifies nothing. A crash before this point changes nothing: the cycle
//      is simply recomputed. Notice ids are deterministic, so recording one twice is a no-op.
//   3. claim(): pending -> sending, conditional (one publisher per notice, even across overlapping runs).
//   4. publish to SNS, then mark_sent(). A crash between publish and mark_sent leaves the notice
//      `sending`: after its lease it is "in doubt" and is published again with the same notice id (and, on a
//      FIFO topic, the same MessageDeduplicationId, which SNS drops): see docs/watch.md.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/dynamodb_client.h"
#include "core/notice.h"
#include "core/transitions.h"

namespace pingwatch::monitor {

// Where a notice is in the outbox. The stored forms are the words "pending", "sending", "sent".
enum class OutboxStatus { Pending, Sending, Sent };
std::string_view to_string(OutboxStatus status);
std::optional<OutboxStatus> parse_outbox_status(std::string_view text);

struct OutboxEntry {
  core::Notice notice;
  OutboxStatus status = OutboxStatus::Pending;
  int attempts = 0;                 // publishes started
  double created_at = 0;
  double claimed_at = 0;
  std::string claimed_by;
  double sent_at = 0;
  std::string message_id;
};

struct StoredState {
  core::WatchState watch;
  long version = 0;                 // bumped by every commit
  std::vector<core::QuietNode> quiet;   // load_compact(): quiet records, not in watch.nodes
  long cold = 0;   // load_compact(): further quiet records known only by number (core::is_cold; DynamoDB)
};

// A commit made in parts (streamed full inventories, on a store that can): the records go in as they are
// judged, so a first inventory never holds every new record (issue 14 §7). Nothing is visible before finish();
// destroyed unfinished (a crash, a throwing hook), it leaves nothing.
class PartCommit {
 public:
  virtual ~PartCommit() = default;
  // The records that differ between the two parts, and those only in `previous` removed, as commit() writes them.
  virtual void write(const core::WatchState& previous, const core::WatchState& next) = 0;
  // next's meta and `notices` as pending, iff the stored version is still the one expected: commit()'s answer.
  virtual bool finish(const core::WatchState& next, const std::vector<core::Notice>& notices, double now) = 0;
};

class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual std::string describe() const = 0;   // "sqlite:/path (scope)" for logs

  virtual StoredState load() = 0;
  // The meta only (version, baseline, cycle, last_full_cycle): enough to choose between load() and
  // load_compact() without loading the records twice. The default loads everything and drops the records.
  virtual StoredState load_meta();
  // For partial cycles: as load(), but quiet records (core::is_quiet) come in StoredState::quiet, not in
  // watch.nodes. The default loads everything and splits (same answer, no memory saved).
  virtual StoredState load_compact();
  // The full records of these ids (those that exist), e.g. quiet nodes a partial cycle lists after all.
  // Ids neither in watch.nodes nor in quiet may be cold records (or unknown): each one found is one less cold.
  virtual std::vector<core::NodeRecord> load_records(const std::vector<std::string>& ids);
  // Full inventories stream the stored records (issue 14 §7) where the store says so: for_each_record() hands
  // every record over once (after load_meta()), and commit() is then given only the records that change, are
  // removed or are misplaced, in `previous` and `next`. Default: no; the cycle uses load() and whole states.
  virtual bool streams_records() const { return false; }
  virtual void for_each_record(const std::function<void(core::NodeRecord&& record)>& on_record);
  // A record stored where its coldness no longer puts it (DynamoDB hot#/node#): the commit moves it even unchanged.
  virtual bool misplaced(const core::NodeRecord& record) const {
    (void)record;
    return false;
  }
  // A commit in parts expecting `expected_version`; nullptr where the store commits whole (commit()) only.
  virtual std::unique_ptr<PartCommit> begin_commit(long expected_version) {
    (void)expected_version;
    return nullptr;
  }
  // The policy that tells cold records (core::is_cold) from the others; the DynamoDB store files them apart.
  virtual void use_policy(const core::WatchPolicy& policy) { (void)policy; }
  // Writes the records that differ between `previous` and `next` (and removes forgotten ones), next's
  // meta, and `notices` as pending (ids already present are left as they are), iff the stored version is
  // still expected_version. Returns false (and writes nothing) when another run committed first.
  virtual bool commit(long expected_version, const core::WatchState& previous, const core::WatchState& next,
                      const std::vector<core::Notice>& notices, double now) = 0;
  // Notices not yet sent (pending, or sending with an expired lease = in doubt), oldest first.
  virtual std::vector<OutboxEntry> unsent() = 0;
  // pending -> sending, or an in-doubt sending whose lease expired -> sending again. attempts += 1.
  // False when it is sent, or claimed by someone else whose lease is still running.
  virtual bool claim(const std::string& notice_id, const std::string& owner, double now, double lease_seconds) = 0;
  virtual void mark_sent(const std::string& notice_id, const std::string& message_id, double now) = 0;
  // A publish that failed for sure (SNS answered with an error): back to pending for the next cycle.
  virtual void release(const std::string& notice_id) = 0;
};

// SQLite file (WAL journal, one transaction per commit). scope separates accounts/regions in one file.
// Creates the directory and the schema. Throws std::runtime_error naming the file on failure.
std::unique_ptr<StateStore> open_sqlite_state_store(const std::string& path, const std::string& scope);


// DynamoDB table (Lambda): pk = scope, sk = "meta" | "node#<id>" (cold records) | "hot#<id>" (the others) |
// "notice#<id>" | "wal#<version>#<owner>#<k>". meta counts the cold records, so a partial cycle reads meta and
// the hot records only.
// A commit writes a write-ahead record, then moves the meta item's version with a conditional update (the
// commit point: overlapping invocations cannot both pass it), then applies and clears the record; load()
// finishes a commit that a crash interrupted. create_table: create the table (on-demand) when missing.
std::unique_ptr<StateStore> open_dynamodb_state_store(std::shared_ptr<aws::DynamoDbClient> client, const std::string& table,
                                                      const std::string& scope, bool create_table);
nlohmann::json dynamodb_table_definition(const std::string& table);   // the CreateTable input

// JSON forms shared by both backends (and readable with the sqlite3 CLI).
nlohmann::json record_to_json(const core::NodeRecord& record);
core::NodeRecord record_from_json(const nlohmann::json& j);
nlohmann::json notice_to_json(const core::Notice& notice);
core::Notice notice_from_json(const nlohmann::json& j);
// Ids of records whose stored form must be rewritten, and ids to delete.
struct StateDiff {
  std::vector<std::string> upserts;
  std::vector<std::string> removals;
};
StateDiff diff_states(const core::WatchState& previous, const core::WatchState& next);

}  // namespace pingwatch::monitor
