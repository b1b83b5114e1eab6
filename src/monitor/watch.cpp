// One watch cycle: read (cheaply), decide (pure core), commit state + outbox, notify, count.
#include "monitor/watch.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>

#include <fmt/format.h>

#include "aws/error.h"
#include "monitor/node_listing.h"
#include "monitor/ec2_instances.h"
#include "monitor/watch_stream.h"

namespace pingwatch::monitor {

namespace {

double epoch_seconds(aws::SystemTime t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

class SsmFleetReader : public FleetReader {
 public:
  SsmFleetReader(std::shared_ptr<aws::SsmClient> ssm, std::shared_ptr<aws::Ec2Client> ec2, SsmFleetReaderOptions o)
      : ssm_(std::move(ssm)), ec2_(std::move(ec2)), options_(o) {}

  core::FleetSnapshot all() override {
    // Concurrent partitions, every node once (node_listing.h); a failed call fails the cycle as list() does.
    core::FleetSnapshot snap;
    ListingOptions lo;
    lo.page_size = options_.page_size;
    lo.deadline = options_.deadline;
    lo.catalog_key = options_.catalog_key;
    const auto report = list_managed_nodes(*ssm_, lo, [&](const aws::DescribeInstanceInformationPage& page) { take(page, snap); });
    calls_ += report.pages;
    if (!report.errors.empty()) throw std::runtime_error(report.errors.front());
    snap.complete = report.complete;   // stopped at the deadline: the rest is unknown, absent must not mean vanished
    return snap;
  }

  ListingEnd all_nodes(const NodeSink& on_node) override {
    ListingOptions lo;
    lo.page_size = options_.page_size;
    lo.deadline = options_.deadline;
    lo.catalog_key = options_.catalog_key;
    ListingEnd end;
    const auto report = list_managed_nodes(*ssm_, lo, [&](const aws::DescribeInstanceInformationPage& page) {
      const double t = epoch_seconds(page.server_time);
      for (const auto& n : page.nodes) on_node(n, t);
      end.server_time = std::max(end.server_time, t);
    });
    calls_ += report.pages;
    if (!report.errors.empty()) throw std::runtime_error(report.errors.front());
    end.complete = report.complete;   // stopped at the deadline: the rest is unknown, absent must not mean vanished
    return end;
  }

  core::FleetSnapshot not_online() override {
    // Every status but Online. SSM's filter takes the enum values it knows; an unknown future status is
    // found by the full inventory.
    return list({{"PingStatus", {"ConnectionLost", "Inactive"}}});
  }

  core::FleetSnapshot by_ids(const std::vector<std::string>& ids) override {
    core::FleetSnapshot all;
    all.complete = true;
    for (std::size_t i = 0; i < ids.size(); i += 50) {
      std::vector<std::string> batch(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                     ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + 50)));
      auto part = list({{"InstanceIds", batch}});
      for (auto& n : part.nodes) all.nodes.push_back(std::move(n));
      all.server_time = std::max(all.server_time, part.server_time);
      if (!part.complete) {
        all.complete = false;
        break;
      }
    }
    return all;
  }

  std::optional<std::set<std::string>> tagged(const std::string& key, const std::string& value) override {
    auto snap = list({{"tag:" + key, {value}}});
    if (!snap.complete) return std::nullopt;
    std::set<std::string> ids;
    for (const auto& n : snap.nodes) ids.insert(n.instance_id);
    return ids;
  }

  Ec2Facts ec2_facts(const std::vector<std::string>& ids) override {
    Ec2Facts facts;
    if (!ec2_ || !options_.use_ec2 || ec2_unusable_) return facts;
    try {
      facts = ec2_facts_for(*ec2_, ids, calls_);
    } catch (const std::exception& e) {
      // No permission (UnauthorizedOperation) or no EC2 endpoint: vanished stays "unknown" (an alert by default).
      ec2_unusable_ = true;
      ec2_error_ = e.what();
      return Ec2Facts{};
    }
    return facts;
  }

