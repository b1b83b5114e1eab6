#pragma once
// The whole local AWS stack: services, simulated clock and fleet, HTTP listener, ticker, persistence.
// `pingwatch local` runs it until SIGINT/SIGTERM; tests start a LocalStack in-process on port 0.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "local/account_services.h"
#include "local/auth.h"
#include "local/chaos.h"
#include "local/fleet/fleet.h"
#include "local/router.h"
#include "local/server.h"
#include "local/service.h"
#include "local/stats.h"

namespace pingwatch::local {

class StateStore;
class SsmService;

struct StackOptions {
  std::string host = "127.0.0.1";
  int port = 4566;                          // 0 = pick a free port
  double time_scale = 60;                   // simulated seconds per wall second
  std::optional<double> sim_start;          // simulated epoch seconds at start; default: now (or the saved clock)
  fleet::FleetOptions fleet;                // --nodes, --fleet-seed, --fleet, --connection-lost-after, --credential-cache-minutes
  std::string credentials_file;             // --credentials; empty = test/test
  std::string mailbox_dir;                  // --mailbox
  std::string state_file;                   // --state (SQLite); empty = memory only
  bool auto_confirm = false;                // --auto-confirm: email/http subscriptions confirmed at once (tests, demo)
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  double state_save_interval_seconds = 30;  // wall seconds between periodic saves
  double tick_interval_seconds = 0.05;      // wall seconds between service ticks
  ServerOptions server;
  RouterLimits limits;
  bool quiet = false;                       // no banner/log lines (tests)
  ChaosOptions chaos;                       // --latency, --jitter, --chaos FILE, --aws-quotas, --chaos-seed
  // --accounts N (0 = no organization), --member-role; the management account is account_id.
  OrganizationOptions organization;
  std::vector<std::string> regions;          // --regions: where organization accounts have nodes; empty = {region}
};

class LocalStack {
 public:
  explicit LocalStack(StackOptions options);   // builds services and restores state; throws on bad options
  ~LocalStack();
  LocalStack(const LocalStack&) = delete;
  LocalStack& operator=(const LocalStack&) = delete;

  void start();              // binds (throws if it cannot), serves, starts the ticker; ready when it returns
  void stop();               // saves state (if --state), stops serving; idempotent
  int port() const { return port_; }
  std::string endpoint_url() const;

  StackContext& context() { return context_; }
  SimClock& clock() { return *context_.clock; }
  fleet::Fleet& fleet() { return accounts_->home_fleet(); }   // the management account's, home region
  AccountServices& accounts() { return *accounts_; }
  const Organization& organization() const { return *organization_; }
  Stats& stats() { return stats_; }
  ChaosEngine& chaos() { return *chaos_; }
  Service* service(const std::string& signing_name);   // the management account's instance
  void save_state();         // now, if --state was given

 private:
  std::optional<Response> handle_local(const RawRequest& raw);
  Response fleet_fault(const RawRequest& raw, double now);
  Service* resolve_service(const Request& request);   // the router's choice of instance (per account)
  Response fleet_listing(const RawRequest& raw, double now);
  void ticker_loop();

  StackOptions options_;
  StackContext context_;
  CredentialStore keys_;
  Stats stats_;
  std::unique_ptr<StateStore> state_;
  std::shared_ptr<const Organization> organization_;
  std::unique_ptr<AccountServices> accounts_;   // every service instance, per account where there is an organization
  std::unique_ptr<ChaosEngine> chaos_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::thread ticker_;
  std::mutex save_mutex_;
};

}  // namespace pingwatch::local
