// DynamoDB backend of the watch state, for the Lambda function. DynamoDB has no multi-item transaction in
// the operations pingwatch uses, so a commit is made atomic with a write-ahead record:
//   1. put the commit's changes as wal#<version>#<owner>#<k> chunks (invisible until referenced);
//   2. UpdateItem meta SET version = v+1, wal_owner = owner IF version = v     <- the commit point;
//      an overlapping invocation that loaded the same v fails here and notifies nothing;
//   3. apply: node items (BatchWriteItem), notices (PutItem IF attribute_not_exists: never reset a sent one);
//   4. UpdateItem meta REMOVE wal_owner IF wal_owner = owner; delete the chunks.
// load() first finishes any commit whose step 3/4 a crash interrupted (applying twice is harmless).
// A commit with nothing to apply (no record changed, no notice: most cycles) is step 2 alone.
//
// Reads stay small: cold records (core::is_cold: healthy, nothing in progress, no missed ping) live under
// node#<id>, every other record under hot#<id>, and meta counts the cold ones (`cold`, moved at the commit
// point with the records). A partial cycle reads meta and hot# only, and the few cold records it lists or
// asks about by GetItem. A table written before this layout (meta without `layout`) is read in full and
// rewritten in the new layout by its first commit.
#include <chrono>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include "aws/error.h"
#include "monitor/state_store.h"

namespace pingwatch::monitor {

namespace {

using nlohmann::json;

constexpr std::size_t kChunkBytes = 300 * 1024;   // under DynamoDB's 400 KB item limit
// A new table is CREATING for seconds; poll as the SDKs' table_exists waiter does, for at most two minutes.
constexpr std::chrono::milliseconds kActivePoll{2000};
constexpr int kActiveChecks = 60;

json S(const std::string& s) { return {{"S", s}}; }
json N(double v) { return {{"N", fmt::format("{}", v)}}; }
json N(long v) { return {{"N", std::to_string(v)}}; }
std::string str(const json& item, const std::string& name) {
  return item.contains(name) && item.at(name).contains("S") ? item.at(name).at("S").get<std::string>() : std::string();
}
double num(const json& item, const std::string& name) {
  return item.contains(name) && item.at(name).contains("N") ? std::stod(item.at(name).at("N").get<std::string>()) : 0.0;
}
bool is_conditional_failure(const aws::AwsError& e) { return e.code == "ConditionalCheckFailedException"; }

constexpr long kLayout = 2;   // meta.layout: node# = cold records, hot# = the others, meta.cold = their count
std::string cold_key(const std::string& id) { return "node#" + id; }
std::string hot_key(const std::string& id) { return "hot#" + id; }

// Every attribute name an expression mentions is written "#<name>" and mapped here. DynamoDB refuses its 573
// reserved words (cycle, status, ...) as bare names; a placeholder for every name keeps that true of any
// expression this file will ever write, without anyone checking the list.
json names(std::initializer_list<const char*> attributes) {
  json out = json::object();
  for (const char* a : attributes) out[std::string("#") + a] = a;
  return out;
}

class DynamoStateStore : public StateStore {
 public:
  DynamoStateStore(std::shared_ptr<aws::DynamoDbClient> client, std::string table, std::string scope, bool create)
      : db_(std::move(client)), table_(std::move(table)), scope_(std::move(scope)) {
    if (create && table_status(true) != "ACTIVE") wait_until_active();
    std::random_device rd;
    owner_ = fmt::format("{:016x}", (static_cast<unsigned long long>(rd()) << 32) ^ rd());
  }

  std::string describe() const override { return "dynamodb:" + table_ + " (" + scope_ + ")"; }

  StoredState load_meta() override {
    StoredState s;
    read_meta(s);
    return s;
  }

  StoredState load() override {
    StoredState s;
    read_meta(s);
    hot_ids_.clear();
    for_each_item("node#", [&](const json& item) { add_record(s, item, false); });
    for_each_item("hot#", [&](const json& item) { add_record(s, item, true); });
    loaded_in_full_ = true;
    return s;
  }

