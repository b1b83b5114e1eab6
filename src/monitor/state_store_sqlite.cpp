// SQLite backend of the watch state: WAL journal, one IMMEDIATE transaction per commit, so the node
// records and the cycle's outbox entries become durable together or not at all.
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <stdexcept>

#include <fmt/format.h>

#include "monitor/state_store.h"

namespace pingwatch::monitor {

namespace {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(fmt::format("state store: cannot prepare '{}': {}", sql, sqlite3_errmsg(db)));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, long long v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(fmt::format("state store: {}", sqlite3_errmsg(db_)));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  long long integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteStateStore : public StateStore {
 public:
  SqliteStateStore(std::string path, std::string scope) : path_(std::move(path)), scope_(std::move(scope)) {
    const auto parent = std::filesystem::path(path_).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) throw std::runtime_error("state store: cannot create directory " + parent.string() + ": " + ec.message());
    }
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("state store: cannot open " + path_ + ": " + msg + " (check --state)");
    }
    sqlite3_busy_timeout(db_, 10000);
    use_wal();
    exec("PRAGMA synchronous=FULL");   // a commit that returned survives power loss: the outbox relies on it
    exec("CREATE TABLE IF NOT EXISTS watch_meta (scope TEXT PRIMARY KEY, version INTEGER NOT NULL, "
         "baseline INTEGER NOT NULL, cycle INTEGER NOT NULL, last_full_cycle INTEGER NOT NULL)");
    exec("CREATE TABLE IF NOT EXISTS watch_nodes (scope TEXT NOT NULL, instance_id TEXT NOT NULL, "
         "condition TEXT NOT NULL, ping_status TEXT, since REAL, last_ping REAL, alerted INTEGER, record TEXT NOT NULL, "
         "PRIMARY KEY (scope, instance_id))");
    exec("CREATE TABLE IF NOT EXISTS watch_outbox (scope TEXT NOT NULL, notice_id TEXT NOT NULL, status TEXT NOT NULL, "
         "attempts INTEGER NOT NULL DEFAULT 0, created_at REAL, claimed_at REAL, claimed_by TEXT, sent_at REAL, "
         "message_id TEXT, subject TEXT, notice TEXT NOT NULL, PRIMARY KEY (scope, notice_id))");
  }
  ~SqliteStateStore() override { sqlite3_close(db_); }

  std::string describe() const override { return "sqlite:" + path_ + " (" + scope_ + ")"; }

  StoredState load() override { return read(false); }
  StoredState load_meta() override {
    StoredState s;
    read_meta(s);
    return s;
  }
  StoredState load_compact() override { return read(true); }

  bool streams_records() const override { return true; }
  // A page of rows at a time, by id: each page's statement is done before its records are handed over, so a
  // part commit may write between pages (SQLite leaves a scan of a table written meanwhile undefined).
  void for_each_record(const std::function<void(core::NodeRecord&& record)>& on_record) override {
    Statement page(db_, "SELECT instance_id, record FROM watch_nodes WHERE scope = ? AND instance_id > ? "
                        "ORDER BY instance_id LIMIT 512");
    std::string after;
    for (bool more = true; more;) {
      std::vector<std::string> texts;
      page.bind(1, scope_).bind(2, after);
      while (page.step()) {
        after = page.text(0);
        texts.push_back(page.text(1));
      }
      page.reset();
      more = texts.size() == 512;
      for (const auto& t : texts) on_record(record_from_json(nlohmann::json::parse(t)));
    }
  }

  std::unique_ptr<PartCommit> begin_commit(long expected_version) override;

  std::vector<core::NodeRecord> load_records(const std::vector<std::string>& ids) override {
    std::vector<core::NodeRecord> out;
    Statement q(db_, "SELECT record FROM watch_nodes WHERE scope = ? AND instance_id = ?");
    for (const auto& id : ids) {
      q.bind(1, scope_).bind(2, id);
      if (q.step()) out.push_back(record_from_json(nlohmann::json::parse(q.text(0))));
      q.reset();
    }
    return out;
  }

  bool commit(long expected_version, const core::WatchState& previous, const core::WatchState& next,
              const std::vector<core::Notice>& notices, double now) override {
    if (!begin(expected_version)) return false;
    try {
      write_diff(previous, next);
      finish(expected_version, next, notices, now);
      return true;
    } catch (...) {
      rollback();
      throw;
    }
  }

  // BEGIN IMMEDIATE takes the write lock now (two writers serialise here); false, rolled back, when another
  // run committed since the version expected was read.
  bool begin(long expected_version) {
    exec("BEGIN IMMEDIATE");
    try {
      long version = 0;
      Statement v(db_, "SELECT version FROM watch_meta WHERE scope = ?");
      v.bind(1, scope_);
      if (v.step()) version = static_cast<long>(v.integer(0));
      if (version == expected_version) return true;
    } catch (...) {
      rollback();
      throw;
    }
    rollback();
    return false;
  }

  void rollback() { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

  void write_diff(const core::WatchState& previous, const core::WatchState& next) {
    const auto diff = diff_states(previous, next);
    Statement up(db_,
                 "INSERT INTO watch_nodes (scope, instance_id, condition, ping_status, since, last_ping, alerted, record) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, instance_id) DO UPDATE SET "
                 "condition = excluded.condition, ping_status = excluded.ping_status, since = excluded.since, "
                 "last_ping = excluded.last_ping, alerted = excluded.alerted, record = excluded.record");
    for (const auto& id : diff.upserts) {
      const auto& r = next.nodes.at(id);
      up.bind(1, scope_).bind(2, id).bind(3, std::string(core::to_string(r.condition))).bind(4, r.ssm_status);
      up.bind(5, r.since).bind(6, r.last_ping.value_or(0.0)).bind(7, static_cast<long long>(r.alerted));
      up.bind(8, record_to_json(r).dump());
      up.step();
      up.reset();
    }
    Statement del(db_, "DELETE FROM watch_nodes WHERE scope = ? AND instance_id = ?");
    for (const auto& id : diff.removals) {
      del.bind(1, scope_).bind(2, id);
      del.step();
      del.reset();
    }
  }

  // The notices, the meta, the purge of old sent notices, COMMIT.
  void finish(long expected_version, const core::WatchState& next, const std::vector<core::Notice>& notices, double now) {
    // INSERT OR IGNORE: a notice id recorded earlier (a recomputed cycle) keeps its status.
    Statement ins(db_, "INSERT OR IGNORE INTO watch_outbox (scope, notice_id, status, attempts, created_at, subject, notice) "
                       "VALUES (?, ?, 'pending', 0, ?, ?, ?)");
    for (const auto& n : notices) {
      ins.bind(1, scope_).bind(2, n.id).bind(3, now).bind(4, n.subject).bind(5, notice_to_json(n).dump());
      ins.step();
      ins.reset();
    }
    Statement meta(db_, "INSERT INTO watch_meta (scope, version, baseline, cycle, last_full_cycle) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT (scope) DO UPDATE SET version = excluded.version, baseline = excluded.baseline, "
                        "cycle = excluded.cycle, last_full_cycle = excluded.last_full_cycle");
    meta.bind(1, scope_).bind(2, static_cast<long long>(expected_version + 1));
    meta.bind(3, static_cast<long long>(next.baseline)).bind(4, static_cast<long long>(next.cycle));
    meta.bind(5, static_cast<long long>(next.last_full_cycle));
    meta.step();
    // Sent notices are kept a week for inspection, then dropped.
    Statement purge(db_, "DELETE FROM watch_outbox WHERE scope = ? AND status = 'sent' AND sent_at < ?");
    purge.bind(1, scope_).bind(2, now - 7 * 86400.0);
    purge.step();
    exec("COMMIT");
  }

  // Meta and every record; with `compact`, quiet records become QuietNode (one parsed record at a time).
  void read_meta(StoredState& s) {
    Statement meta(db_, "SELECT version, baseline, cycle, last_full_cycle FROM watch_meta WHERE scope = ?");
    meta.bind(1, scope_);
    if (meta.step()) {
      s.version = static_cast<long>(meta.integer(0));
      s.watch.baseline = meta.integer(1) != 0;
      s.watch.cycle = static_cast<long>(meta.integer(2));
      s.watch.last_full_cycle = static_cast<long>(meta.integer(3));
    }
  }

  StoredState read(bool compact) {
    StoredState s;
    read_meta(s);
    Statement nodes(db_, "SELECT record FROM watch_nodes WHERE scope = ?");
    nodes.bind(1, scope_);
    while (nodes.step()) {
      auto r = record_from_json(nlohmann::json::parse(nodes.text(0)));
      if (compact && core::is_quiet(r)) {
        s.quiet.push_back(core::quiet_node(r));
        continue;
      }
      std::string id = r.instance_id;
      s.watch.nodes.emplace(std::move(id), std::move(r));
    }
    return s;
  }

  std::vector<OutboxEntry> unsent() override {
    std::vector<OutboxEntry> out;
    Statement q(db_, "SELECT notice, status, attempts, created_at, claimed_at, claimed_by, sent_at, message_id "
                     "FROM watch_outbox WHERE scope = ? AND status <> 'sent' ORDER BY created_at, notice_id");
    q.bind(1, scope_);
    while (q.step()) {
      OutboxEntry e;
      e.notice = notice_from_json(nlohmann::json::parse(q.text(0)));
      e.status = parse_outbox_status(q.text(1)).value_or(OutboxStatus::Pending);
      e.attempts = static_cast<int>(q.integer(2));
      e.created_at = q.real(3);
      e.claimed_at = q.real(4);
      e.claimed_by = q.text(5);
      e.sent_at = q.real(6);
      e.message_id = q.text(7);
      out.push_back(std::move(e));
    }
    return out;
  }

  bool claim(const std::string& id, const std::string& owner, double now, double lease_seconds) override {
    Statement q(db_, "UPDATE watch_outbox SET status = 'sending', attempts = attempts + 1, claimed_at = ?, claimed_by = ? "
                     "WHERE scope = ? AND notice_id = ? AND (status = 'pending' OR (status = 'sending' AND claimed_at <= ?))");
    q.bind(1, now).bind(2, owner).bind(3, scope_).bind(4, id).bind(5, now - lease_seconds);
    q.step();
    return sqlite3_changes(db_) == 1;
  }

  void mark_sent(const std::string& id, const std::string& message_id, double now) override {
    Statement q(db_, "UPDATE watch_outbox SET status = 'sent', sent_at = ?, message_id = ? WHERE scope = ? AND notice_id = ?");
    q.bind(1, now).bind(2, message_id).bind(3, scope_).bind(4, id);
    q.step();
  }

  void release(const std::string& id) override {
    Statement q(db_, "UPDATE watch_outbox SET status = 'pending' WHERE scope = ? AND notice_id = ? AND status = 'sending'");
    q.bind(1, scope_).bind(2, id);
    q.step();
  }

 private:
  // Set once per file. Changing the journal mode does not wait for the busy timeout: while another scope of
  // the file (another connection) holds a write transaction, e.g. a streamed full inventory's part commit, it
  // answers "database is locked" at once. Another connection may have set it meanwhile: look again, then retry.
  void use_wal() {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);   // as the busy timeout
    while (journal_mode() != "wal") {
      if (sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) == SQLITE_OK) continue;
      if (sqlite3_errcode(db_) != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up) {
        exec("PRAGMA journal_mode=WAL");   // the error, with its message
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::string journal_mode() {
    Statement q(db_, "PRAGMA journal_mode");
    return q.step() ? q.text(0) : std::string();
  }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw std::runtime_error(fmt::format("state store {}: {} failed: {}", path_, sql, msg));
    }
  }

  std::string path_;
  std::string scope_;
  sqlite3* db_ = nullptr;
};

