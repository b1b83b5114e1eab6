#include "local/stack.h"

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "local/organizations/organizations_service.h"
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

// The account field of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:…); "" when it has none.
std::string split_arn_account(const std::string& arn) {
  std::size_t pos = 0;
  for (int field = 0; field < 4; ++field) {
    pos = arn.find(':', pos);
    if (pos == std::string::npos) return "";
    ++pos;
  }
  const auto end = arn.find(':', pos);
  return end == std::string::npos ? "" : arn.substr(pos, end - pos);
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

// /_local/<rest> as the owning service's REST-JSON request: unsigned, request id "local".
Request local_service_request(const RawRequest& raw, const std::string& signing_name, const std::string& rest,
                              const std::string& account_id, const StackContext& context) {
  Request request = request_for(raw, account_id, context.default_region);
  request.body = raw.body;
  request.service = signing_name;
  request.operation = "_local/" + rest;
  request.protocol = WireProtocol::RestJson;
  request.request_id = "local";
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
  // Functions get role credentials of their own, as on AWS: never the operator's.
  issue_function_credentials(context_, keys_);

  OrganizationOptions org = options_.organization;
  org.management_account = options_.account_id;
  org.created_at = std::floor(context_.clock->now());
  organization_ = std::make_shared<const Organization>(org);
  std::vector<std::string> regions = options_.regions;
  if (std::find(regions.begin(), regions.end(), options_.region) == regions.end()) regions.insert(regions.begin(), options_.region);
  accounts_ = std::make_unique<AccountServices>(context_, keys_, organization_, options_.fleet, regions);
  std::shared_ptr<const sts::RoleDirectory> roles = std::make_shared<sts::AnyRoleDirectory>();
  if (organization_->exists()) roles = std::make_shared<OrganizationRoleDirectory>(organization_);
  accounts_->add_global("sts", make_sts_service(context_, keys_, roles));
  accounts_->add_global("organizations", std::make_unique<OrganizationsService>(organization_));
  if (state_) accounts_->load(state_->load());
  chaos_ = std::make_unique<ChaosEngine>(options_.chaos);
  router_ = std::make_unique<Router>(context_, keys_, stats_, options_.limits);
  router_->set_chaos(chaos_.get());
  for (const auto& name : AccountServices::per_account_names()) router_->add_service(name, accounts_->home(name));
  for (const std::string name : {"sts", "organizations"}) router_->add_service(name, accounts_->home(name));
  router_->set_resolver([this](const Request& request) { return resolve_service(request); });
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

Service* LocalStack::service(const std::string& signing_name) { return accounts_->home(signing_name); }

Service* LocalStack::resolve_service(const Request& request) {
  std::string account = request.account_id;
  // A SubscribeURL visit is unsigned: the topic's ARN says whose subscription it confirms.
  if (request.access_key_id.empty() && request.service == "sns") {
    const auto topic = request.params.find("TopicArn");
    if (topic != request.params.end()) {
      const auto parts = split_arn_account(topic->second);
      if (!parts.empty()) account = parts;
    }
  }
  return accounts_->resolve(request.service, account, request.region);
}

void LocalStack::start() {
  port_ = server_->bind(options_.host, options_.port);
  accounts_->set_endpoint_url(endpoint_url());   // the stack's context and every account's
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
  state_->save(accounts_->save(), context_.clock->now());
}

void LocalStack::ticker_loop() {
  using namespace std::chrono;
  auto next_save = steady_clock::now() + duration_cast<steady_clock::duration>(duration<double>(options_.state_save_interval_seconds));
  auto next_trim = steady_clock::now() + seconds(30);
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    lock.unlock();
    const double now = context_.clock->now();
    try {
      accounts_->tick(now);
    } catch (const std::exception& e) {
      spdlog::error("local stack: tick failed: {}", e.what());
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
                               {"nodes", accounts_->node_count()},
                               {"accounts", organization_->exists() ? organization_->accounts().size() : 1}});
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
  if (path == "/_local/fleet" && raw.method == "GET") return fleet_listing(raw, now);
  if (path == "/_local/fleet/faults") return fleet_fault(raw, now);
  // /_local/<name>/… owned by a service (e.g. /_local/mailbox -> SNS): unsigned, REST-JSON.
  std::string rest = path.substr(std::string("/_local/").size());
  const std::string name = rest.substr(0, rest.find('/'));
  // ?account=ID: that account's instance (an organization's member); default the management account.
  const auto account = raw.query.find("account");
  const std::string account_id = account == raw.query.end() ? context_.account_id : account->second;
  Service* owner = accounts_->resolve(local_owner(name), account_id, context_.default_region);
  if (owner == nullptr) return json_response(404, {{"error", "no local endpoint " + path}});
  const Request request = local_service_request(raw, owner->signing_name(), rest, account_id, context_);
  try {
    return owner->handle(request);
  } catch (const ServiceError& e) {
    return json_response(e.status, {{"error", e.code}, {"message", e.what()}});
  } catch (const std::exception& e) {
    return json_response(500, {{"error", e.what()}});
  }
}

Response LocalStack::fleet_listing(const RawRequest& raw, double now) {
  // ?account=ID&region=R: that fleet; default the management account's in the home region.
  const auto account = raw.query.find("account");
  const auto region = raw.query.find("region");
  if (account == raw.query.end() && region == raw.query.end()) return json_response(200, fleet().to_json(now));
  const std::string a = account == raw.query.end() ? context_.account_id : account->second;
  const std::string r = region == raw.query.end() ? context_.default_region : region->second;
  for (const auto& place : accounts_->fleets()) {
    if (place.account == a && place.region == r) return json_response(200, place.fleet->to_json(now));
  }
  return json_response(200, {{"nodes", nlohmann::json::array()}});
}

Response LocalStack::fleet_fault(const RawRequest& raw, double now) {
  if (raw.method != "POST") return json_response(405, {{"error", "use POST with {\"instance_id\", \"fault\"}"}});
  const auto body = nlohmann::json::parse(raw.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("instance_id") || !body.contains("fault") ||
      !body["instance_id"].is_string() || !body["fault"].is_string()) {
    return json_response(400, {{"error", "body must be {\"instance_id\": \"i-…\", \"fault\": \"agent-stop\"}"}});
  }
  const auto fault = fleet::parse_fault(body["fault"].get<std::string>());
  if (!fault) return json_response(400, {{"error", "unknown fault; use one of " + fleet::known_faults()}});
  const std::string id = body["instance_id"].get<std::string>();
  // Any account's node, by id: ids are unique across the organization.
  const auto owner = accounts_->fleet_of(id);
  fleet::Fleet& target = owner ? *owner : fleet();
  try {
    target.apply_fault(id, *fault, now);
  } catch (const std::out_of_range& e) {
    return json_response(404, {{"error", e.what()}});
  } catch (const std::invalid_argument& e) {
    return json_response(409, {{"error", e.what()}});
  }
  if (!options_.quiet) spdlog::info("fleet: {} on {} at sim {}", body["fault"].get<std::string>(), id, amz_date_of(now));
  return json_response(200, {{"instance_id", id}, {"fault", body["fault"]}, {"at", now}});
}

}  // namespace pingwatch::local