  StoredState load_compact() override {
    StoredState s;
    read_meta(s);
    if (layout_ != kLayout) return load();   // an older table: every record is judged, then rewritten
    hot_ids_.clear();
    for_each_item("hot#", [&](const json& item) { add_record(s, item, true); });
    for (auto it = s.watch.nodes.begin(); it != s.watch.nodes.end();) {
      if (core::is_quiet(it->second)) {   // a hot quiet record: one that missed a ping
        s.quiet.push_back(core::quiet_node(it->second));
        it = s.watch.nodes.erase(it);
      } else {
        ++it;
      }
    }
    s.cold = cold_;
    loaded_in_full_ = false;
    return s;
  }

  // An older table is judged whole (load(), then every record rewritten in the layout); a current one streams.
  bool streams_records() const override { return layout_ == kLayout; }

  // One Query page at a time, as load() reads them, without keeping the records.
  void for_each_record(const std::function<void(core::NodeRecord&& record)>& on_record) override {
    hot_ids_.clear();
    for_each_item("node#", [&](const json& item) { on_record(record_from_json(json::parse(str(item, "rec")))); });
    for_each_item("hot#", [&](const json& item) {
      auto r = record_from_json(json::parse(str(item, "rec")));
      hot_ids_.insert(r.instance_id);
      on_record(std::move(r));
    });
    loaded_in_full_ = true;
  }

  std::unique_ptr<PartCommit> begin_commit(long expected_version) override;

  bool misplaced(const core::NodeRecord& record) const override {
    return (hot_ids_.count(record.instance_id) > 0) == core::is_cold(record, policy_);
  }

  std::vector<core::NodeRecord> load_records(const std::vector<std::string>& ids) override {
    std::vector<core::NodeRecord> out;
    for (const auto& id : ids) {
      auto item = db_->get_item(table_, key(hot_ids_.count(id) ? hot_key(id) : cold_key(id)), true);
      if (item) out.push_back(record_from_json(json::parse(str(*item, "rec"))));
    }
    return out;
  }

  void use_policy(const core::WatchPolicy& policy) override { policy_ = policy; }

  bool commit(long expected_version, const core::WatchState& previous, const core::WatchState& next,
              const std::vector<core::Notice>& notices, double now) override {
    auto changes = plan_writes(previous, next);
    json wal = {{"notices", json::array()}, {"now", now}};
    const bool no_items = changes.puts.empty() && changes.deletes.empty();
    wal["puts"] = std::move(changes.puts);   // moved, not copied: a first inventory puts every record
    wal["deletes"] = std::move(changes.deletes);
    for (const auto& n : notices) wal["notices"].push_back(notice_to_json(n));
    const long version = expected_version + 1;
    const bool nothing_to_apply = no_items && notices.empty();
    const auto chunk_keys = nothing_to_apply ? std::vector<std::string>{} : put_write_ahead(version, wal.dump());
    if (!pass_commit_point(expected_version, next, changes.cold_delta, chunk_keys)) return false;
    if (nothing_to_apply) return true;
    apply(wal);
    clear(version, chunk_keys);
    return true;
  }

  // move_meta(); false (the chunks deleted) when another run committed this version first.
  bool pass_commit_point(long expected_version, const core::WatchState& next, long cold_delta,
                         const std::vector<std::string>& chunk_keys) {
    try {
      move_meta(expected_version, next, cold_delta, chunk_keys.size());
    } catch (const aws::AwsError& e) {
      if (!is_conditional_failure(e)) throw;
      // A refusal after an attempt with no answer may be our own first attempt, applied: read who committed.
      if (!(e.outcome_unknown() && committed_by_us(expected_version + 1))) {
        delete_keys(chunk_keys);   // another run committed this version first
        return false;
      }
    }
    return true;
  }

  // Whether meta holds this store's own commit of `version` (its write-ahead record not yet cleared).
  bool committed_by_us(long version) {
    const auto meta = db_->get_item(table_, key("meta"), true);
    return meta && str(*meta, "last_commit") == commit_tag(version);
  }

  std::vector<OutboxEntry> unsent() override {
    std::vector<OutboxEntry> out;
    for (const auto& item : query_prefix("notice#")) {
      const auto status = parse_outbox_status(str(item, "status")).value_or(OutboxStatus::Pending);
      if (status == OutboxStatus::Sent) continue;
      OutboxEntry e;
      e.notice = notice_from_json(json::parse(str(item, "notice")));
      e.status = status;
      e.attempts = static_cast<int>(num(item, "attempts"));
      e.created_at = num(item, "created_at");
      e.claimed_at = num(item, "claimed_at");
      e.claimed_by = str(item, "claimed_by");
      out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
      return a.created_at != b.created_at ? a.created_at < b.created_at : a.notice.id < b.notice.id;
    });
    return out;
  }

