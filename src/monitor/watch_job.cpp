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

namespace pingwatch::monitor {

namespace {

struct Pair {
  std::string role_arn;
  std::string region;
  std::string account;   // from the role ARN, else the configured/unknown label
};

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

std::string scope_of(const Pair& pair) {
  return (pair.account.empty() ? std::string("default") : pair.account) + "/" + pair.region;
}

WatchCycleResult run_pair(const Settings& settings, const WatchSettings& watch, const WatchRunOptions& options, const Pair& pair) {
  aws::AwsOptions target = settings.aws;
  target.region = pair.region;
  aws::ClientFactory target_factory(target);
  aws::ClientFactory home_factory(settings.aws);   // where state and topic live

  auto config_for = [&](const aws::ServiceInfo& service) {
    auto c = target_factory.config_for(service);
    if (!pair.role_arn.empty()) {
      c.credentials = assumed_role_credentials(home_factory.config_for(aws::StsClient::service_info()), pair.role_arn);
    }
    return c;
  };
  std::string account = pair.account;
  if (account.empty()) {
    // Default credentials: whose account they are is learnt once, so notices say it (not "-").
    auto sts_config = config_for(aws::StsClient::service_info());
    aws::StsClient sts(sts_config);
    account = caller_account("default|" + target_factory.options().profile + "|" + sts_config.endpoint, sts);
  }
  auto ssm = std::make_shared<aws::SsmClient>(config_for(aws::SsmClient::service_info()));
  std::shared_ptr<aws::Ec2Client> ec2;
  if (watch.use_ec2) ec2 = std::make_shared<aws::Ec2Client>(config_for(aws::Ec2Client::service_info()));
  SsmFleetReaderOptions ro;
  ro.page_size = watch.page_size;
  ro.use_ec2 = watch.use_ec2;
  ro.deadline = options.deadline;
  auto reader = make_ssm_fleet_reader(ssm, ec2, ro);

  // The state's scope keeps the configured label ("default/<region>"), so learning the account later does not
  // orphan the state recorded before.
  const std::string scope = scope_of(pair);
  std::unique_ptr<StateStore> store;
  if (!watch.dynamodb_table.empty()) {
    store = open_dynamodb_state_store(std::make_shared<aws::DynamoDbClient>(home_factory.dynamodb()), watch.dynamodb_table,
                                      scope, watch.create_table);
  } else {
    store = open_sqlite_state_store(watch.state_path, scope);
  }
  std::unique_ptr<NoticePublisher> publisher;
  if (!watch.topic_arn.empty()) {
    publisher = make_sns_publisher(home_factory.config_for(aws::SnsClient::service_info()), watch.topic_arn,
                                   watch.resend_in_doubt);
  }
  std::unique_ptr<MetricsSink> metrics;
  if (watch.publish_metrics) {
    metrics = make_cloudwatch_metrics_sink(std::make_shared<aws::CloudWatchClient>(config_for(aws::CloudWatchClient::service_info())),
                                           watch.metric_namespace, pair.account, pair.region);
  }
  WatchCycleOptions co;
  co.dry_run = options.dry_run;
  co.owner = options.owner.empty() ? default_owner() : options.owner;
  co.notice_context = {account, pair.region, aws::region_long_name(pair.region)};
  return run_watch_cycle(*store, *reader, publisher.get(), metrics.get(), watch, co);
}

}  // namespace

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

nlohmann::json WatchRunResult::to_json() const {
  nlohmann::json j = job.to_json();
  nlohmann::json cs = nlohmann::json::array();
  for (const auto& c : cycles) cs.push_back(c.to_json());
  j["cycles"] = cs;
  j["failures"] = failures;
  return j;
}

WatchRunResult run_watch(const Settings& settings, const WatchSettings& watch, const WatchRunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<Pair> pairs;
  const auto accounts = watch.accounts.empty() ? std::vector<WatchAccount>{WatchAccount{}} : watch.accounts;
  for (const auto& a : accounts) {
    std::vector<std::string> regions = a.regions;
    if (regions.empty()) regions.push_back(aws::ClientFactory(settings.aws).region());
    for (const auto& r : regions) pairs.push_back({a.role_arn, r, account_of_role(a.role_arn)});
  }
  WatchRunResult out;
  out.job.job = Job::Watch;
  out.job.dry_run = options.dry_run;
  std::vector<std::future<WatchCycleResult>> futures;
  for (const auto& p : pairs) {
    futures.push_back(std::async(std::launch::async, [&, p] { return run_pair(settings, watch, options, p); }));
  }
  for (std::size_t i = 0; i < futures.size(); ++i) {
    const std::string scope = scope_of(pairs[i]);
    try {
      auto c = futures[i].get();
      out.job.nodes_seen += c.nodes_listed;
      out.job.api_calls += c.api_calls + c.metric_calls + c.delivery.publish_calls;
      out.job.write_calls += c.metric_calls + c.delivery.publish_calls;
      out.job.pages += c.api_calls;
      if (!c.inventory_complete) out.job.inventory_complete = false;
      for (const auto& e : c.errors) out.job.errors.push_back(scope + ": " + e);
      if (options.on_cycle) options.on_cycle(scope, c);
      out.cycles.push_back(std::move(c));
    } catch (const std::exception& e) {
      out.failures.push_back(scope + ": " + e.what());
      out.job.errors.push_back(scope + ": " + e.what());
    }
  }
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
  out.job.plan = {{"watch", details}, {"failures", out.failures}};
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
    const auto watch = watch_settings_for(ctx.settings);
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
