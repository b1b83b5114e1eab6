#include "runtime/stop_signals.h"

#include <pthread.h>

namespace pingwatch::runtime {

StopSignals::StopSignals() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

std::string_view StopSignals::wait() const {
  int received = 0;
  sigwait(&signals_, &received);
  return received == SIGINT ? "SIGINT" : "SIGTERM";
}

}  // namespace pingwatch::runtime