  bool claim(const std::string& id, const std::string& owner, double now, double lease_seconds) override {
    aws::DynamoCondition cond;
    cond.condition_expression = "#status = :pending OR (#status = :sending AND #claimed_at <= :cutoff)";
    cond.expression_attribute_names = names({"status", "claimed_at", "claimed_by", "attempts"});
    cond.expression_attribute_values = {{":pending", S("pending")}, {":sending", S("sending")}, {":cutoff", N(now - lease_seconds)},
                                        {":now", N(now)},           {":owner", S(owner)},       {":one", N(1L)}};
    try {
      db_->update_item(table_, key("notice#" + id), "SET #status = :sending, #claimed_at = :now, #claimed_by = :owner ADD #attempts :one", cond);
      return true;
    } catch (const aws::AwsError& e) {
      if (is_conditional_failure(e)) return false;
      throw;
    }
  }

  void mark_sent(const std::string& id, const std::string& message_id, double now) override {
    aws::DynamoCondition cond;
    cond.expression_attribute_names = names({"status", "sent_at", "message_id", "expires_at"});
    // expires_at: DynamoDB TTL (enabled by the template) drops sent notices after a week.
    cond.expression_attribute_values = {{":sent", S("sent")}, {":now", N(now)}, {":m", S(message_id)},
                                        {":exp", N(static_cast<long>(now + 7 * 86400))}};
    db_->update_item(table_, key("notice#" + id), "SET #status = :sent, #sent_at = :now, #message_id = :m, #expires_at = :exp", cond);
  }

  void release(const std::string& id) override {
    aws::DynamoCondition cond;
    cond.condition_expression = "#status = :sending";
    cond.expression_attribute_names = names({"status"});
    cond.expression_attribute_values = {{":sending", S("sending")}, {":pending", S("pending")}};
    try {
      db_->update_item(table_, key("notice#" + id), "SET #status = :pending", cond);
    } catch (const aws::AwsError& e) {
      if (!is_conditional_failure(e)) throw;
    }
  }

 private:
  friend class DynamoPartCommit;
  json key(const std::string& sk) const { return {{"pk", S(scope_)}, {"sk", S(sk)}}; }
  std::string commit_tag(long version) const { return fmt::format("{}#{}", version, owner_); }

  // meta, after finishing a commit a crash interrupted; remembers the layout and the cold count.
  void read_meta(StoredState& s) {
    auto meta = db_->get_item(table_, key("meta"), true);
    if (meta && meta->contains("wal_owner")) {
      finish_commit(*meta);
      meta = db_->get_item(table_, key("meta"), true);
    }
    layout_ = meta ? static_cast<long>(num(*meta, "layout")) : kLayout;   // a new table starts in the layout
    cold_ = meta ? static_cast<long>(num(*meta, "cold")) : 0;
    if (!meta) return;
    s.version = static_cast<long>(num(*meta, "version"));
    s.watch.baseline = num(*meta, "baseline") != 0;
    s.watch.cycle = static_cast<long>(num(*meta, "cycle"));
    s.watch.last_full_cycle = static_cast<long>(num(*meta, "last_full_cycle"));
  }

  void add_record(StoredState& s, const json& item, bool hot) {
    auto r = record_from_json(json::parse(str(item, "rec")));
    if (hot) hot_ids_.insert(r.instance_id);
    std::string id = r.instance_id;
    s.watch.nodes.insert_or_assign(std::move(id), std::move(r));
  }

  struct Writes {
    json puts = json::array();      // {"sk", "rec": the record's JSON text}
    json deletes = json::array();   // sk
    long cold_delta = 0;            // added to meta.cold at the commit point
  };

