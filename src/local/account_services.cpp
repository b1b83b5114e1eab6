#include "local/account_services.h"


#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "local/fleet/ec2_service.h"
#include "local/lambda/code_package.h"
#include "local/services.h"
#include "local/sns/wire_util.h"
#include "local/ssm/ssm_service.h"

namespace pingwatch::local {

namespace {

bool regional(const std::string& name) { return name == "ssm" || name == "ec2"; }

}  // namespace

void issue_function_credentials(StackContext& context, CredentialStore& keys) {
  // Fresh per start, so nothing outside this process can know them; accepted even when --credentials replaces test/test.
  auto fresh = wire::new_temporary_keys(300);
  context.function_access_key_id = std::move(fresh.access_key_id);
  context.function_secret_access_key = std::move(fresh.secret_access_key);
  context.function_session_token = std::move(fresh.session_token);
  keys.add({context.function_access_key_id, context.function_secret_access_key, context.account_id});
}

std::uint64_t fleet_seed_for(std::uint64_t seed, const std::string& account, const std::string& region) {
  // FNV-1a 64 over "seed|account|region": the same on every machine (std::hash is not).
  std::uint64_t h = 14695981039346656037ull;
  for (char c : std::to_string(seed) + "|" + account + "|" + region) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

const std::vector<std::string>& AccountServices::per_account_names() {
  static const std::vector<std::string> names = {"ssm", "ec2", "monitoring", "sns", "events", "lambda", "dynamodb"};
  return names;
}

AccountServices::AccountServices(StackContext& home, CredentialStore& keys,
                                 std::shared_ptr<const Organization> organization, const fleet::FleetOptions& home_fleet,
                                 std::vector<std::string> regions)
    : home_(home), keys_(keys), organization_(std::move(organization)), home_fleet_options_(home_fleet),
      regions_(std::move(regions)) {
  home_fleet_options_.region = home_.default_region;
  // The fleet starts at the clock's origin: the same --sim-start and seed give the same fleet, field for field
  // (launch times, ping anchors), however long the stack took to get here.
  home_fleet_ = std::make_shared<fleet::Fleet>(home_fleet_options_, home_.clock->origin());
  index_nodes(home_fleet_);
  std::lock_guard lock(mutex_);
  build_services_locked(account_locked(home_.account_id), home_.account_id);
  if (!per_account()) return;
  // Every account of the organization has its fleet in every --regions region from the start, so a fault finds
  // any node by id before anyone has called that account.
  for (const auto& member : organization_->accounts()) {
    Account& account = account_locked(member.id);
    for (const auto& region : regions_) regional_locked(account, member.id, region);
  }
}

AccountServices::~AccountServices() = default;

void AccountServices::add_global(const std::string& signing_name, std::unique_ptr<Service> service) {
  std::lock_guard lock(mutex_);
  if (service) restore_locked(signing_name, *service);
  globals_[signing_name] = std::move(service);
}

Service* AccountServices::resolve(const std::string& signing_name, const std::string& account_id,
                                  const std::string& region) {
  std::lock_guard lock(mutex_);
  if (auto g = globals_.find(signing_name); g != globals_.end()) return g->second.get();
  const auto& names = per_account_names();
  if (std::find(names.begin(), names.end(), signing_name) == names.end()) return nullptr;
  // One account (no organization): every caller and region shares the home instances, as before --accounts.
  const std::string& owner = per_account() ? account_id : home_.account_id;
  Account& account = account_locked(owner);
  if (per_account() && regional(signing_name)) {
    Regional& r = regional_locked(account, owner, region.empty() ? home_.default_region : region);
    return signing_name == "ssm" ? r.ssm.get() : r.ec2.get();
  }
  build_services_locked(account, owner);
  auto it = account.services.find(signing_name);
  return it == account.services.end() ? nullptr : it->second.get();
}

AccountServices::Account& AccountServices::account_locked(const std::string& account_id) {
  auto it = accounts_.find(account_id);
  if (it != accounts_.end()) return *it->second;
  auto account = std::make_unique<Account>();
  if (account_id == home_.account_id) {
    account->context = &home_;
  } else {
    account->owned_context = std::make_unique<StackContext>(home_);
    account->context = account->owned_context.get();
    account->context->account_id = account_id;
    account->context->sns = nullptr;
    account->context->lambda = nullptr;
    // Same code in two accounts unpacks to the same content-addressed folder; separate bases keep them apart anyway.
    const std::string base = home_.lambda_code_dir.empty() ? lambda::default_code_base_dir() : home_.lambda_code_dir;
    account->context->lambda_code_dir = (std::filesystem::path(base) / account_id).string();
    issue_function_credentials(*account->context, keys_);
  }
  return *accounts_.emplace(account_id, std::move(account)).first->second;
}

void AccountServices::build_services_locked(Account& account, const std::string& account_id) {
  if (account.services_built) return;
  account.services_built = true;
  StackContext& context = *account.context;
  if (!per_account()) {
    account.services["ssm"] = make_ssm_service_with_fleet(context, home_fleet_);
    account.services["ec2"] = make_ec2_service(context, home_fleet_);
  }
  account.services["monitoring"] = make_cloudwatch_service(context);
  account.services["sns"] = make_sns_service(context);
  account.services["events"] = make_events_service(context);
  account.services["lambda"] = make_lambda_service(context);
  account.services["dynamodb"] = make_dynamodb_service(context);
  for (auto& [name, service] : account.services) {
    if (!service) continue;
    if (auto* sns = dynamic_cast<SnsPublisher*>(service.get())) context.sns = sns;
    if (auto* lambda = dynamic_cast<LambdaInvoker*>(service.get())) context.lambda = lambda;
    restore_locked(save_key(account_id, name, ""), *service);
  }
}

AccountServices::Regional& AccountServices::regional_locked(Account& account, const std::string& account_id,
                                                            const std::string& region) {
  auto it = account.regions.find(region);
  if (it != account.regions.end()) return it->second;
  Regional r;
  r.fleet = make_fleet(account_id, region);
  r.ssm = make_ssm_service_with_fleet(*account.context, r.fleet);
  r.ec2 = make_ec2_service(*account.context, r.fleet);
  restore_locked(save_key(account_id, "ssm", region), *r.ssm);
  restore_locked(save_key(account_id, "ec2", region), *r.ec2);
  return account.regions.emplace(region, std::move(r)).first->second;
}

std::shared_ptr<fleet::Fleet> AccountServices::make_fleet(const std::string& account_id, const std::string& region) {
  if (account_id == home_.account_id && region == home_.default_region) return home_fleet_;
  fleet::FleetOptions options = home_fleet_options_;
  options.region = region;
  options.fleet_file.clear();   // --fleet describes the home fleet only
  const bool populated = organization_->contains(account_id) &&
                         std::find(regions_.begin(), regions_.end(), region) != regions_.end();
  options.nodes = populated ? home_fleet_options_.nodes : 0;
  options.seed = fleet_seed_for(home_fleet_options_.seed, account_id, region);
  auto fleet = std::make_shared<fleet::Fleet>(options, home_fleet_->sim_start());
  index_nodes(fleet);
  return fleet;
}

void AccountServices::index_nodes(const std::shared_ptr<fleet::Fleet>& fleet) {
  for (const auto& node : fleet->nodes()) {
    if (!node_index_.emplace(node.id, fleet).second) {
      throw std::runtime_error("organization fleet: instance id " + node.id +
                               " would exist in two accounts or regions; choose another --fleet-seed");
    }
  }
}

std::shared_ptr<fleet::Fleet> AccountServices::fleet_of(const std::string& instance_id) const {
  std::lock_guard lock(mutex_);
  auto it = node_index_.find(instance_id);
  return it == node_index_.end() ? nullptr : it->second;
}

std::vector<AccountServices::FleetPlace> AccountServices::fleets() const {
  std::lock_guard lock(mutex_);
  std::vector<FleetPlace> out{{home_.account_id, home_.default_region, home_fleet_}};
  for (const auto& [id, account] : accounts_) {
    for (const auto& [region, r] : account->regions) {
      if (r.fleet != home_fleet_ && !r.fleet->nodes().empty()) out.push_back({id, region, r.fleet});
    }
  }
  return out;
}

std::size_t AccountServices::node_count() const {
  std::lock_guard lock(mutex_);
  return per_account() ? node_index_.size() : home_fleet_->nodes().size();
}

std::vector<std::string> AccountServices::accounts_in_use() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, account] : accounts_) out.push_back(id);
  return out;
}

