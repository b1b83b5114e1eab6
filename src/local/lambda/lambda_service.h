#pragma once
// The local stack's Lambda (REST-JSON, API 2015-03-31): functions from zip packages, custom runtimes (a `bootstrap`)
// and Python ones (the machine's python3 with the client in python_runtime.py), run as child processes behind a
// Runtime API (function_instance.h). Implements LambdaInvoker for
// EventBridge targets and SNS subscriptions.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "local/lambda/function_instance.h"
#include "local/service.h"

namespace pingwatch::local::lambda {

struct Function {
  std::string name, arn, region;
  std::string runtime, role, handler, description;
  int timeout = 3;
  int memory = 128;
  std::map<std::string, std::string> environment;
  std::string code_dir, code_sha256;
  long long code_size = 0;
  std::string last_modified, revision_id;
  nlohmann::json tags = nlohmann::json::object();
  nlohmann::json policy_statements = nlohmann::json::array();
  std::shared_ptr<FunctionInstance> instance;   // created on first invoke, replaced when code or config change
  // Until then the function is Pending (State, StateReasonCode Creating), as Lambda reports a new function; a default
  // value (a function loaded from saved state) is Active at once.
  std::chrono::steady_clock::time_point active_at{};
};

// How long a new function stays Pending: long enough that a client invoking right after CreateFunction meets the
// ResourceConflictException it would meet on AWS, short enough that a waiter (function_active_v2 polls every second)
// sees Active on its second poll.
inline constexpr std::chrono::milliseconds kPendingAfterCreate{400};

class LambdaService : public Service, public LambdaInvoker {
 public:
  explicit LambdaService(StackContext& context);
  ~LambdaService() override;
  std::string signing_name() const override { return "lambda"; }
  Response handle(const Request& request) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

  nlohmann::json invoke(const std::string& function_name_or_arn, const nlohmann::json& payload, bool async) override;
  // Runs one invocation synchronously; throws ServiceError ResourceNotFoundException for an unknown function.
  InvokeResult invoke_raw(const std::string& function_name_or_arn, const std::string& payload);
  // Waits until queued Event invocations are done (tests); false on timeout.
  bool wait_for_async(std::chrono::milliseconds timeout);

 private:
  Response create_function(const Request& r);
  Response get_function(const Request& r, const std::string& name);
  std::string code_location(const std::string& name) const;
  Response get_function_configuration(const std::string& name);
  Response list_functions(const Request& r);
  Response delete_function(const std::string& name);
  Response update_function_code(const Request& r, const std::string& name);
  Response update_function_configuration(const Request& r, const std::string& name);
  Response invoke_action(const Request& r, const std::string& name);
  Response add_permission(const Request& r, const std::string& name);
  Response get_policy(const std::string& name);
  Response local_endpoint(const Request& r);

  nlohmann::json configuration(const Function& f) const;
  Function& find(const std::string& name_or_arn);   // caller holds mutex_; throws ResourceNotFoundException
  std::shared_ptr<FunctionInstance> instance_for(const std::string& name_or_arn, std::string& resolved_name);
  InstanceConfig instance_config(const Function& f) const;
  std::string code_base_dir() const;
  // Throws ResourceConflictException while the function is Pending, as Lambda refuses Invoke and updates then.
  void refuse_while_pending(const Function& f) const;
  void add_python_runtime(const Function& f, InstanceConfig& c) const;
  void async_loop();

  StackContext& context_;
  mutable std::mutex mutex_;
  std::map<std::string, Function> functions_;   // by name

  std::mutex async_mutex_;
  std::condition_variable async_wake_, async_idle_;
  std::deque<std::pair<std::string, std::string>> async_queue_;   // function, payload
  std::set<std::string> async_running_;   // functions a worker is invoking now
  int async_busy_ = 0;
  bool async_stopping_ = false;
  std::vector<std::thread> async_workers_;
};

// "name", "arn:aws:lambda:region:acct:function:name[:qualifier]" or "acct:function:name" -> "name".
std::string function_name_from(const std::string& name_or_arn);

}  // namespace pingwatch::local::lambda