  long api_calls() const override { return calls_; }
  std::map<std::string, double> take_observed_times() override { return std::exchange(observed_, {}); }

 private:
  core::FleetSnapshot list(std::vector<aws::SsmFilter> filters) {
    core::FleetSnapshot snap;
    snap.complete = false;
    aws::DescribeInstanceInformationRequest req;
    req.filters = std::move(filters);
    req.max_results = options_.page_size;
    bool stopped_early = false;
    ssm_->for_each_instance_information_page(req, [&](const aws::DescribeInstanceInformationPage& page) {
      ++calls_;
      take(page, snap);
      if (!page.next_token.empty() && std::chrono::steady_clock::now() >= options_.deadline) {
        stopped_early = true;   // the rest is unknown: absent must not mean vanished
        return false;
      }
      return true;
    });
    snap.complete = !stopped_early;
    return snap;
  }

  void take(const aws::DescribeInstanceInformationPage& page, core::FleetSnapshot& snap) {
    const double t = epoch_seconds(page.server_time);
    for (const auto& n : page.nodes) {
      observed_[n.instance_id] = t;
      snap.nodes.push_back(n);
    }
    snap.server_time = std::max(snap.server_time, t);
  }

  std::shared_ptr<aws::SsmClient> ssm_;
  std::shared_ptr<aws::Ec2Client> ec2_;
  SsmFleetReaderOptions options_;
  long calls_ = 0;
  std::map<std::string, double> observed_;
  bool ec2_unusable_ = false;
  std::string ec2_error_;
};

class CloudWatchMetricsSink : public MetricsSink {
 public:
  CloudWatchMetricsSink(std::shared_ptr<aws::CloudWatchClient> cw, std::string ns, std::string account, std::string region)
      : cw_(std::move(cw)), ns_(std::move(ns)), account_(std::move(account)), region_(std::move(region)) {}
  void put(const core::FleetCounts& counts, double server_time) override {
    aws::PutMetricDataRequest req;
    req.namespace_ = ns_;
    (void)server_time;
    auto datum = [&](const std::string& name, const std::string& dim, const std::string& value, double v) {
      aws::MetricDatum d;
      d.metric_name = name;
      d.dimensions = {{dim, value}};
      d.value = v;
      d.unit = "Count";   // no Timestamp: CloudWatch stamps it on receipt (no local clock involved)
      req.metric_data.push_back(std::move(d));
    };
    for (const auto& [status, n] : counts.by_status) datum("Nodes", "PingStatus", status, static_cast<double>(n));
    datum("Nodes", "PingStatus", "Stale", static_cast<double>(counts.by_condition.at("stale")));
    for (const auto& [kind, n] : counts.by_transition) datum("Transitions", "Transition", kind, static_cast<double>(n));
    cw_->put_metric_data(req);   // 12 data: one call
  }

 private:
  std::shared_ptr<aws::CloudWatchClient> cw_;
  std::string ns_, account_, region_;
};

}  // namespace

FleetReader::ListingEnd FleetReader::all_nodes(const NodeSink& on_node) {
  const auto snap = all();
  const auto times = take_observed_times();
  for (const auto& n : snap.nodes) {
    const auto t = times.find(n.instance_id);
    on_node(n, t == times.end() ? snap.server_time : t->second);   // unknown: the snapshot's time, as the core takes it
  }
  return {snap.complete, snap.server_time};
}

std::unique_ptr<FleetReader> make_ssm_fleet_reader(std::shared_ptr<aws::SsmClient> ssm, std::shared_ptr<aws::Ec2Client> ec2,
                                                   SsmFleetReaderOptions options) {
  return std::make_unique<SsmFleetReader>(std::move(ssm), std::move(ec2), options);
}

