#include "monitor/scheduler.h"

#include <exception>
#include <stdexcept>
#include <thread>

namespace pingwatch::monitor {

WallClock::time_point next_run_time(WallClock::time_point now, std::chrono::seconds interval, bool align) {
  if (interval.count() <= 0) throw std::invalid_argument("scheduler: interval must be positive");
  if (!align) return now + interval;
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch());
  const auto step = std::chrono::duration_cast<std::chrono::nanoseconds>(interval);
  const auto slots = since_epoch / step + 1;
  return WallClock::time_point(std::chrono::duration_cast<WallClock::duration>(step * slots));
}

void StopSignal::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::stop_requested() const {
  std::lock_guard lock(mutex_);
  return stop_;
}

bool StopSignal::wait_until(WallClock::time_point until) {
  std::unique_lock lock(mutex_);
  cv_.wait_until(lock, until, [&] { return stop_; });
  return !stop_;
}

Scheduler::Scheduler(StopSignal& stop, Hooks hooks) : stop_(stop), hooks_(std::move(hooks)) {
  if (!hooks_.now) hooks_.now = [] { return WallClock::now(); };
  if (!hooks_.wait_until) hooks_.wait_until = [](StopSignal& s, WallClock::time_point t) { return s.wait_until(t); };
  if (!hooks_.on_error) hooks_.on_error = [](const std::string&, const std::string&) {};
}

void Scheduler::add(ScheduledTask task) {
  if (!task.run) throw std::invalid_argument("scheduler: task " + task.name + " has nothing to run");
  if (task.interval.count() <= 0) throw std::invalid_argument("scheduler: task " + task.name + " needs an interval");
  tasks_.push_back(std::move(task));
}

void Scheduler::loop(const ScheduledTask& task) {
  auto next = task.run_at_start ? hooks_.now() : next_run_time(hooks_.now(), task.interval, task.align);
  while (!stop_.stop_requested()) {
    if (hooks_.now() < next && !hooks_.wait_until(stop_, next)) break;
    if (stop_.stop_requested()) break;
    try {
      task.run();
    } catch (const std::exception& e) {
      hooks_.on_error(task.name, e.what());
    } catch (...) {
      hooks_.on_error(task.name, "unknown exception");
    }
    // From the end of this run: an overrun skips the missed slots rather than running back to back.
    next = next_run_time(hooks_.now(), task.interval, task.align);
  }
}

void Scheduler::run() {
  std::vector<std::thread> threads;
  threads.reserve(tasks_.size());
  for (const auto& task : tasks_) threads.emplace_back([this, &task] { loop(task); });
  for (auto& t : threads) t.join();
}

}  // namespace pingwatch::monitor
