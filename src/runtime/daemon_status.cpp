#include "runtime/daemon_status.h"

#include <chrono>

#include "aws/request_observer.h"

namespace pingwatch::runtime {
namespace {

class BoardRequestObserver final : public aws::RequestObserver {
 public:
  explicit BoardRequestObserver(StatusBoard& board) : board_(board) {}
  void on_attempt(std::string_view service, std::string_view operation, aws::AttemptOutcome outcome) noexcept override {
    try {
      board_.count_aws_attempt(service, operation, aws::to_string(outcome));
    } catch (...) {
      // Counting must never fail a request (only allocation can throw here); the count is lost, nothing else.
    }
  }

 private:
  StatusBoard& board_;
};

}  // namespace

DaemonStatus::DaemonStatus(const monitor::Settings& settings, const ListenAddress& address, bool watch_runs) {
  if (watch_runs) loader_ = std::make_unique<NodeStateLoader>(board_, watch_state_opener(settings));
  server_ = std::make_unique<StatusServer>(board_, address);
  aws::set_request_observer(std::make_shared<BoardRequestObserver>(board_));
}

DaemonStatus::~DaemonStatus() {
  aws::set_request_observer(nullptr);
  server_.reset();
  loader_.reset();
}

void DaemonStatus::prepare(monitor::JobContext& context) {
  context.on_watch_cycle = [this](const std::string& scope, const monitor::WatchCycleResult& cycle) {
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    board_.record_watch_cycle(scope, cycle, now);
    if (loader_) loader_->request(scope);
  };
}

void DaemonStatus::finished(const std::string& job, const monitor::JobResult& result) {
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  board_.job_finished(job, result, now);
}

}  // namespace pingwatch::runtime
