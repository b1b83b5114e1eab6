#pragma once
// Runs named tasks on fixed intervals, each on its own thread (a slow sync-alarms cycle must not delay
// publish), aligned to multiples of the interval (the minute boundary for 60 s) as EventBridge's
// rate(1 minute) would. A run that overruns skips the slots it missed instead of queueing them.
// A stop request lets every run in flight finish; no new run starts.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace pingwatch::monitor {

using WallClock = std::chrono::system_clock;

// The first slot strictly after `now`: the next multiple of `interval` since the epoch when aligned,
// else now + interval.
WallClock::time_point next_run_time(WallClock::time_point now, std::chrono::seconds interval, bool align);

// A stop flag that waiting threads notice at once (set from the signal-watching thread).
class StopSignal {
 public:
  void request_stop();
  bool stop_requested() const;
  // Sleeps until `until` or a stop request; returns false when stopped.
  bool wait_until(WallClock::time_point until);

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
};

struct ScheduledTask {
  std::string name;
  std::chrono::seconds interval{60};
  bool align = true;
  bool run_at_start = true;       // first run at once, then on the aligned slots
  std::function<void()> run;      // exceptions are reported through on_error and the task keeps its schedule
};

class Scheduler {
 public:
  struct Hooks {
    std::function<WallClock::time_point()> now;                              // default system_clock::now
    std::function<bool(StopSignal&, WallClock::time_point)> wait_until;      // default StopSignal::wait_until
    std::function<void(const std::string& task, const std::string& what)> on_error;
  };
  explicit Scheduler(StopSignal& stop, Hooks hooks = {});

  void add(ScheduledTask task);
  // Blocks until a stop is requested and every task's thread has finished its run in flight.
  void run();

 private:
  void loop(const ScheduledTask& task);
  StopSignal& stop_;
  Hooks hooks_;
  std::vector<ScheduledTask> tasks_;
};

}  // namespace pingwatch::monitor
