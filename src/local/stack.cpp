#include "local/stack.h"

#include <malloc.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>

#include <spdlog/spdlog.h>

#include "local/fleet/ec2_service.h"
#include "local/services.h"
#include "local/ssm/ssm_service.h"
#include "local/state_store.h"
#include "local/sts/sts_service.h"

namespace pingwatch::local {

namespace {

Response json_response(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = body.dump(2);
  return r;
}

std::string random_text(std::size_t length, std::string_view alphabet) {
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out;
  out.reserve(length);
  for (std::size_t i = 0; i < length; ++i) out += alphabet[pick(device)];
  return out;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1" || host == "[::1]";
}

// Which service answers GET/POST /_local/<name>/… beyond the stack's own endpoints.
std::string local_owner(const std::string& name) {
  if (name == "mailbox") return "sns";
  if (name == "alarms") return "monitoring";
  if (name == "rules") return "events";
  if (name == "functions") return "lambda";
  return name;
}

// /_local/chaos: GET the rules, POST new ones, DELETE them all.
Response chaos_endpoint(const RawRequest& raw, ChaosEngine& chaos, bool quiet) {
  if (raw.method == "GET") return json_response(200, chaos.to_json());
  if (raw.method == "DELETE") {
    chaos.clear();
    return json_response(200, chaos.to_json());
  }
  if (raw.method != "POST") return json_response(405, {{"error", "use GET, POST (rules JSON) or DELETE"}});
  const auto body = nlohmann::json::parse(raw.body, nullptr, false);
  if (body.is_discarded()) return json_response(400, {{"error", "body must be JSON: {\"rules\": [...], \"quotas\": [...]}"}});
  try {
    chaos.configure(body);
  } catch (const std::invalid_argument& e) {
    return json_response(400, {{"error", e.what()}});
  }
  if (!quiet) spdlog::info("chaos: rules replaced: {}", chaos.to_json()["rules"].dump());
  return json_response(200, chaos.to_json());
}

// /_local/fleet/faults: POST {"instance_id", "fault"} applies a node fault now.
Response fleet_fault_endpoint(const RawRequest& raw, fleet::Fleet& fleet, double now, bool quiet) {
  if (raw.method != "POST") return json_response(405, {{"error", "use POST with {\"instance_id\", \"fault\"}"}});
  const auto body = nlohmann::json::parse(raw.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("instance_id") || !body.contains("fault") ||
      !body["instance_id"].is_string() || !body["fault"].is_string()) {
    return json_response(400, {{"error", "body must be {\"instance_id\": \"i-…\", \"fault\": \"agent-stop\"}"}});
  }
  const auto fault = fleet::parse_fault(body["fault"].get<std::string>());
  if (!fault) return json_response(400, {{"error", "unknown fault; use one of " + fleet::known_faults()}});
  const std::string id = body["instance_id"].get<std::string>();
  try {
    fleet.apply_fault(id, *fault, now);
  } catch (const std::out_of_range& e) {
    return json_response(404, {{"error", e.what()}});
  } catch (const std::invalid_argument& e) {
    return json_response(409, {{"error", e.what()}});
  }
  if (!quiet) spdlog::info("fleet: {} on {} at sim {}", body["fault"].get<std::string>(), id, amz_date_of(now));
  return json_response(200, {{"instance_id", id}, {"fault", body["fault"]}, {"at", now}});
}

// /_local/<rest> as the owning service's REST-JSON request: unsigned, request id "local".
Request local_service_request(const RawRequest& raw, const std::string& signing_name, const std::string& rest,
                              const StackContext& context) {
  const Request request = local_service_request(raw, owner->signing_name(), rest, context_);
  try {
    return owner->handle(request);
  } catch (const ServiceError& e) {
    return json_response(e.status, {{"error", e.code}, {"message", e.what()}});
  } catch (const std::exception& e) {
    return json_response(500, {{"error", e.what()}});
  }
}

int run_stack(const StackOptions& options) {
  // Signals are taken synchronously by this thread; block them before any thread exists so none gets them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::unique_ptr<LocalStack> stack;
  try {
    stack = std::make_unique<LocalStack>(options);
    stack->start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pingwatch local: cannot start: %s\n", e.what());
    return 2;
  }
  if (!is_loopback(options.host)) {
    std::fprintf(stderr,
                 "warning: --host %s is not a loopback address: anyone who can reach this port can use the stack "
                 "with its well-known test credentials\n",
                 options.host.c_str());
  }
  std::printf("pingwatch local listening on %s\n", stack->endpoint_url().c_str());
  std::printf("  time scale %gx, %zu simulated node(s), credentials: %s%s\n", options.time_scale,
              stack->fleet().nodes().size(), options.credentials_file.empty() ? "test/test" : options.credentials_file.c_str(),
              options.state_file.empty() ? "" : (", state: " + options.state_file).c_str());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "pingwatch local: %s received, saving state and stopping\n", received == SIGINT ? "SIGINT" : "SIGTERM");
  try {
    stack->stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pingwatch local: stopping failed: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace pingwatch::local
