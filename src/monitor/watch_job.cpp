#include "monitor/watch_job.h"

#include <unistd.h>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "aws/client_factory.h"
#include "aws/endpoints.h"
#include "aws/sts_client.h"
#include "monitor/organization.h"

namespace pingwatch::monitor {

namespace {

std::string account_of_role(const std::string& arn) {
  // arn:aws:iam::123456789012:role/name
  std::size_t pos = 0;
  for (int i = 0; i < 4 && pos != std::string::npos; ++i) pos = arn.find(':', pos + 1);
  if (pos == std::string::npos) return {};
  const auto end = arn.find(':', pos + 1);
  return arn.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
}

std::string default_owner() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return fmt::format("{}:{}", host, getpid());
}

// watch.shard: keep the pairs of this shard, hashed on the state scope's account label ("default" for default
// credentials). The scope does not depend on the shard, so a pair that moves to another shard when N changes
// takes its state (and its unsent notices) with it.
std::vector<WatchPair> pairs_of_shard(std::vector<WatchPair> pairs, const std::optional<core::Shard>& shard) {
  if (!shard) return pairs;
  std::erase_if(pairs, [&](const WatchPair& p) {
    return !core::in_shard(p.account.empty() ? std::string("default") : p.account, p.region, *shard);
  });
  return pairs;
}

ClientConfigFor default_client_config(const Settings& settings) {
  return [options = settings.aws](const aws::ServiceInfo& service, const std::string& region) {
    aws::AwsOptions o = options;
    if (!region.empty()) o.region = region;
    return aws::ClientFactory(o).config_for(service);
  };
}

// State and topic live in the home account (home region).
std::unique_ptr<StateStore> open_state_store(const WatchSettings& watch, const ClientConfigFor& home, const std::string& scope) {
  if (!watch.dynamodb_table.empty()) {
    return open_dynamodb_state_store(std::make_shared<aws::DynamoDbClient>(home(aws::DynamoDbClient::service_info(), "")),
                                     watch.dynamodb_table, scope, watch.create_table);
  }
  return open_sqlite_state_store(watch.state_path, scope);
}

std::unique_ptr<NoticePublisher> open_publisher(const WatchSettings& watch, const ClientConfigFor& home) {
  if (watch.topic_arn.empty()) return nullptr;
  return make_sns_publisher(home(aws::SnsClient::service_info(), ""), watch.topic_arn, watch.resend_in_doubt);
}

WatchCycleResult run_pair(const Settings& settings, const WatchSettings& watch, const WatchRunOptions& options,
                          const ClientConfigFor& home, const WatchPair& pair) {
  auto config_for = [&](const aws::ServiceInfo& service) {
    auto c = home(service, pair.region);
    if (!pair.role_arn.empty()) c.credentials = assumed_role_credentials(home(aws::StsClient::service_info(), ""), pair.role_arn);
    return c;
  };
  std::string account = pair.account;
  if (account.empty()) {
    // Default credentials: whose account they are is learnt once, so notices say it (not "-").
    auto sts_config = config_for(aws::StsClient::service_info());
    aws::StsClient sts(sts_config);
    account = caller_account("default|" + settings.aws.profile + "|" + sts_config.endpoint, sts);
  }
  auto ssm = std::make_shared<aws::SsmClient>(config_for(aws::SsmClient::service_info()));
  std::shared_ptr<aws::Ec2Client> ec2;
  if (watch.use_ec2) ec2 = std::make_shared<aws::Ec2Client>(config_for(aws::Ec2Client::service_info()));
  SsmFleetReaderOptions ro;
  ro.page_size = watch.page_size;
  ro.use_ec2 = watch.use_ec2;
  ro.deadline = options.deadline;
  ro.catalog_key = "watch|" + pair.scope() + "|" + ssm->service_client().config().endpoint;
  auto reader = make_ssm_fleet_reader(ssm, ec2, ro);

  // The state's scope keeps the configured label ("default/<region>"), so learning the account later does not
  // orphan the state recorded before.
  auto store = open_state_store(watch, home, pair.scope());
  auto publisher = open_publisher(watch, home);
  std::unique_ptr<MetricsSink> metrics;
  if (watch.publish_metrics) {
    metrics = make_cloudwatch_metrics_sink(std::make_shared<aws::CloudWatchClient>(config_for(aws::CloudWatchClient::service_info())),
                                           watch.metric_namespace, pair.account, pair.region);
  }
  WatchCycleOptions co;
  co.dry_run = options.dry_run;
  co.owner = options.owner.empty() ? default_owner() : options.owner;
  co.notice_context = {account, pair.region, aws::region_long_name(pair.region), pair.account_name};
  return run_watch_cycle(*store, *reader, publisher.get(), metrics.get(), watch, co);
}

// The organization entry's pairs: ACTIVE accounts, not excluded; the home account with its own credentials.
void add_organization_pairs(const WatchSettings& watch, const WatchAccount& entry, const std::vector<std::string>& regions,
                            const ClientConfigFor& home, WatchPairs& out) {
  const auto organizations_config = home(aws::OrganizationsClient::service_info(), "");
  aws::OrganizationsClient organizations(organizations_config);
  aws::StsClient sts(home(aws::StsClient::service_info(), ""));
  const std::string key = "organization|" + organizations_config.endpoint + "|" + sts.service_client().config().endpoint;
  const auto members = organization_members(key, organizations, sts, watch.policy.full_inventory_every);
  if (!members.error.empty()) out.failures.push_back("organization: " + members.error);
  const std::string partition = aws::partition_of(regions.front());
  for (const auto& account : members.accounts) {
    if (!account.active()) continue;   // SUSPENDED, PENDING_CLOSURE, CLOSED: nothing to watch, no role to assume
    const auto& excluded = watch.exclude_accounts;
    if (std::find(excluded.begin(), excluded.end(), account.id) != excluded.end()) continue;
    const bool home_account = account.id == members.home_account;
    const std::string role =
        home_account ? std::string() : fmt::format("arn:{}:iam::{}:role/{}", partition, account.id, entry.member_role_name);
    for (const auto& r : regions) out.pairs.push_back({account.id, account.name, r, role, !home_account});
  }
}

}  // namespace

