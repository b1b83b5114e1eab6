#include "local/lambda/function_instance.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "local/lambda/child_process.h"
#include "local/sns/wire_util.h"

namespace pingwatch::local::lambda {
namespace {

constexpr auto kInitLimit = std::chrono::seconds(10);   // AWS's init phase limit for on-demand functions

long long wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string trace_id() {
  // Root=1-<8 hex epoch seconds>-<24 hex>, the X-Ray format Lambda passes even when tracing is off.
  std::string random = wire::uuid4();
  random.erase(std::remove(random.begin(), random.end(), '-'), random.end());
  return fmt::format("Root=1-{:08x}-{};Parent={};Sampled=0", wall_ms() / 1000, random.substr(0, 24),
                     random.substr(16, 16));
}

void invalid_request_id(httplib::Response& res) {
  res.status = 400;
  res.set_content(R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})", "application/json");
}

}  // namespace

FunctionInstance::FunctionInstance(InstanceConfig config, LogSink log)
    : config_(std::move(config)), log_(std::move(log)) {
  start_server();
}

FunctionInstance::~FunctionInstance() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ++generation_;
  }
  changed_.notify_all();
  {
    std::lock_guard serial(invoke_mutex_);
    stop_process();
  }
  if (server_) server_->stop();
  if (server_thread_.joinable()) server_thread_.join();
}

bool FunctionInstance::warm() const {
  std::lock_guard lock(mutex_);
  return process_running_;
}

std::string FunctionInstance::error_document(const std::string& type, const std::string& message) const {
  return nlohmann::json{{"errorType", type}, {"errorMessage", message}}.dump();
}

void FunctionInstance::start_server() {
  server_ = std::make_unique<httplib::Server>();
  // A runtime holds one long poll and posts one result at a time: a small pool is plenty.
  server_->new_task_queue = [] { return new httplib::ThreadPool(4); };

  server_->Get("/2018-06-01/runtime/invocation/next", [this](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(mutex_);
    const auto generation = generation_;
    while (!stopping_ && generation_ == generation && !(pending_ && !pending_->handed_out))
      changed_.wait_for(lock, std::chrono::seconds(1));
    if (stopping_ || generation_ != generation) {
      res.status = 500;
      res.set_content(R"({"errorMessage":"The execution environment is shutting down","errorType":"Runtime.Shutdown"})",
                      "application/json");
      return;
    }
    auto invocation = pending_;
    invocation->handed_out = true;
    invocation->deadline_ms = wall_ms() + config_.timeout_seconds * 1000LL;
    changed_.notify_all();
    res.set_header("Lambda-Runtime-Aws-Request-Id", invocation->id);
    res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(invocation->deadline_ms));
    res.set_header("Lambda-Runtime-Invoked-Function-Arn", config_.function_arn);
    res.set_header("Lambda-Runtime-Trace-Id", invocation->trace_id);
    res.set_content(invocation->payload, "application/json");
  });

  auto finish = [this](const httplib::Request& req, httplib::Response& res, bool error) {
    const std::string id = req.matches[1];
    std::lock_guard lock(mutex_);
    if (!pending_ || pending_->id != id || !pending_->handed_out || pending_->done) return invalid_request_id(res);
    pending_->done = true;
    pending_->error = error;
    pending_->result = req.body;
    if (error) {
      auto parsed = nlohmann::json::parse(req.body, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        std::string type = req.get_header_value("Lambda-Runtime-Function-Error-Type");
        pending_->result = error_document(type.empty() ? "Unhandled" : type, req.body);
      }
    }
    changed_.notify_all();
    res.status = 202;
    res.set_content(R"({"status":"OK"})", "application/json");
  };
  server_->Post(R"(/2018-06-01/runtime/invocation/([^/]+)/response)",
                [finish](const httplib::Request& req, httplib::Response& res) { finish(req, res, false); });
  server_->Post(R"(/2018-06-01/runtime/invocation/([^/]+)/error)",
                [finish](const httplib::Request& req, httplib::Response& res) { finish(req, res, true); });

  server_->Post("/2018-06-01/runtime/init/error", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    auto parsed = nlohmann::json::parse(req.body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      std::string type = req.get_header_value("Lambda-Runtime-Function-Error-Type");
      init_error_ = error_document(type.empty() ? "Runtime.Unknown" : type, req.body);
    } else {
      init_error_ = req.body;
    }
    changed_.notify_all();
    res.status = 202;
    res.set_content(R"({"status":"OK"})", "application/json");
  });

  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind the Runtime API server for " + config_.function_name);
  server_thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 200 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void FunctionInstance::start_process() {
  std::vector<std::string> command = config_.command;
  if (command.empty()) {
    const std::filesystem::path bootstrap = std::filesystem::path(config_.code_dir) / "bootstrap";
    if (!std::filesystem::exists(bootstrap))
      throw std::runtime_error("Couldn't find valid bootstrap(s): [" + bootstrap.string() + "]");
    command = {bootstrap.string()};
  } else if (command.front().empty() || ::access(command.front().c_str(), X_OK) != 0) {
    throw std::runtime_error("Couldn't start the runtime: no interpreter at '" + command.front() +
                             "' (set PINGWATCH_LAMBDA_PYTHON to a python3)");
  }
  auto environment = config_.environment;
  environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + std::to_string(port_);
  unsigned long long generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = ++generation_;
    init_error_.reset();
    exit_description_.reset();
    process_running_ = true;
  }
  changed_.notify_all();
  const std::string name = config_.function_name;
  try {
    process_ = std::make_unique<ChildProcess>(
        command, environment, config_.code_dir, [this](const std::string& line) { log_(line); },
        [this, generation](int status) {
          std::lock_guard lock(mutex_);
          if (generation_ != generation) return;
          process_running_ = false;
          exit_description_ = describe_exit(status);
          ++generation_;
          changed_.notify_all();
        });
  } catch (...) {
    std::lock_guard lock(mutex_);
    process_running_ = false;
    throw;
  }
}