  // The items a commit writes: changed records under the key their coldness gives (and removed from the other
  // one when they move), removed records. Migrating an older table, every record moves to its key.
  Writes plan_writes(const core::WatchState& previous, const core::WatchState& next) {
    Writes w;
    const bool migrating = layout_ != kLayout;
    if (migrating && !loaded_in_full_) throw std::logic_error("state store: an older table is committed only after load()");
    const auto diff = diff_states(previous, next);
    std::set<std::string> upserts(diff.upserts.begin(), diff.upserts.end());
    for (const auto& [id, record] : next.nodes) {
      const bool cold = core::is_cold(record, policy_);
      const bool existed = previous.nodes.count(id) > 0;
      const bool was_hot = existed && hot_ids_.count(id) > 0;
      const bool moves = existed && was_hot == cold;
      if (!upserts.count(id) && !moves) continue;
      w.puts.push_back({{"sk", cold ? cold_key(id) : hot_key(id)}, {"rec", record_to_json(record).dump()}});
      if (moves) w.deletes.push_back(was_hot ? hot_key(id) : cold_key(id));
      if (!migrating) w.cold_delta += (cold ? 1 : 0) - (existed && !was_hot ? 1 : 0);
    }
    for (const auto& id : diff.removals) {
      const bool was_hot = hot_ids_.count(id) > 0;
      w.deletes.push_back(was_hot ? hot_key(id) : cold_key(id));
      if (!migrating && !was_hot) --w.cold_delta;
    }
    if (migrating) {   // an older meta has no count: if_not_exists(cold, 0) + every cold record
      for (const auto& [id, record] : next.nodes) w.cold_delta += core::is_cold(record, policy_) ? 1 : 0;
    }
    return w;
  }

  std::vector<std::string> put_write_ahead(long version, const std::string& text) {
    std::vector<std::string> chunk_keys;
    for (std::size_t off = 0; off < text.size() || chunk_keys.empty(); off += kChunkBytes) {
      put_chunk(version, text.substr(off, kChunkBytes), chunk_keys);
    }
    return chunk_keys;
  }

  void put_chunk(long version, const std::string& data, std::vector<std::string>& chunk_keys) {
    const std::string sk = fmt::format("wal#{}#{}#{}", version, owner_, chunk_keys.size());
    db_->put_item(table_, {{"pk", S(scope_)}, {"sk", S(sk)}, {"data", S(data)}});
    chunk_keys.push_back(sk);
  }

  // The commit point: meta moves to the next version iff it is still the one loaded. With chunks, it names
  // the write-ahead record that load() applies if this run dies before clearing it.
  void move_meta(long expected_version, const core::WatchState& next, long cold_delta, std::size_t chunks) {
    const long version = expected_version + 1;
    aws::DynamoCondition cond;
    cond.condition_expression = expected_version == 0 ? "attribute_not_exists(#version) OR #version = :v0" : "#version = :v0";
    cond.expression_attribute_names = names({"version", "baseline", "cycle", "last_full_cycle", "layout", "cold", "last_commit"});
    cond.expression_attribute_values = {{":v0", N(expected_version)}, {":v1", N(version)},     {":b", N(static_cast<long>(next.baseline))},
                                        {":c", N(next.cycle)},        {":f", N(next.last_full_cycle)}, {":l", N(kLayout)},
                                        {":zero", N(0L)},             {":dc", N(cold_delta)},  {":t", S(commit_tag(version))}};
    std::string update = "SET #version = :v1, #baseline = :b, #cycle = :c, #last_full_cycle = :f, #layout = :l, "
                         "#cold = if_not_exists(#cold, :zero) + :dc, #last_commit = :t";
    if (chunks > 0) {
      cond.expression_attribute_names.update(names({"wal_owner", "wal_chunks", "wal_version"}));
      cond.expression_attribute_values.update({{":o", S(owner_)}, {":n", N(static_cast<long>(chunks))}});
      update += ", #wal_owner = :o, #wal_chunks = :n, #wal_version = :v1";
    }
    db_->update_item(table_, key("meta"), update, cond);
  }

  // The table's status ("" while it is not visible yet); with create, a missing table is created (CREATING).
  std::string table_status(bool create) {
    try {
      return db_->describe_table(table_).value("TableStatus", "");
    } catch (const aws::AwsError& e) {
      if (e.code != "ResourceNotFoundException") throw;
      if (!create) return "";   // just created: DescribeTable may not show it yet
    }
    try {
      return db_->create_table(dynamodb_table_definition(table_)).value("TableStatus", "CREATING");
    } catch (const aws::AwsError& e) {
      if (e.code != "ResourceInUseException") throw;   // another run created it a moment ago
      return "CREATING";
    }
  }

