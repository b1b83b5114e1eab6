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
  Request request;
  request.method = raw.method;
  request.path = raw.path;
  request.query = raw.query;
  request.headers = raw.headers;
  request.body = raw.body;
  request.service = signing_name;
  request.operation = "_local/" + rest;
  request.protocol = WireProtocol::RestJson;
  request.request_id = "local";
  request.account_id = context.account_id;
  request.region = context.default_region;
  request.json = raw.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(raw.body, nullptr, false);
  return request;
}

}  // namespace

LocalStack::LocalStack(StackOptions options) : options_(std::move(options)) {
  if (options_.time_scale <= 0) throw std::invalid_argument("--time-scale must be positive (60 = a simulated minute per second)");
  if (options_.port < 0 || options_.port > 65535) throw std::invalid_argument("--port must be 0..65535");
  if (!options_.credentials_file.empty()) keys_ = CredentialStore::load_file(options_.credentials_file);
  if (!options_.state_file.empty()) state_ = std::make_unique<StateStore>(options_.state_file);

  double sim0 = SimClock::wall_now();
  if (options_.sim_start) sim0 = *options_.sim_start;
  else if (state_) {
    if (auto saved = state_->saved_sim_now()) sim0 = *saved;   // the simulated clock goes on where it stopped
  }
  context_.clock = std::make_shared<SimClock>(sim0, options_.time_scale);
  context_.account_id = options_.account_id;
  context_.default_region = options_.region;
  context_.mailbox_dir = options_.mailbox_dir;
  context_.auto_confirm = options_.auto_confirm;
  // Functions get role credentials of their own, as on AWS: never the operator's, and accepted even when
  // --credentials replaces test/test. Fresh per start, so nothing outside this process can know them.
  constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  context_.function_access_key_id = "ASIA" + random_text(16, kUpper);
  context_.function_secret_access_key = random_text(40, kBase64);
  context_.function_session_token = "IQoJb3JpZ2luX2VjE" + random_text(300, kBase64);
  keys_.add({context_.function_access_key_id, context_.function_secret_access_key, context_.account_id});

  options_.fleet.region = options_.region;
  fleet_ = std::make_shared<fleet::Fleet>(options_.fleet, context_.clock->now());

  services_["ssm"] = make_ssm_service_with_fleet(context_, fleet_);
  services_["ec2"] = make_ec2_service(context_, fleet_);
  services_["monitoring"] = make_cloudwatch_service(context_);
  services_["sns"] = make_sns_service(context_);
  services_["events"] = make_events_service(context_);
  services_["lambda"] = make_lambda_service(context_);
  services_["dynamodb"] = make_dynamodb_service(context_);
  services_["sts"] = make_sts_service(context_, keys_);
  for (auto& [name, service] : services_) {
    if (!service) continue;
    if (auto* sns = dynamic_cast<SnsPublisher*>(service.get())) context_.sns = sns;
    if (auto* lambda = dynamic_cast<LambdaInvoker*>(service.get())) context_.lambda = lambda;
  }
  if (state_) {
    for (const auto& [name, saved] : state_->load()) {
      auto it = services_.find(name);
      if (it != services_.end() && it->second) it->second->load(saved);
    }
  }
  chaos_ = std::make_unique<ChaosEngine>(options_.chaos);
  router_ = std::make_unique<Router>(context_, keys_, stats_, options_.limits);
  router_->set_chaos(chaos_.get());
  for (auto& [name, service] : services_) router_->add_service(name, service.get());
  server_ = std::make_unique<HttpServer>(
      *router_, [this](const RawRequest& raw) { return handle_local(raw); }, options_.server);
}

LocalStack::~LocalStack() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("local stack: stopping failed: {}", e.what());
  }
}

std::string LocalStack::endpoint_url() const {
  const std::string host = options_.host == "0.0.0.0" || options_.host == "::" ? "127.0.0.1" : options_.host;
  return "http://" + host + ":" + std::to_string(port_);
}