void FunctionInstance::stop_process() {
  std::unique_ptr<ChildProcess> process;
  {
    std::lock_guard lock(mutex_);
    process = std::move(process_);
    ++generation_;
    process_running_ = false;
  }
  changed_.notify_all();
  process.reset();   // kills the group and joins its threads; must not hold mutex_ (the reaper takes it)
}

InvokeResult FunctionInstance::invoke(const std::string& payload) {
  std::lock_guard serial(invoke_mutex_);
  const auto started = std::chrono::steady_clock::now();
  auto invocation = std::make_shared<Invocation>();
  invocation->id = wire::uuid4();
  invocation->payload = payload;
  invocation->trace_id = trace_id();
  InvokeResult result;
  result.request_id = invocation->id;
  auto fail = [&](const std::string& type, const std::string& message) {
    result.function_error = true;
    result.payload = error_document(type, "RequestId: " + invocation->id + " Error: " + message);
  };

  bool running = false;
  {
    std::lock_guard lock(mutex_);
    running = process_running_;
  }
  if (!running) {
    stop_process();   // reap a process that died between invocations
    try {
      start_process();
    } catch (const std::exception& e) {
      fail("Runtime.InvalidEntrypoint", e.what());
      return result;
    }
  }
  log_("START RequestId: " + invocation->id + " Version: $LATEST");

  std::unique_lock lock(mutex_);
  pending_ = invocation;
  changed_.notify_all();
  // Phase 1: the runtime picks the event up (bounded by the init limit plus the timeout on a cold start).
  const auto pickup_deadline = started + kInitLimit + std::chrono::seconds(config_.timeout_seconds);
  changed_.wait_until(lock, pickup_deadline, [&] {
    return invocation->handed_out || init_error_.has_value() || !process_running_ || stopping_;
  });
  // Phase 2: it answers before its deadline.
  if (invocation->handed_out && !init_error_) {
    const auto budget = std::chrono::milliseconds(std::max(0LL, invocation->deadline_ms - wall_ms()));
    changed_.wait_for(lock, budget, [&] { return invocation->done || !process_running_ || stopping_; });
  }
  bool kill = false;
  if (invocation->done) {
    result.payload = invocation->result;
    result.function_error = invocation->error;
  } else if (init_error_) {
    result.payload = *init_error_;
    result.function_error = true;
    kill = true;
  } else if (!process_running_) {
    fail("Runtime.ExitError", "Runtime exited with error: " + exit_description_.value_or("unknown status"));
  } else if (stopping_) {
    fail("Runtime.Shutdown", "The execution environment was shut down");
    kill = true;
  } else {
    fail("Sandbox.Timedout", fmt::format("Task timed out after {:.2f} seconds", static_cast<double>(config_.timeout_seconds)));
    log_(wire::iso8601_millis_z(static_cast<double>(wall_ms()) / 1000.0) + " " + invocation->id +
         fmt::format(" Task timed out after {:.2f} seconds", static_cast<double>(config_.timeout_seconds)));
    kill = true;
  }
  pending_.reset();
  lock.unlock();
  // A timed-out or failed-init environment is discarded, as AWS does; the next invocation starts cold. Either way
  // the handler's output is in the log before END (a discarded process's readers drain its pipes as they end).
  if (kill) stop_process();
  else if (process_) process_->flush_output();

  result.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  log_("END RequestId: " + invocation->id);
  log_(fmt::format("REPORT RequestId: {}\tDuration: {:.2f} ms\tBilled Duration: {} ms\tMemory Size: {} MB",
                   invocation->id, result.duration_ms, static_cast<long long>(std::ceil(result.duration_ms)),
                   config_.memory_mb));
  return result;
}

}  // namespace pingwatch::local::lambda