  // CreateTable answers CREATING, and DynamoDB serves reads and writes only on an ACTIVE table (API
  // reference, CreateTable): the first commit would fail with ResourceNotFoundException.
  void wait_until_active() {
    const auto& sleep = db_->service_client().config().sleep;
    for (int check = 0; check < kActiveChecks; ++check) {
      if (table_status(false) == "ACTIVE") return;
      if (sleep) sleep(kActivePoll);
      else std::this_thread::sleep_for(kActivePoll);
    }
    throw std::runtime_error("state store: DynamoDB table " + table_ + " did not become ACTIVE within " +
                             std::to_string(kActiveChecks * kActivePoll.count() / 1000) + " s");
  }

  json prefix_query(const std::string& prefix) const {
    return {{"TableName", table_},
            {"KeyConditionExpression", "#pk = :pk AND begins_with(#sk, :p)"},
            {"ExpressionAttributeNames", names({"pk", "sk"})},
            {"ExpressionAttributeValues", {{":pk", S(scope_)}, {":p", S(prefix)}}},
            {"ConsistentRead", true}};
  }

  std::vector<json> query_prefix(const std::string& prefix) { return db_->query_all(prefix_query(prefix)); }

  // One Query page (up to 1 MB) at a time: 100,000 records never sit in memory as DynamoDB JSON all at once.
  template <typename OnItem>
  void for_each_item(const std::string& prefix, OnItem on_item) {
    json request = prefix_query(prefix);
    for (;;) {
      auto page = db_->query(request);
      for (const auto& item : page.items) on_item(item);
      if (page.last_evaluated_key.is_null() || page.last_evaluated_key.empty()) return;
      if (request.contains("ExclusiveStartKey") && request["ExclusiveStartKey"] == page.last_evaluated_key) {
        throw std::runtime_error("state store: DynamoDB Query repeated its LastEvaluatedKey in " + table_);
      }
      request["ExclusiveStartKey"] = std::move(page.last_evaluated_key);
    }
  }

  void batch(const std::vector<json>& requests) {
    for (std::size_t i = 0; i < requests.size(); i += 25) {
      json list = json::array();
      for (std::size_t k = i; k < std::min(requests.size(), i + 25); ++k) list.push_back(requests[k]);
      json pending = {{table_, list}};
      // UnprocessedItems (throttling) are resent, a bounded number of times.
      for (int attempt = 0; attempt < 8 && !pending.empty(); ++attempt) pending = db_->batch_write_item(pending);
      if (!pending.empty()) throw std::runtime_error("state store: DynamoDB kept items unprocessed in " + table_);
    }
  }

  // BatchWriteItem 25 at a time as the requests are made (the grouping batch() gives a whole list): a first
  // inventory's 100,000 puts never sit in memory as DynamoDB requests all at once.
  class Batches {
   public:
    explicit Batches(DynamoStateStore& store) : store_(store) {}
    void add(json request) {
      writes_.push_back(std::move(request));
      if (writes_.size() == 25) store_.batch(std::exchange(writes_, {}));
    }
    void put(const std::string& sk, const std::string& rec) {
      add({{"PutRequest", {{"Item", {{"pk", S(store_.scope_)}, {"sk", S(sk)}, {"rec", S(rec)}}}}}});
    }
    void remove(const std::string& sk) { add({{"DeleteRequest", {{"Key", store_.key(sk)}}}}); }
    void flush() { store_.batch(std::exchange(writes_, {})); }

   private:
    DynamoStateStore& store_;
    std::vector<json> writes_;
  };

  void apply(const json& wal) {
    Batches writes(*this);
    for (const auto& p : wal.value("puts", json::array())) writes.put(p.at("sk").get<std::string>(), p.at("rec").get<std::string>());
    for (const auto& sk : wal.value("deletes", json::array())) writes.remove(sk.get<std::string>());
    // A write-ahead record left by the previous layout (a crash just before an upgrade): node# for everything.
    for (const auto& r : wal.value("upserts", json::array())) writes.put(cold_key(r.at("id").get<std::string>()), r.dump());
    for (const auto& id : wal.value("removals", json::array())) writes.remove(cold_key(id.get<std::string>()));
    writes.flush();
    put_notices(wal.at("notices"), wal.value("now", 0.0));
  }