std::vector<Service*> AccountServices::all_locked() const {
  std::vector<Service*> out;
  for (const auto& [name, service] : globals_) {
    if (service) out.push_back(service.get());
  }
  for (const auto& [id, account] : accounts_) {
    for (const auto& [name, service] : account->services) {
      if (service) out.push_back(service.get());
    }
    for (const auto& [region, r] : account->regions) {
      out.push_back(r.ssm.get());
      out.push_back(r.ec2.get());
    }
  }
  return out;
}

void AccountServices::set_endpoint_url(const std::string& url) {
  std::lock_guard lock(mutex_);
  home_.endpoint_url = url;
  for (auto& [id, account] : accounts_) account->context->endpoint_url = url;
}

void AccountServices::tick(double sim_now) {
  std::vector<Service*> services;
  {
    std::lock_guard lock(mutex_);
    services = all_locked();   // instances are never destroyed before this object: safe to use unlocked
  }
  for (Service* service : services) service->tick(sim_now);
}

std::string AccountServices::save_key(const std::string& account_id, const std::string& name,
                                      const std::string& region) const {
  // The home account's instances keep the names a state file had before accounts existed.
  std::string key = account_id == home_.account_id ? name : account_id + "/" + name;
  if (!region.empty() && region != home_.default_region) key += "@" + region;
  return key;
}

void AccountServices::restore_locked(const std::string& key, Service& service) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  service.load(it->second);
  pending_.erase(it);
}

std::map<std::string, nlohmann::json> AccountServices::save() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, nlohmann::json> out = pending_;   // accounts not used since the restart keep their state
  for (const auto& [name, service] : globals_) {
    if (service) out[name] = service->save();
  }
  for (const auto& [id, account] : accounts_) {
    for (const auto& [name, service] : account->services) {
      if (service) out[save_key(id, name, "")] = service->save();
    }
    for (const auto& [region, r] : account->regions) {
      out[save_key(id, "ssm", region)] = r.ssm->save();
      out[save_key(id, "ec2", region)] = r.ec2->save();
    }
  }
  return out;
}

void AccountServices::load(std::map<std::string, nlohmann::json> states) {
  std::lock_guard lock(mutex_);
  pending_ = std::move(states);
  for (const auto& [name, service] : globals_) {
    if (service) restore_locked(name, *service);
  }
  for (auto& [id, account] : accounts_) {
    for (auto& [name, service] : account->services) {
      if (service) restore_locked(save_key(id, name, ""), *service);
    }
    for (auto& [region, r] : account->regions) {
      restore_locked(save_key(id, "ssm", region), *r.ssm);
      restore_locked(save_key(id, "ec2", region), *r.ec2);
    }
  }
}

}  // namespace pingwatch::local