// One transaction from begin to finish; rolled back when dropped unfinished or when a write fails.
class SqlitePartCommit : public PartCommit {
 public:
  SqlitePartCommit(SqliteStateStore& store, long expected_version)
      : store_(store), expected_(expected_version), open_(store.begin(expected_version)) {}
  ~SqlitePartCommit() override {
    if (open_) store_.rollback();
  }
  SqlitePartCommit(const SqlitePartCommit&) = delete;
  SqlitePartCommit& operator=(const SqlitePartCommit&) = delete;

  void write(const core::WatchState& previous, const core::WatchState& next) override {
    if (open_) store_.write_diff(previous, next);   // lost already: nothing to write, finish() says so
  }
  bool finish(const core::WatchState& next, const std::vector<core::Notice>& notices, double now) override {
    if (!open_) return false;
    store_.finish(expected_, next, notices, now);
    open_ = false;
    return true;
  }

 private:
  SqliteStateStore& store_;
  long expected_;
  bool open_;
};

std::unique_ptr<PartCommit> SqliteStateStore::begin_commit(long expected_version) {
  return std::make_unique<SqlitePartCommit>(*this, expected_version);
}

}  // namespace

std::unique_ptr<StateStore> open_sqlite_state_store(const std::string& path, const std::string& scope) {
  return std::make_unique<SqliteStateStore>(path, scope);
}

}  // namespace pingwatch::monitor