  void put_notices(const json& notices, double now) {
    for (const auto& n : notices) {
      aws::DynamoCondition cond;
      cond.condition_expression = "attribute_not_exists(#pk)";   // a notice already recorded keeps its status
      cond.expression_attribute_names = names({"pk"});
      try {
        db_->put_item(table_,
                      {{"pk", S(scope_)}, {"sk", S("notice#" + n.at("id").get<std::string>())}, {"status", S("pending")},
                       {"attempts", N(0L)}, {"created_at", N(now)}, {"notice", S(n.dump())}},
                      cond);
      } catch (const aws::AwsError& e) {
        if (!is_conditional_failure(e)) throw;
      }
    }
  }

  void clear(long version, const std::vector<std::string>& chunk_keys) {
    aws::DynamoCondition cond;
    cond.condition_expression = "#wal_version = :v";
    cond.expression_attribute_names = names({"wal_owner", "wal_chunks", "wal_version"});
    cond.expression_attribute_values = {{":v", N(version)}};
    try {
      db_->update_item(table_, key("meta"), "REMOVE #wal_owner, #wal_chunks, #wal_version", cond);
    } catch (const aws::AwsError& e) {
      if (!is_conditional_failure(e)) throw;
    }
    delete_keys(chunk_keys);
  }

  void delete_keys(const std::vector<std::string>& sks) {
    std::vector<json> deletes;
    for (const auto& sk : sks) deletes.push_back({{"DeleteRequest", {{"Key", key(sk)}}}});
    batch(deletes);
  }

  // A commit passed its commit point but was not applied (crash): apply it now.
  void finish_commit(const json& meta) {
    const long version = static_cast<long>(num(meta, "wal_version"));
    const std::string owner = str(meta, "wal_owner");
    const long chunks = static_cast<long>(num(meta, "wal_chunks"));
    std::string text;
    std::vector<std::string> keys;
    for (long k = 0; k < chunks; ++k) {
      const std::string sk = fmt::format("wal#{}#{}#{}", version, owner, k);
      auto item = db_->get_item(table_, key(sk), true);
      if (!item) throw std::runtime_error("state store: write-ahead record " + sk + " is missing in " + table_);
      text += str(*item, "data");
      keys.push_back(sk);
    }
    apply(json::parse(text));
    clear(version, keys);
  }

  std::shared_ptr<aws::DynamoDbClient> db_;
  std::string table_;
  std::string scope_;
  std::string owner_;
  core::WatchPolicy policy_;
  long layout_ = kLayout;
  long cold_ = 0;
  std::set<std::string> hot_ids_;   // records last loaded from hot# (the others are under node#)
  bool loaded_in_full_ = false;
};

// A commit in parts (streamed full inventories, StateStore::begin_commit). The write-ahead record is put as it
// fills: the very text commit() would write (its members in another order, "puts" first as they come), so the
// same chunks and the same requests. What it holds is also kept here zlib-compressed (~a tenth), to be applied
// after the commit point without reading the chunks back (py.test_watch_dynamodb_cost counts every request).
class DynamoPartCommit : public PartCommit {
 public:
  DynamoPartCommit(DynamoStateStore& store, long expected_version) : store_(store), expected_(expected_version) {}
  ~DynamoPartCommit() override {
    if (done_ || chunk_keys_.empty()) return;
    try {   // abandoned (a crash before the commit point): its chunks are never referenced; drop them
      store_.delete_keys(chunk_keys_);
    } catch (const std::exception& e) {
      spdlog::warn("state store {}: {} unreferenced write-ahead chunks left: {}", store_.describe(), chunk_keys_.size(),
                   e.what());
    }
  }
  DynamoPartCommit(const DynamoPartCommit&) = delete;
  DynamoPartCommit& operator=(const DynamoPartCommit&) = delete;

  void write(const core::WatchState& previous, const core::WatchState& next) override {
    auto w = store_.plan_writes(previous, next);
    for (const auto& p : w.puts) {
      text_ += (any_put_ ? "," : "") + p.dump();
      any_put_ = true;
      unpacked_.push_back(json::array({p.at("sk"), p.at("rec")}));
    }
    for (auto& d : w.deletes) deletes_.push_back(std::move(d));
    cold_delta_ += w.cold_delta;
    put_full_chunks();
    if (unpacked_.size() >= kPackEvery) pack();
  }

