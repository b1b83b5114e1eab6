#include "monitor/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace pingwatch::monitor {
namespace {

using namespace std::chrono_literals;

WallClock::time_point at(long long epoch_seconds) { return WallClock::time_point(std::chrono::seconds(epoch_seconds)); }

TEST(Scheduler, NextRunIsTheNextMinuteBoundary) {
  EXPECT_EQ(next_run_time(at(1712910437), 60s, true), at(1712910480));
  EXPECT_EQ(next_run_time(at(1712910480), 60s, true), at(1712910540));   // strictly after
  EXPECT_EQ(next_run_time(at(1712910437), 300s, true), at(1712910600));
  EXPECT_EQ(next_run_time(at(1712910437), 60s, false), at(1712910497));
}

TEST(Scheduler, RunsOnAlignedSlotsAndSkipsMissedOnes) {
  std::mutex m;
  WallClock::time_point now = at(1712910437);
  std::vector<WallClock::time_point> runs;
  StopSignal stop;
  Scheduler::Hooks hooks;
  hooks.now = [&] {
    std::lock_guard lock(m);
    return now;
  };
  hooks.wait_until = [&](StopSignal& s, WallClock::time_point t) {
    std::lock_guard lock(m);
    now = t;
    return !s.stop_requested();
  };
  Scheduler scheduler(stop, hooks);
  scheduler.add({"publish", 60s, true, true, [&] {
                   std::lock_guard lock(m);
                   runs.push_back(now);
                   if (runs.size() == 2) now += 150s;   // an overrun of 2.5 minutes
                   if (runs.size() == 4) stop.request_stop();
                 }});
  scheduler.run();
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0], at(1712910437));   // at once on start
  EXPECT_EQ(runs[1], at(1712910480));   // then on the minute
  EXPECT_EQ(runs[2], at(1712910660));   // 480 + 150 = 630 -> next boundary 660: missed slots skipped
  EXPECT_EQ(runs[3], at(1712910720));
}

TEST(Scheduler, AFailingRunIsReportedAndRunsAgain) {
  StopSignal stop;
  std::atomic<int> runs{0};
  std::vector<std::string> errors;
  Scheduler::Hooks hooks;
  hooks.wait_until = [](StopSignal& s, WallClock::time_point) { return !s.stop_requested(); };
  hooks.on_error = [&](const std::string& task, const std::string& what) { errors.push_back(task + ": " + what); };
  Scheduler scheduler(stop, hooks);
  scheduler.add({"flaky", 60s, true, true, [&] {
                   if (++runs == 3) stop.request_stop();
                   throw std::runtime_error("endpoint unreachable");
                 }});
  scheduler.run();
  EXPECT_EQ(runs, 3);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "flaky: endpoint unreachable");
}

TEST(Scheduler, StopWakesAWaitingTaskAndLetsARunningOneFinish) {
  StopSignal stop;
  std::atomic<bool> long_run_finished{false};
  std::atomic<int> waiting_runs{0};
  Scheduler scheduler(stop);
  scheduler.add({"long", 3600s, true, true, [&] {
                   std::this_thread::sleep_for(200ms);
                   long_run_finished = true;
                 }});
  scheduler.add({"waiting", 3600s, true, false, [&] { ++waiting_runs; }});
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    stop.request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  scheduler.run();
  stopper.join();
  EXPECT_TRUE(long_run_finished);   // the run in flight completed
  EXPECT_EQ(waiting_runs, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);   // the hour-long wait was cut short
}

}  // namespace
}  // namespace pingwatch::monitor
