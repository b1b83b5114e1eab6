#pragma once
// Loads each account-region's watch state from its store (SQLite or DynamoDB) after the cycle that wrote it,
// on a thread of its own: the job only asks (a set insert), the reading happens off the job's time.
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "monitor/config.h"
#include "monitor/state_store.h"
#include "runtime/status_board.h"

namespace pingwatch::runtime {

class NodeStateLoader {
 public:
  using OpenStore = std::function<std::unique_ptr<monitor::StateStore>(const std::string& scope)>;
  NodeStateLoader(StatusBoard& board, OpenStore open_store);
  ~NodeStateLoader();   // finishes the load in flight, then joins
  NodeStateLoader(const NodeStateLoader&) = delete;
  NodeStateLoader& operator=(const NodeStateLoader&) = delete;

  // Load this scope again soon. Requests for a scope already waiting are merged.
  void request(const std::string& scope);
  // Loads every requested scope now, on the caller's thread (tests).
  void drain();

 private:
  void loop();
  void load(const std::string& scope);

  StatusBoard& board_;
  OpenStore open_store_;
  std::mutex load_mutex_;   // one load at a time (the thread's and drain()'s)
  std::map<std::string, std::unique_ptr<monitor::StateStore>> stores_;   // under load_mutex_
  std::mutex mutex_;
  std::condition_variable cv_;
  std::set<std::string> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

// Opens the store watch itself uses for a scope, from the same [watch] settings (state_path or dynamodb_table).
NodeStateLoader::OpenStore watch_state_opener(const monitor::Settings& settings);

}  // namespace pingwatch::runtime