Service* LocalStack::service(const std::string& signing_name) {
  auto it = services_.find(signing_name);
  return it == services_.end() ? nullptr : it->second.get();
}

void LocalStack::start() {
  port_ = server_->bind(options_.host, options_.port);
  context_.endpoint_url = endpoint_url();
  server_->start();
  ticker_ = std::thread([this] { ticker_loop(); });
  ready_ = true;
}

void LocalStack::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(stop_mutex_);
  }
  stop_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (server_) server_->stop();
  ready_ = false;
  save_state();
}

void LocalStack::save_state() {
  if (!state_) return;
  std::lock_guard lock(save_mutex_);
  std::map<std::string, nlohmann::json> states;
  for (const auto& [name, service] : services_) {
    if (service) states[name] = service->save();
  }
  state_->save(states, context_.clock->now());
}

void LocalStack::ticker_loop() {
  using namespace std::chrono;
  auto next_save = steady_clock::now() + duration_cast<steady_clock::duration>(duration<double>(options_.state_save_interval_seconds));
  auto next_trim = steady_clock::now() + seconds(30);
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    lock.unlock();
    const double now = context_.clock->now();
    for (auto& [name, service] : services_) {
      if (!service) continue;
      try {
        service->tick(now);
      } catch (const std::exception& e) {
        spdlog::error("local stack: {} tick failed: {}", name, e.what());
      }
    }
    if (state_ && steady_clock::now() >= next_save) {
      try {
        save_state();
      } catch (const std::exception& e) {
        spdlog::error("local stack: saving state failed: {}", e.what());
      }
      next_save = steady_clock::now() + duration_cast<steady_clock::duration>(duration<double>(options_.state_save_interval_seconds));
    }
    if (steady_clock::now() >= next_trim) {
      // Requests are parsed on the server's pool threads, each with its own malloc arena; what they free stays
      // mapped until trimmed. Returning it keeps the RSS a measure of what the stack actually holds.
      malloc_trim(0);
      next_trim = steady_clock::now() + seconds(30);
    }
    lock.lock();
    stop_cv_.wait_for(lock, duration<double>(options_.tick_interval_seconds), [this] { return stopping_.load(); });
  }
}

std::optional<Response> LocalStack::handle_local(const RawRequest& raw) {
  const double now = context_.clock->now();
  const std::string& path = raw.path;
  if (path == "/_local/health") {
    if (!ready_) return json_response(503, {{"status", "starting"}});
    return json_response(200, {{"status", "ready"},
                               {"endpoint", endpoint_url()},
                               {"sim_now", now},
                               {"time_scale", context_.clock->scale()},
                               {"nodes", fleet_->nodes().size()}});
  }
  if (path == "/_local/stats") {
    nlohmann::json stats = stats_.to_json();
    stats["chaos"] = chaos_->counters();
    const struct mallinfo2 heap = mallinfo2();
    // What the stack holds (in use) against what malloc keeps for reuse: a leak grows the first.
    stats["memory"] = {{"heap_in_use_bytes", heap.uordblks + heap.hblkhd}, {"heap_free_bytes", heap.fordblks}};
    return json_response(200, stats);
  }
  if (path == "/_local/chaos") return chaos_endpoint(raw, *chaos_, options_.quiet);
  if (path == "/_local/clock") return json_response(200, {{"sim_now", now}, {"time_scale", context_.clock->scale()}});
  if (path == "/_local/fleet" && raw.method == "GET") return json_response(200, fleet_->to_json(now));
  if (path == "/_local/fleet/faults") return fleet_fault_endpoint(raw, *fleet_, now, options_.quiet);
  // /_local/<name>/… owned by a service (e.g. /_local/mailbox -> SNS): unsigned, REST-JSON.
  std::string rest = path.substr(std::string("/_local/").size());
  const std::string name = rest.substr(0, rest.find('/'));
  Service* owner = service(local_owner(name));
  if (owner == nullptr) return json_response(404, {{"error", "no local endpoint " + path}});
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