std::string WatchPair::scope() const { return (account.empty() ? std::string("default") : account) + "/" + region; }

WatchPairs watch_pairs(const WatchSettings& watch, const ClientConfigFor& home) {
  WatchPairs out;
  const auto accounts = watch.accounts.empty() ? std::vector<WatchAccount>{WatchAccount{}} : watch.accounts;
  for (const auto& a : accounts) {
    std::vector<std::string> regions = a.regions;
    if (regions.empty()) regions.push_back(home(aws::StsClient::service_info(), "").region);
    if (!a.organization) {
      for (const auto& r : regions) out.pairs.push_back({account_of_role(a.role_arn), "", r, a.role_arn, false});
      continue;
    }
    try {
      add_organization_pairs(watch, a, regions, home, out);
    } catch (const std::exception& e) {
      // Nothing listed yet in this process: the organization's accounts are unknown this cycle, the others go on.
      out.failures.push_back(std::string("organization: cannot list the accounts: ") + e.what());
    }
  }
  // An account named twice (a role ARN and the organization) is watched once, as first named.
  std::set<std::string> seen;
  std::erase_if(out.pairs, [&](const WatchPair& p) { return !seen.insert(p.scope()).second; });
  return out;
}

std::shared_ptr<aws::CredentialsProvider> assumed_role_credentials(const aws::ClientConfig& home_sts, const std::string& role_arn) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<aws::CredentialsProvider>> providers;
  std::lock_guard lock(mutex);
  auto& provider = providers[role_arn + "|" + home_sts.endpoint];
  if (!provider) {
    aws::AssumeRoleRequest request;
    request.role_arn = role_arn;
    request.role_session_name = "pingwatch-watch";
    provider = aws::make_assume_role_credentials(std::make_shared<aws::StsClient>(home_sts), request);
  }
  return provider;
}

std::string caller_account(const std::string& key, aws::StsClient& sts) {
  static std::mutex mutex;
  static std::map<std::string, std::string> accounts;
  static std::set<std::string> reported;
  {
    std::lock_guard lock(mutex);
    if (auto it = accounts.find(key); it != accounts.end()) return it->second;
  }
  try {
    std::string account = sts.get_caller_identity().account;
    std::lock_guard lock(mutex);
    accounts[key] = account;
    return account;
  } catch (const std::exception& e) {
    // An unknown account must not stop notices: they say "-" and the next cycle asks again.
    std::lock_guard lock(mutex);
    if (reported.insert(key).second) {
      spdlog::warn("watch: sts:GetCallerIdentity failed ({}); notices show the account as \"-\" until it answers",
                   e.what());
    }
    return {};
  }
}

