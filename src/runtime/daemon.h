#pragma once
// `pingwatch run`: the jobs on their schedules in one long-lived process (see src/monitor/jobs.h for
// adding a job). JSON log lines on stdout; SIGTERM/SIGINT lets every cycle in flight finish, then exit 0.
#include <optional>
#include <string>
#include <vector>

#include "monitor/config.h"
#include "monitor/jobs.h"
#include "runtime/logging.h"
#include "runtime/status_server.h"

namespace pingwatch::runtime {

struct DaemonOptions {
  std::vector<std::string> jobs{"publish", "sync-alarms"};
  bool run_at_start = true;   // first cycle at once, then on the aligned slots
  std::optional<int> interval_seconds;   // --interval: every job's interval (watch's too), overriding the config
  std::optional<ListenAddress> listen;   // --listen / server.listen: the status server (docs/daemon.md)
};

// Runs until SIGTERM or SIGINT. Returns 0 after a signal, 2 when a job is unknown or its settings are
// unusable (checked before the first cycle).
int run_daemon(const monitor::Settings& settings, monitor::JobClients& clients, const DaemonOptions& options);

}  // namespace pingwatch::runtime