std::unique_ptr<MetricsSink> make_cloudwatch_metrics_sink(std::shared_ptr<aws::CloudWatchClient> cloudwatch,
                                                          std::string metric_namespace, std::string account,
                                                          std::string region) {
  return std::make_unique<CloudWatchMetricsSink>(std::move(cloudwatch), std::move(metric_namespace), std::move(account),
                                                 std::move(region));
}

nlohmann::json WatchCycleResult::to_json() const {
  nlohmann::json ts = nlohmann::json::array();
  for (const auto& t : transitions) {
    nlohmann::json j = {{"transition", std::string(core::to_string(t.kind))},
                        {"instance_id", t.instance_id},
                        {"from", std::string(core::to_string(t.from))},
                        {"to", std::string(core::to_string(t.to))},
                        {"status", t.status},
                        {"notify", t.notify}};
    if (!t.suppressed_by.empty()) j["suppressed_by"] = t.suppressed_by;
    if (t.kind == core::TransitionKind::Vanished) j["vanished_reason"] = std::string(core::to_string(t.vanished_reason));
    ts.push_back(std::move(j));
  }
  nlohmann::json ns = nlohmann::json::array();
  for (const auto& n : notices) ns.push_back({{"id", n.id}, {"subject", n.subject}, {"digest", n.digest}, {"transitions", n.transition_keys.size()}});
  return {{"scope", scope},
          {"full_inventory", full_inventory},
          {"inventory_complete", inventory_complete},
          {"committed", committed},
          {"lost_race", lost_race},
          {"nodes_known", nodes_known},
          {"nodes_listed", nodes_listed},
          {"verify_ids", verify_ids},
          {"state_writes", {{"records", records_written}, {"removed", records_removed}, {"moved", records_moved}}},
          {"api_calls", api_calls},
          {"metric_calls", metric_calls},
          {"transitions", ts},
          {"notices", ns},
          {"delivery", {{"sent", delivery.sent}, {"failed", delivery.failed}, {"in_doubt", delivery.in_doubt},
                        {"resent_in_doubt", delivery.resent_in_doubt}, {"skipped", delivery.skipped},
                        {"publish_calls", delivery.publish_calls}}},
          {"counts", {{"by_status", counts.by_status}, {"by_condition", counts.by_condition}, {"by_transition", counts.by_transition}}},
          {"server_time", server_time},
          {"duration_seconds", duration_seconds},
          {"errors", errors}};
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

// Full inventory: every node listed, every record judged (and the ignore tag looked up once).
StoredState observe_everything(StateStore& store, FleetReader& reader, const WatchSettings& settings, core::Observation& obs) {
  const auto& policy = settings.policy;
  StoredState loaded = store.load();
  obs.full = true;
  obs.snapshot = reader.all();
  if (settings.lookup_ignore_tag && !policy.ignore_tag_key.empty() && obs.snapshot.complete) {
    obs.ignored_ids = reader.tagged(policy.ignore_tag_key, policy.ignore_tag_value);
  }
  return loaded;
}

// Quiet nodes this cycle lists or asks about are judged on their full records. Ids the compact load did not
// return at all may be cold records (DynamoDB): each one found is taken off the cold count.
void pull_in_play(StateStore& store, StoredState& loaded, const std::set<std::string>& in_play) {
  std::set<std::string> quiet_in_play;   // never a set of every quiet id: that is the memory compact loading saves
  for (const auto& q : loaded.quiet) {
    if (in_play.count(q.instance_id)) quiet_in_play.insert(q.instance_id);
  }
  std::vector<std::string> wanted(quiet_in_play.begin(), quiet_in_play.end());
  for (const auto& id : in_play) {
    if (loaded.cold > 0 && !quiet_in_play.count(id) && !loaded.watch.nodes.count(id)) wanted.push_back(id);
  }
  if (wanted.empty()) return;
  for (auto& r : store.load_records(wanted)) {
    if (!quiet_in_play.count(r.instance_id)) --loaded.cold;
    std::string id = r.instance_id;
    loaded.watch.nodes.insert_or_assign(std::move(id), std::move(r));
  }
  std::erase_if(loaded.quiet, [&](const core::QuietNode& q) { return loaded.watch.nodes.count(q.instance_id) > 0; });
}

// Partial cycle: the nodes not Online, then by id the few in play (core::ids_to_verify). Quiet nodes are
// loaded compactly (core::QuietNode, or only counted): a 100,000-node steady cycle holds a few MB of state.
StoredState observe_cheaply(StateStore& store, FleetReader& reader, const core::WatchPolicy& policy, core::Observation& obs,
                            WatchCycleResult& result) {
  StoredState loaded = store.load_compact();
  obs.full = false;
  obs.snapshot = reader.not_online();
  std::set<std::string> listed;
  for (const auto& n : obs.snapshot.nodes) listed.insert(n.instance_id);
  const auto ids = core::ids_to_verify(loaded.watch, listed, obs.snapshot.server_time, policy, loaded.quiet);
  std::set<std::string> in_play = listed;
  in_play.insert(ids.begin(), ids.end());
  pull_in_play(store, loaded, in_play);
  result.verify_ids = static_cast<long>(ids.size());
  if (ids.empty()) return loaded;
  auto verified = reader.by_ids(ids);
  for (auto& n : verified.nodes) {
    if (!listed.count(n.instance_id)) obs.snapshot.nodes.push_back(std::move(n));
  }
  obs.snapshot.server_time = std::max(obs.snapshot.server_time, verified.server_time);
  if (verified.complete) obs.queried_ids.insert(ids.begin(), ids.end());
  return loaded;
}

// Decide; a first pass tells which nodes need EC2's word (why a node vanished; Name tags for notices).
core::CycleOutcome decide(const StoredState& loaded, core::Observation& obs, FleetReader& reader, const WatchSettings& settings) {
  auto outcome = core::evaluate_cycle(loaded.watch, obs, settings.policy);
  if (!settings.use_ec2) return outcome;
  std::vector<std::string> ids;
  for (const auto& t : outcome.transitions) {
    if (t.notify || t.kind == core::TransitionKind::Vanished) ids.push_back(t.instance_id);
  }
  if (ids.empty()) return outcome;
  auto facts = reader.ec2_facts(ids);
  if (facts.reasons.empty() && facts.tags.empty()) return outcome;
  obs.vanished_reasons = std::move(facts.reasons);
  obs.tags = std::move(facts.tags);
  return core::evaluate_cycle(loaded.watch, obs, settings.policy);
}

// What a cycle decided, read either way: the stored records it judged (all of them, or with a streamed full
// inventory only those the commit touches), the next state (likewise), the transitions and the counts.
struct Decision {
  StoredState loaded;
  core::WatchState next;
  std::vector<core::Transition> transitions;
  core::FleetCounts counts;
  long nodes_known = 0;
  std::unique_ptr<PartCommit> part;   // the records already written to it (a streamed full inventory)
  WriteCounts written;                // what `part` holds
};

// Whole states: a partial cycle (quiet records compact), or a full one on a store that does not stream.
Decision decide_whole(StateStore& store, FleetReader& reader, const WatchSettings& settings, WatchCycleResult& result) {
  const auto& policy = settings.policy;
  core::Observation obs;
  StoredState loaded = result.full_inventory ? observe_everything(store, reader, settings, obs)
                                             : observe_cheaply(store, reader, policy, obs, result);
  obs.observed_at = reader.take_observed_times();
  result.inventory_complete = obs.snapshot.complete;
  result.nodes_listed = static_cast<long>(obs.snapshot.nodes.size());
  result.server_time = obs.snapshot.server_time;

  auto outcome = decide(loaded, obs, reader, settings);
  Decision d;
  d.counts = core::count_fleet(outcome.state, outcome.transitions, loaded.quiet, loaded.cold);
  d.nodes_known = static_cast<long>(outcome.state.nodes.size() + loaded.quiet.size()) + loaded.cold;
  // Cold records whose last ping only moved within its bucket are not rewritten (decisions unchanged).
  core::keep_unmoved_records(loaded.watch, outcome.state, policy);
  d.transitions = std::move(outcome.transitions);
  d.next = std::move(outcome.state);
  d.loaded = std::move(loaded);
  return d;
}

// A full inventory in flat memory (watch_stream.h): the same decision, only the records that change kept.
Decision decide_streamed(StateStore& store, FleetReader& reader, const WatchSettings& settings, bool dry_run,
                         WatchCycleResult& result) {
  auto s = stream_full_inventory(store, reader, settings, !dry_run);
  result.inventory_complete = s.complete;
  result.nodes_listed = s.nodes_listed;
  result.server_time = s.server_time;
  return {std::move(s.loaded), std::move(s.next), std::move(s.transitions), std::move(s.counts), s.nodes_known,
          std::move(s.part), s.written};
}

void publish_metrics(MetricsSink* metrics, const WatchSettings& settings, double observed_at, WatchCycleResult& result) {
  if (!metrics || !settings.publish_metrics) return;
  try {
    ++result.metric_calls;
    metrics->put(result.counts, observed_at);
  } catch (const std::exception& e) {
    result.errors.push_back(std::string("PutMetricData: ") + e.what());
  }
}

void deliver(StateStore& store, NoticePublisher* publisher, const WatchSettings& settings, const WatchCycleOptions& options,
             std::function<double()> clock, WatchCycleResult& result) {
  if (!publisher) return;
  DeliveryOptions d;
  d.owner = options.owner;
  d.lease_seconds = settings.lease_seconds;
  d.resend_in_doubt = settings.resend_in_doubt;
  d.now = std::move(clock);
  d.hook = options.hook;
  result.delivery = deliver_outbox(store, *publisher, d);
  for (const auto& e : result.delivery.errors) result.errors.push_back(e);
}

}  // namespace

