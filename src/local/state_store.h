#pragma once
// --state FILE: every service's save() document and the simulated clock, in one SQLite file, written in a
// single transaction so a crash mid-save leaves the previous state intact.
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

struct sqlite3;

namespace pingwatch::local {

class StateStore {
 public:
  explicit StateStore(const std::string& path);   // opens or creates; throws std::runtime_error naming the file
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  void save(const std::map<std::string, nlohmann::json>& states, double sim_now);
  std::map<std::string, nlohmann::json> load() const;
  std::optional<double> saved_sim_now() const;
  const std::string& path() const { return path_; }

 private:
  void exec(const char* sql) const;
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace pingwatch::local
