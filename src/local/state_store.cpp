#include "local/state_store.h"

#include <sqlite3.h>

#include <stdexcept>

namespace pingwatch::local {

namespace {
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  Statement(sqlite3* db, const char* sql, const std::string& path) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error("--state " + path + ": " + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt); }
};
}  // namespace

StateStore::StateStore(const std::string& path) : path_(path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("--state " + path + ": cannot open: " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("CREATE TABLE IF NOT EXISTS service_state (service TEXT PRIMARY KEY, state TEXT NOT NULL, saved_at REAL NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
}

StateStore::~StateStore() { sqlite3_close(db_); }

void StateStore::exec(const char* sql) const {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error("--state " + path_ + ": " + message);
  }
}

void StateStore::save(const std::map<std::string, nlohmann::json>& states, double sim_now) {
  exec("BEGIN IMMEDIATE");
  try {
    Statement put(db_, "INSERT OR REPLACE INTO service_state (service, state, saved_at) VALUES (?, ?, ?)", path_);
    for (const auto& [service, state] : states) {
      const std::string text = state.dump();
      sqlite3_reset(put.stmt);
      sqlite3_bind_text(put.stmt, 1, service.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(put.stmt, 2, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
      sqlite3_bind_double(put.stmt, 3, sim_now);
      if (sqlite3_step(put.stmt) != SQLITE_DONE) throw std::runtime_error("--state " + path_ + ": " + sqlite3_errmsg(db_));
    }
    Statement meta(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('sim_now', ?)", path_);
    const std::string now = std::to_string(sim_now);
    sqlite3_bind_text(meta.stmt, 1, now.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(meta.stmt) != SQLITE_DONE) throw std::runtime_error("--state " + path_ + ": " + sqlite3_errmsg(db_));
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::map<std::string, nlohmann::json> StateStore::load() const {
  std::map<std::string, nlohmann::json> out;
  Statement get(db_, "SELECT service, state FROM service_state", path_);
  while (sqlite3_step(get.stmt) == SQLITE_ROW) {
    const std::string service = reinterpret_cast<const char*>(sqlite3_column_text(get.stmt, 0));
    const char* text = reinterpret_cast<const char*>(sqlite3_column_text(get.stmt, 1));
    auto state = nlohmann::json::parse(text ? text : "{}", nullptr, false);
    if (state.is_discarded()) throw std::runtime_error("--state " + path_ + ": the saved state of " + service + " is corrupt");
    out[service] = std::move(state);
  }
  return out;
}

std::optional<double> StateStore::saved_sim_now() const {
  Statement get(db_, "SELECT value FROM meta WHERE key = 'sim_now'", path_);
  if (sqlite3_step(get.stmt) != SQLITE_ROW) return std::nullopt;
  return std::stod(reinterpret_cast<const char*>(sqlite3_column_text(get.stmt, 0)));
}

}  // namespace pingwatch::local
