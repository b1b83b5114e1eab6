#pragma once
// The daemon's side of the status server: what `pingwatch run --listen` adds to the scheduler's tasks.
// Without --listen (the default) none of this exists and the daemon runs exactly as before.
#include <memory>
#include <string>

#include "monitor/config.h"
#include "monitor/jobs.h"
#include "runtime/status_board.h"
#include "runtime/status_loader.h"
#include "runtime/status_server.h"

namespace pingwatch::runtime {

class DaemonStatus {
 public:
  // Binds the server (throws std::runtime_error when it cannot) and starts counting AWS requests.
  // watch_runs: the watch job is scheduled, so node state is loaded from its store after each cycle.
  DaemonStatus(const monitor::Settings& settings, const ListenAddress& address, bool watch_runs);
  ~DaemonStatus();   // stops the server first, then the loader; removes the AWS request observer
  DaemonStatus(const DaemonStatus&) = delete;
  DaemonStatus& operator=(const DaemonStatus&) = delete;

  void add_job(const std::string& name, int interval_seconds) { board_.add_job(name, interval_seconds); }
  // Before a cycle: hooks the watch job's per-scope results (counted; the scope's state reloaded off-thread).
  void prepare(monitor::JobContext& context);
  // After a cycle: its duration, success and time.
  void finished(const std::string& job, const monitor::JobResult& result);
  std::string url() const { return server_->url(); }
  StatusBoard& board() { return board_; }

 private:
  StatusBoard board_;
  std::unique_ptr<NodeStateLoader> loader_;
  std::unique_ptr<StatusServer> server_;
};

}  // namespace pingwatch::runtime
