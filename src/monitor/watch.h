#pragma once
// `watch`: one stateful cycle per account-region. Reads what can have changed from SSM, decides with the
// pure core (core/transitions.h), commits state + outbox atomically, publishes notices and aggregate metrics.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/cloudwatch_client.h"
#include "aws/ec2_client.h"
#include "aws/sns_client.h"
#include "aws/ssm_client.h"
#include "core/notice.h"
#include "core/shard.h"
#include "core/transitions.h"
#include "monitor/config.h"
#include "monitor/notifier.h"
#include "monitor/state_store.h"

namespace pingwatch::monitor {

// One account (through an assumed role, or the default credentials when role_arn is empty) and its regions;
// or, with `organization`, every ACTIVE account of the organization (organizations:ListAccounts from the home
// account), each through the role member_role_name in it, and the home account with its own credentials.
struct WatchAccount {
  std::string role_arn;
  std::vector<std::string> regions;   // empty: the default region
  bool organization = false;          // "organization:ROLE_NAME@REGION+REGION"
  std::string member_role_name;       // with organization: the role assumed in each member account
};

struct WatchSettings {
  core::WatchPolicy policy;
  std::string topic_arn;                  // empty: notices stay in the outbox (reported) until a topic is set
  std::string state_path;                 // SQLite file (CLI, daemon)
  std::string dynamodb_table;             // DynamoDB table (Lambda); wins over state_path when set
  bool create_table = false;              // create the DynamoDB table if missing (local stack, first deploy)
  std::string metric_namespace = "pingwatch";
  bool publish_metrics = true;            // aggregate metrics: nodes per status, transitions per kind
  bool use_ec2 = true;                    // ec2:DescribeInstances: vanished reason and Name tags
  bool lookup_ignore_tag = true;          // tag filter on full cycles (one extra call)
  int page_size = 50;
  double lease_seconds = 120;
  bool resend_in_doubt = true;
  int interval_seconds = 60;
  std::vector<WatchAccount> accounts;     // empty: the default credentials and region
  // watch.shard "k/N" (core/shard.h): only the (account, region) pairs of shard k of N. Empty: every pair.
  std::optional<core::Shard> shard;
  std::vector<std::string> exclude_accounts;   // account ids an organization entry skips
  int member_failure_cycles = 5;          // a member failing this many cycles in a row is notified once
};

// Reads [watch] (and PINGWATCH_WATCH_*); throws ConfigError naming the key.
WatchSettings load_watch_settings(const ConfigSource& source);
std::string default_state_path();         // ~/.local/state/pingwatch/watch.db (XDG_STATE_HOME honoured)

// What a cycle reads from the fleet. The SSM implementation counts its API calls.
class FleetReader {
 public:
  virtual ~FleetReader() = default;
  virtual core::FleetSnapshot all() = 0;                                      // full inventory
  // The full inventory without a snapshot: each node handed over with the server time of the page that
  // listed it, the page then dropped (a 100,000-node snapshot is ~100 MB; issue 14 §7). The default asks all().
  struct ListingEnd {
    bool complete = true;
    double server_time = 0;   // the latest page's
  };
  using NodeSink = std::function<void(const core::ManagedNode& node, double observed_at)>;
  virtual ListingEnd all_nodes(const NodeSink& on_node);
  virtual core::FleetSnapshot not_online() = 0;                               // Filters PingStatus=ConnectionLost,Inactive
  virtual core::FleetSnapshot by_ids(const std::vector<std::string>& ids) = 0;   // InstanceIds, 50 per call
  // Ids carrying the ignore tag; nullopt when it could not be asked.
  virtual std::optional<std::set<std::string>> tagged(const std::string& key, const std::string& value) = 0;
  struct Ec2Facts {
    std::map<std::string, core::VanishedReason> reasons;
    std::map<std::string, std::map<std::string, std::string>> tags;
  };
  virtual Ec2Facts ec2_facts(const std::vector<std::string>& ids) = 0;       // empty when not allowed
  virtual long api_calls() const = 0;
  // Server time of the page that listed each node since the last call (then cleared).
  virtual std::map<std::string, double> take_observed_times() { return {}; }
};

struct SsmFleetReaderOptions {
  int page_size = 50;
  bool use_ec2 = true;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // The full inventory's partition catalog (node_listing.h): one per endpoint, account and region. Empty: every
  // full inventory is one sequential chain.
  std::string catalog_key;
};
std::unique_ptr<FleetReader> make_ssm_fleet_reader(std::shared_ptr<aws::SsmClient> ssm,
                                                   std::shared_ptr<aws::Ec2Client> ec2, SsmFleetReaderOptions options);

// Aggregate metrics sink (PutMetricData of the counts; one call).
class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  virtual void put(const core::FleetCounts& counts, double server_time) = 0;
};
std::unique_ptr<MetricsSink> make_cloudwatch_metrics_sink(std::shared_ptr<aws::CloudWatchClient> cloudwatch,
                                                          std::string metric_namespace, std::string account,
                                                          std::string region);

struct WatchCycleOptions {
  bool dry_run = false;
  std::string owner = "pingwatch";
  core::NoticeContext notice_context;
  std::function<double()> now;   // for outbox timestamps; default: the observation's server time
  // Test hook: "before-commit", "after-commit", then the notifier's steps; throwing simulates a crash.
  std::function<void(const std::string& step, const std::string& notice_id)> hook;
};

struct WatchCycleResult {
  std::string scope;
  bool full_inventory = false;
  bool inventory_complete = true;
  bool committed = false;
  bool lost_race = false;            // another run committed this version first: nothing notified
  long nodes_known = 0;
  long nodes_listed = 0;
  long verify_ids = 0;
  long records_written = 0;   // what the commit writes: changed records, removed ones, cold<->hot moves
  long records_removed = 0;
  long records_moved = 0;
  long api_calls = 0;                // SSM + EC2 reads this cycle
  long metric_calls = 0;
  std::vector<core::Transition> transitions;
  std::vector<core::Notice> notices;   // created this cycle
  DeliveryReport delivery;
  core::FleetCounts counts;
  double server_time = 0;
  double duration_seconds = 0;
  std::vector<std::string> errors;
  nlohmann::json to_json() const;
};

WatchCycleResult run_watch_cycle(StateStore& store, FleetReader& reader, NoticePublisher* publisher,
                                 MetricsSink* metrics, const WatchSettings& settings, const WatchCycleOptions& options);

}  // namespace pingwatch::monitor