WatchCycleResult run_watch_cycle(StateStore& store, FleetReader& reader, NoticePublisher* publisher, MetricsSink* metrics,
                                 const WatchSettings& settings, const WatchCycleOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  WatchCycleResult result;
  result.scope = store.describe();
  const auto& policy = settings.policy;
  const long calls_before = reader.api_calls();
  store.use_policy(policy);

  result.full_inventory = core::full_inventory_due(store.load_meta().watch, policy);
  Decision d = result.full_inventory && store.streams_records()
                   ? decide_streamed(store, reader, settings, options.dry_run, result)
                   : decide_whole(store, reader, settings, result);
  result.api_calls = reader.api_calls() - calls_before;
  result.transitions = d.transitions;
  result.notices = core::build_notices(d.transitions, options.notice_context, policy);
  result.counts = std::move(d.counts);
  result.nodes_known = d.nodes_known;
  count_writes(d.loaded.watch, d.next, policy, d.written);
  result.records_written = d.written.written;
  result.records_removed = d.written.removed;
  result.records_moved = d.written.moved;

  const double observed_at = result.server_time;
  const auto clock = [&] {
    if (options.now) return options.now();
    return observed_at + seconds_since(started);   // server time advanced by the local time since the observation
  };
  if (options.dry_run) {
    result.duration_seconds = seconds_since(started);
    return result;
  }
  if (options.hook) options.hook("before-commit", "");
  // A part commit holds the records already; its finish() is the commit point, as commit() is.
  result.committed = d.part ? d.part->finish(d.next, result.notices, clock())
                            : store.commit(d.loaded.version, d.loaded.watch, d.next, result.notices, clock());
  if (!result.committed) {
    result.lost_race = true;   // another run committed this version: it owns these notices
    result.duration_seconds = seconds_since(started);
    return result;
  }
  if (options.hook) options.hook("after-commit", "");
  publish_metrics(metrics, settings, observed_at, result);
  deliver(store, publisher, settings, options, clock, result);
  result.duration_seconds = seconds_since(started);
  return result;
}

}  // namespace pingwatch::monitor
