#pragma once
// How the long-running commands (`pingwatch run`, `pingwatch local`) stop: SIGINT and SIGTERM are taken
// synchronously. A StopSignals blocks both in the thread that makes it, before that thread starts any other
// (threads inherit the mask, so none of them is interrupted), and wait() takes them in one chosen thread: a stop
// is then a plain value, never work inside a signal handler.
#include <signal.h>

#include <string_view>

namespace pingwatch::runtime {

class StopSignals {
 public:
  StopSignals();   // blocks SIGINT and SIGTERM in the calling thread
  // Waits for SIGINT or SIGTERM (sent to the process, or to the waiting thread to wake it) and names it.
  std::string_view wait() const;

 private:
  sigset_t signals_;
};

}  // namespace pingwatch::runtime