  bool finish(const core::WatchState& next, const std::vector<core::Notice>& notices, double now) override {
    json notice_list = json::array();
    for (const auto& n : notices) notice_list.push_back(notice_to_json(n));
    const bool nothing_to_apply = !any_put_ && deletes_.empty() && notices.empty();
    text_ += "],\"deletes\":" + deletes_.dump() + ",\"notices\":" + notice_list.dump() + ",\"now\":" + json(now).dump() + "}";
    if (!nothing_to_apply) {
      for (std::size_t off = 0; off < text_.size(); off += kChunkBytes) {
        store_.put_chunk(expected_ + 1, text_.substr(off, kChunkBytes), chunk_keys_);
      }
    }
    text_.clear();
    pack();
    done_ = true;   // from here on the chunks are the commit point's (or deleted by it)
    if (!store_.pass_commit_point(expected_, next, cold_delta_, chunk_keys_)) return false;
    if (nothing_to_apply) return true;
    DynamoStateStore::Batches writes(store_);
    for (const auto& block : packed_) {
      for (const auto& p : json::parse(unpack(block))) writes.put(p.at(0).get<std::string>(), p.at(1).get<std::string>());
    }
    for (const auto& sk : deletes_) writes.remove(sk.get<std::string>());
    writes.flush();
    store_.put_notices(notice_list, now);
    store_.clear(expected_ + 1, chunk_keys_);
    return true;
  }

 private:
  static constexpr std::size_t kPackEvery = 512;
  struct Packed {
    std::string bytes;
    std::size_t size = 0;
  };

  void put_full_chunks() {
    std::size_t off = 0;
    for (; text_.size() - off >= kChunkBytes; off += kChunkBytes) {
      store_.put_chunk(expected_ + 1, text_.substr(off, kChunkBytes), chunk_keys_);
    }
    text_.erase(0, off);
  }

  void pack() {
    if (unpacked_.empty()) return;
    const std::string text = unpacked_.dump();
    unpacked_ = json::array();
    uLongf n = compressBound(static_cast<uLong>(text.size()));
    std::string out(n, '\0');
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(text.data()),
                  static_cast<uLong>(text.size()), Z_BEST_SPEED) != Z_OK) {
      throw std::runtime_error("state store: zlib could not compress a commit's puts");
    }
    packed_.push_back({std::string(out.data(), n), text.size()});   // a copy: resize() would keep compressBound's capacity
  }

  static std::string unpack(const Packed& p) {
    std::string out(p.size, '\0');
    uLongf n = static_cast<uLongf>(p.size);
    if (uncompress(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(p.bytes.data()),
                   static_cast<uLong>(p.bytes.size())) != Z_OK ||
        n != p.size) {
      throw std::runtime_error("state store: a commit's compressed puts did not decompress");
    }
    return out;
  }

  DynamoStateStore& store_;
  long expected_;
  std::string text_ = "{\"puts\":[";   // the write-ahead record not yet put
  bool any_put_ = false;
  json unpacked_ = json::array();   // [sk, rec] pairs not yet compressed
  std::vector<Packed> packed_;
  json deletes_ = json::array();
  long cold_delta_ = 0;
  std::vector<std::string> chunk_keys_;
  bool done_ = false;
};

std::unique_ptr<PartCommit> DynamoStateStore::begin_commit(long expected_version) {
  if (layout_ != kLayout) return nullptr;   // an older table is committed whole (every record moves)
  return std::make_unique<DynamoPartCommit>(*this, expected_version);
}

}  // namespace

json dynamodb_table_definition(const std::string& table) {
  return {{"TableName", table},
          {"KeySchema", json::array({{{"AttributeName", "pk"}, {"KeyType", "HASH"}}, {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}})},
          {"AttributeDefinitions",
           json::array({{{"AttributeName", "pk"}, {"AttributeType", "S"}}, {{"AttributeName", "sk"}, {"AttributeType", "S"}}})},
          {"BillingMode", "PAY_PER_REQUEST"}};
}

std::unique_ptr<StateStore> open_dynamodb_state_store(std::shared_ptr<aws::DynamoDbClient> client, const std::string& table,
                                                      const std::string& scope, bool create_table) {
  if (table.empty()) throw std::runtime_error("state store: the DynamoDB table name is empty (set watch.dynamodb_table)");
  return std::make_unique<DynamoStateStore>(std::move(client), table, scope, create_table);
}

}  // namespace pingwatch::monitor
