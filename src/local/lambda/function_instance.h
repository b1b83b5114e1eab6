#pragma once
// One warm execution environment of a function, run the way AWS runs a runtime: a Runtime API server
// (cpp-httplib on 127.0.0.1, a free port) and the runtime as a child process that long-polls it (the function's
// `bootstrap` for a custom runtime, the interpreter and its runtime client for a managed one). Invocations are serialised; the deadline is enforced by killing the process.
#include <chrono>
#include <functional>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace pingwatch::local::lambda {

class ChildProcess;

struct InstanceConfig {
  std::string function_name;
  std::string function_arn;
  std::string code_dir;             // LAMBDA_TASK_ROOT, holds bootstrap
  // The runtime process: empty for a custom runtime (code_dir/bootstrap), else argv of a managed runtime's
  // interpreter and client (e.g. /usr/bin/python3 -s <client>).
  std::vector<std::string> command;
  int timeout_seconds = 3;          // wall seconds
  int memory_mb = 128;
  std::map<std::string, std::string> environment;   // the complete environment of the bootstrap process,
                                                     // except AWS_LAMBDA_RUNTIME_API which the instance adds
};

struct InvokeResult {
  std::string payload;             // the response body, or the error document
  bool function_error = false;     // X-Amz-Function-Error: Unhandled
  std::string request_id;
  double duration_ms = 0;
};

class FunctionInstance {
 public:
  using LogSink = std::function<void(const std::string& line)>;
  FunctionInstance(InstanceConfig config, LogSink log);
  ~FunctionInstance();
  FunctionInstance(const FunctionInstance&) = delete;
  FunctionInstance& operator=(const FunctionInstance&) = delete;

  // Runs one invocation to completion (or timeout). Serialised: concurrent callers wait their turn.
  InvokeResult invoke(const std::string& payload);
  int runtime_api_port() const { return port_; }
  bool warm() const;   // a bootstrap process is running

 private:
  struct Invocation {
    std::string id, payload, trace_id;
    long long deadline_ms = 0;     // wall epoch ms, set when handed to the runtime
    bool handed_out = false, done = false, error = false;
    std::string result;
  };

  void start_server();
  void start_process();              // caller holds invoke_mutex_, not mutex_
  void stop_process();               // caller holds invoke_mutex_, not mutex_
  std::string error_document(const std::string& type, const std::string& message) const;

  InstanceConfig config_;
  LogSink log_;
  std::unique_ptr<httplib::Server> server_;
  std::thread server_thread_;
  int port_ = 0;

  std::mutex invoke_mutex_;          // one invocation at a time
  mutable std::mutex mutex_;         // the state below, shared with Runtime API handlers and the reaper
  std::condition_variable changed_;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<Invocation> pending_;   // waiting for /next, or in progress
  bool process_running_ = false;
  std::optional<std::string> exit_description_;
  std::optional<std::string> init_error_;   // body posted to /runtime/init/error
  bool stopping_ = false;
  unsigned long long generation_ = 0;   // bumped when a process starts or ends: stale /next polls give up
};

}  // namespace pingwatch::local::lambda
