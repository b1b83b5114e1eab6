#pragma once
// Which instance of a service answers a request: the one place that keeps every account's data apart.
//
// Without an organization (no --accounts) the stack is one account: one instance of each service answers every
// caller and region, and one fleet (--nodes/--fleet) answers SSM and EC2 in every region, as before accounts existed.
// With an organization each account has its own instances (CloudWatch, SNS, EventBridge, Lambda, DynamoDB: ARNs,
// alarms, topics, tables, rules and functions of that account only) and its own fleet per region (SSM and EC2).
// The router picks the instance from the request's verified credentials (the signing key's account, so an
// AssumeRole session acts in the role's account) and its credential-scope region. The handlers stay unaware.
//
// Fleets: the management account's fleet in the home region (--region) is the one --nodes/--fleet/--fleet-seed
// describe, unchanged; every other (account, region) of the organization in --regions has --nodes generated nodes
// whose ids follow from (--fleet-seed, account, region) and are unique across the organization (checked at start).
// Any other (account, region) has an empty fleet. Fleets are built at start, so a fault reaches any node by id
// (fleet_of); an account's other services (threads of Lambda and SNS among them) when it is first called.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "local/auth.h"
#include "local/fleet/fleet.h"
#include "local/organizations/organization.h"
#include "local/service.h"

namespace pingwatch::local {

// Lambda's execution-role credentials for the functions of `context`'s account (fresh random ASIA key, secret and
// session token, accepted by the signature check as that account); on AWS each function gets its role's.
void issue_function_credentials(StackContext& context, CredentialStore& keys);

// The seed of the generated fleet of (account, region), from --fleet-seed: stable across runs and machines.
std::uint64_t fleet_seed_for(std::uint64_t seed, const std::string& account, const std::string& region);

class AccountServices {
 public:
  // `home` is the stack's own context (the management account); `regions`: where organization accounts have nodes
  // (the home region first). Throws std::runtime_error when two generated nodes would share an id.
  AccountServices(StackContext& home, CredentialStore& keys, std::shared_ptr<const Organization> organization,
                  const fleet::FleetOptions& home_fleet, std::vector<std::string> regions);
  ~AccountServices();
  AccountServices(const AccountServices&) = delete;
  AccountServices& operator=(const AccountServices&) = delete;

  // Services that are one for the whole stack (sts, organizations): not per account.
  void add_global(const std::string& signing_name, std::unique_ptr<Service> service);
  static const std::vector<std::string>& per_account_names();   // ssm, ec2, monitoring, sns, events, lambda, dynamodb

  // The instance answering `account` in `region`; nullptr for an unknown signing name.
  Service* resolve(const std::string& signing_name, const std::string& account, const std::string& region);
  Service* home(const std::string& signing_name) { return resolve(signing_name, home_.account_id, home_.default_region); }

  bool per_account() const { return organization_->exists(); }
  fleet::Fleet& home_fleet() { return *home_fleet_; }
  std::shared_ptr<fleet::Fleet> fleet_of(const std::string& instance_id) const;   // any account/region; null if none
  struct FleetPlace { std::string account; std::string region; std::shared_ptr<fleet::Fleet> fleet; };
  std::vector<FleetPlace> fleets() const;   // every fleet with nodes, home first
  std::size_t node_count() const;
  std::vector<std::string> accounts_in_use() const;

  // The stack's URL once it listens (StackContext::endpoint_url): accounts built before start() learn it too.
  void set_endpoint_url(const std::string& url);
  void tick(double sim_now);   // every instance built so far
  std::map<std::string, nlohmann::json> save() const;
  void load(std::map<std::string, nlohmann::json> states);   // applied now or when the instance is built

 private:
  struct Regional {
    std::shared_ptr<fleet::Fleet> fleet;
    std::unique_ptr<Service> ssm;
    std::unique_ptr<Service> ec2;
  };
  struct Account {
    std::unique_ptr<StackContext> owned_context;   // null for the home account (the stack's context)
    StackContext* context = nullptr;
    std::map<std::string, std::unique_ptr<Service>> services;   // by signing name; built at the first request
    bool services_built = false;
    std::map<std::string, Regional> regions;                     // SSM/EC2 per region (organization only)
  };

  Account& account_locked(const std::string& account_id);
  Regional& regional_locked(Account& account, const std::string& account_id, const std::string& region);
  void build_services_locked(Account& account, const std::string& account_id);   // once, when first needed
  std::shared_ptr<fleet::Fleet> make_fleet(const std::string& account_id, const std::string& region);
  void index_nodes(const std::shared_ptr<fleet::Fleet>& fleet);
  void restore_locked(const std::string& key, Service& service);
  std::string save_key(const std::string& account_id, const std::string& name, const std::string& region) const;
  std::vector<Service*> all_locked() const;

  StackContext& home_;
  CredentialStore& keys_;
  std::shared_ptr<const Organization> organization_;
  fleet::FleetOptions home_fleet_options_;
  std::vector<std::string> regions_;
  std::shared_ptr<fleet::Fleet> home_fleet_;
  std::map<std::string, std::unique_ptr<Service>> globals_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Account>> accounts_;
  std::unordered_map<std::string, std::shared_ptr<fleet::Fleet>> node_index_;   // instance id -> its fleet (fixed at start)
  std::map<std::string, nlohmann::json> pending_;   // saved states of instances not built yet
};

}  // namespace pingwatch::local