namespace {

nlohmann::json member_failures_json(const WatchRunResult& r) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : r.member_failures) {
    out.push_back({{"account_id", m.account_id}, {"account_name", m.account_name},
                   {"consecutive_cycles", m.consecutive_cycles}, {"notified", m.notified}, {"error", m.error}});
  }
  return out;
}

}  // namespace

nlohmann::json WatchRunResult::to_json() const {
  nlohmann::json j = job.to_json();
  nlohmann::json cs = nlohmann::json::array();
  for (const auto& c : cycles) cs.push_back(c.to_json());
  j["cycles"] = cs;
  j["failures"] = failures;
  j["member_failures"] = member_failures_json(*this);
  nlohmann::json ns = nlohmann::json::array();
  for (const auto& n : member_notices) ns.push_back({{"id", n.id}, {"subject", n.subject}});
  j["member_notices"] = ns;
  return j;
}

namespace {

void add_cycle(WatchRunResult& out, const std::string& scope, WatchCycleResult c, const WatchRunOptions& options) {
  out.job.nodes_seen += c.nodes_listed;
  out.job.api_calls += c.api_calls + c.metric_calls + c.delivery.publish_calls;
  out.job.write_calls += c.metric_calls + c.delivery.publish_calls;
  out.job.pages += c.api_calls;
  if (!c.inventory_complete) out.job.inventory_complete = false;
  for (const auto& e : c.errors) out.job.errors.push_back(scope + ": " + e);
  if (options.on_cycle) options.on_cycle(scope, c);
  out.cycles.push_back(std::move(c));
}

// Members of an organization entry: failures counted across cycles (and runs), a notice after
// watch.member_failure_cycles in a row; a member watched again ends its streak.
void record_members(const WatchSettings& watch, const WatchRunOptions& options, const ClientConfigFor& home,
                    const std::vector<WatchPair>& pairs, const std::map<std::string, std::string>& failed_scopes,
                    WatchRunResult& out) {
  std::map<std::string, core::MemberFailure> failed;   // account -> what failed (first region's error)
  std::map<std::string, bool> seen;
  for (const auto& p : pairs) {
    if (!p.member) continue;
    seen[p.account] = true;
    auto it = failed_scopes.find(p.scope());
    if (it == failed_scopes.end()) continue;
    auto& f = failed[p.account];
    if (f.account_id.empty()) f = core::MemberFailure{p.account, p.account_name, p.role_arn, {}, 0, it->second, 0, 0, 0};
    f.regions.push_back(p.region);
  }
  if (seen.empty()) return;
  auto publisher = options.dry_run ? nullptr : open_publisher(watch, home);
  DeliveryOptions delivery;
  delivery.owner = options.owner.empty() ? default_owner() : options.owner;
  delivery.lease_seconds = watch.lease_seconds;
  delivery.resend_in_doubt = watch.resend_in_doubt;
  const auto now = options.now ? options.now : [] {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  delivery.now = now;
  MemberFailureLedger ledger(watch.dynamodb_table.empty() ? watch.state_path : "dynamodb:" + watch.dynamodb_table,
                             [&](const std::string& scope) { return open_state_store(watch, home, scope); },
                             watch.member_failure_cycles, publisher.get(), delivery);
  for (const auto& [account, unused] : seen) {
    auto it = failed.find(account);
    try {
      if (it == failed.end()) {
        if (!options.dry_run) ledger.succeeded(account);
        continue;
      }
      MemberFailureReport report{account, it->second.account_name, 0, false, it->second.error};
      if (!options.dry_run) {
        auto outcome = ledger.failed(it->second, now());
        report.consecutive_cycles = outcome.consecutive;
        report.notified = outcome.notice.has_value();
        if (outcome.notice) out.member_notices.push_back(*outcome.notice);
        out.job.write_calls += outcome.delivery.publish_calls;
        for (const auto& e : outcome.delivery.errors) out.job.errors.push_back("member/" + account + ": " + e);
      }
      out.member_failures.push_back(std::move(report));
    } catch (const std::exception& e) {
      out.job.errors.push_back("member/" + account + ": keeping its failure count: " + e.what());
    }
  }
}

}  // namespace

WatchRunResult run_watch(const Settings& settings, const WatchSettings& watch, const WatchRunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const ClientConfigFor home = options.client_config ? options.client_config : default_client_config(settings);
  WatchRunResult out;
  out.job.job = Job::Watch;
  out.job.dry_run = options.dry_run;
  WatchPairs discovered = watch_pairs(watch, home);
  for (const auto& f : discovered.failures) {
    out.failures.push_back(f);
    out.job.errors.push_back(f);
  }
  const auto pairs = pairs_of_shard(std::move(discovered.pairs), watch.shard);
  std::vector<std::future<WatchCycleResult>> futures;
  for (const auto& p : pairs) {
    futures.push_back(std::async(std::launch::async, [&, p] { return run_pair(settings, watch, options, home, p); }));
  }
  std::map<std::string, std::string> failed_scopes;
  for (std::size_t i = 0; i < futures.size(); ++i) {
    const std::string scope = pairs[i].scope();
    try {
      add_cycle(out, scope, futures[i].get(), options);
    } catch (const std::exception& e) {
      failed_scopes[scope] = e.what();
      out.failures.push_back(scope + ": " + e.what());
      out.job.errors.push_back(scope + ": " + e.what());
    }
  }
  record_members(watch, options, home, pairs, failed_scopes, out);
  out.job.could_not_start = out.cycles.empty() && !out.failures.empty();
  out.job.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  nlohmann::json details = nlohmann::json::array();
  for (const auto& c : out.cycles) {
    long notified = 0;
    for (const auto& t : c.transitions) notified += t.notify ? 1 : 0;
    details.push_back({{"scope", c.scope}, {"full_inventory", c.full_inventory}, {"transitions", c.transitions.size()},
                       {"notified", notified}, {"notices", c.notices.size()}, {"sent", c.delivery.sent},
                       {"api_calls", c.api_calls}, {"lost_race", c.lost_race}});
  }
  out.job.plan = {{"watch", details}, {"failures", out.failures}, {"member_failures", member_failures_json(out)}};
  if (watch.shard) out.job.plan["shard"] = core::to_string(*watch.shard);
  return out;
}

namespace {

// [watch] from the same flags and file as the job's other settings (environment and defaults otherwise).
WatchSettings watch_settings_for(const Settings& s) {
  ConfigSource::Inputs in;
  // Keys of other modules' tables ([server] of `pingwatch run --listen`) are theirs to read and check.
  const auto& foreign = foreign_config_sections();
  for (const auto& [key, value] : s.origin.flags) {
    const std::string section = key.substr(0, key.find('.'));
    const bool others = section != "watch" && std::find(foreign.begin(), foreign.end(), section) != foreign.end();
    if (!others) in.flags.emplace(key, value);
  }
  in.config_file = s.origin.config_file;
  const ConfigSource source = ConfigSource::load(std::move(in));
  load_settings(source);   // so the typo check knows every key the job's settings came from
  WatchSettings watch = load_watch_settings(source);
  source.reject_unknown_keys();
  return watch;
}

}  // namespace

JobDefinition watch_job_definition() {
  JobDefinition d;
  d.name = "watch";
  d.run = [](JobContext& ctx) {
    auto watch = watch_settings_for(ctx.settings);
    if (ctx.shard) watch.shard = ctx.shard;
    WatchRunOptions o;
    o.dry_run = ctx.dry_run;
    o.deadline = ctx.deadline;
    o.on_cycle = ctx.on_watch_cycle;
    return run_watch(ctx.settings, watch, o).job;
  };
  d.interval = [](const Settings& s) { return std::chrono::seconds(watch_settings_for(s).interval_seconds); };
  d.check = [](const Settings& s) {
    const auto watch = watch_settings_for(s);
    const char* lambda = std::getenv("AWS_LAMBDA_FUNCTION_NAME");
    if (lambda && *lambda && watch.dynamodb_table.empty()) {
      throw ConfigError("config: watch.dynamodb_table is empty: on Lambda the state lives in DynamoDB; set PINGWATCH_WATCH_DYNAMODB_TABLE");
    }
  };
  return d;
}

}  // namespace pingwatch::monitor
