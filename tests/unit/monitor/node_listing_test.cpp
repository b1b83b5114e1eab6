// The partitioned full inventory (monitor/node_listing.h) against the local stack's SSM, in process: every node
// listed exactly once, nodes with values nobody foresaw (PlatformType "Plan9", PingStatus "Hibernating", an
// agent version no cell names) included, concurrency bounded, deadline and failures make it incomplete.
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "aws/http_date.h"
#include "local/ssm/ssm_service.h"
#include "monitor/managed_nodes.h"
#include "monitor/node_listing.h"
#include "monitor/watch.h"

namespace pingwatch::monitor {
namespace {

constexpr double kStart = 1712908800;

// SSM over the local stack's service object, as an HttpClient: the real SsmClient and its retries run on it.
class LocalSsm : public aws::HttpClient {
 public:
  LocalSsm(std::size_t generated, const std::string& fleet_json) { reset(generated, fleet_json); }

  // A new fleet behind the same endpoint (what the next listing of the same catalog key sees).
  void reset(std::size_t generated, const std::string& fleet_json) {
    std::lock_guard lock(mutex_);
    context_.clock = std::make_shared<local::SimClock>(kStart, 1);
    local::fleet::FleetOptions options;
    options.nodes = generated;
    options.seed = 11;
    if (!fleet_json.empty()) {
      options.fleet_file = ::testing::TempDir() + "/pw_listing_fleet-" + std::to_string(::getpid()) + ".json";
      FILE* f = std::fopen(options.fleet_file.c_str(), "w");
      std::fputs(fleet_json.c_str(), f);
      std::fclose(f);
    }
    fleet_ = std::make_shared<local::fleet::Fleet>(options, kStart);
    ssm_ = local::make_ssm_service_with_fleet(context_, fleet_);
  }

  aws::HttpResponse send(const aws::HttpRequest& request) override {
    const int now_in_flight = ++in_flight_;
    for (int seen = max_in_flight_.load(); now_in_flight > seen && !max_in_flight_.compare_exchange_weak(seen, now_in_flight);) {
    }
    std::this_thread::sleep_for(latency);
    aws::HttpResponse r;
    r.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"Date", aws::format_http_date(std::chrono::system_clock::now())},
                 {"x-amzn-RequestId", "local"}};
    const auto input = nlohmann::json::parse(request.body);
    ++calls;
    try {
      if (refuse_filtered && input.contains("Filters")) throw local::ServiceError(400, "AccessDeniedException", "refused");
      std::lock_guard lock(mutex_);
      r.body = ssm_->describe_instance_information_text(input, kStart + 60);
      r.status = 200;
    } catch (const local::ServiceError& e) {
      r.status = e.status;
      r.body = nlohmann::json{{"__type", e.code}, {"message", e.what()}}.dump();
    }
    --in_flight_;
    return r;
  }

  std::set<std::string> listed_ids() {   // what SSM lists: the truth every listing must match
    std::lock_guard lock(mutex_);
    std::set<std::string> ids;
    for (const auto& n : fleet_->nodes()) {
      if (local::fleet::Fleet::listed_in_ssm(n)) ids.insert(n.id);
    }
    return ids;
  }

  std::chrono::milliseconds latency{0};
  std::atomic<bool> refuse_filtered{false};
  std::atomic<long> calls{0};
  int max_in_flight() const { return max_in_flight_; }
  void reset_max_in_flight() { max_in_flight_ = 0; }

 private:
  std::mutex mutex_;
  local::StackContext context_;
  std::shared_ptr<local::fleet::Fleet> fleet_;
  std::unique_ptr<local::SsmService> ssm_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

std::shared_ptr<aws::SsmClient> client_for(std::shared_ptr<LocalSsm> http) {
  aws::ClientConfig c;
  c.region = "us-east-1";
  c.endpoint = "http://local.invalid";
  c.credentials = aws::make_static_credentials({"AKIDTEST", "secret", "", std::nullopt, "test"});
  c.http = std::move(http);
  c.sleep = [](std::chrono::milliseconds) {};
  return std::make_shared<aws::SsmClient>(c);
}

struct Run {
  ListingReport report;
  std::map<std::string, int> times_listed;
  std::map<std::string, core::ManagedNode> nodes;
};

Run list(aws::SsmClient& ssm, const std::string& key, int concurrency = 8,
         std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max()) {
  Run run;
  ListingOptions o;
  o.catalog_key = key;
  o.concurrency = concurrency;
  o.deadline = deadline;
  std::atomic<int> inside{0};
  run.report = list_managed_nodes(ssm, o, [&](const aws::DescribeInstanceInformationPage& page) {
    EXPECT_EQ(++inside, 1) << "callbacks must come one at a time";
    for (const auto& n : page.nodes) {
      ++run.times_listed[n.instance_id];
      run.nodes[n.instance_id] = n;
    }
    --inside;
  });
  return run;
}

void expect_exactly_once(const Run& run, const std::set<std::string>& truth) {
  std::set<std::string> got;
  for (const auto& [id, times] : run.times_listed) {
    EXPECT_EQ(times, 1) << id;
    got.insert(id);
  }
  EXPECT_EQ(got, truth);
  EXPECT_EQ(run.report.nodes, static_cast<long>(truth.size()));
}

TEST(NodeListing, ColdListingIsOneCensusChainWithEveryNodeOnce) {
  forget_node_catalog("cold");
  auto http = std::make_shared<LocalSsm>(0, R"({"generate": 600, "nodes": [
    {"id": "i-0aaaaaaaaaaaaaaa1", "platform": "amazon-linux-2023", "platform_type": "Plan9"},
    {"id": "i-0aaaaaaaaaaaaaaa2", "platform": "ubuntu-22.04", "ping_status": "Hibernating"}]})");
  auto ssm = client_for(http);
  const auto run = list(*ssm, "cold");
  EXPECT_TRUE(run.report.complete);
  EXPECT_EQ(run.report.cells, 0);
  EXPECT_TRUE(run.report.census_pass_finished);
  expect_exactly_once(run, http->listed_ids());
  EXPECT_EQ(run.nodes.at("i-0aaaaaaaaaaaaaaa1").platform_type, "Plan9");
  EXPECT_EQ(run.nodes.at("i-0aaaaaaaaaaaaaaa2").ping_status_raw, "Hibernating");
}

TEST(NodeListing, WarmListingRunsPartitionsConcurrentlyAndStillListsUnforeseenNodesOnce) {
  forget_node_catalog("warm");
  const std::string fleet = R"({"generate": 1500, "nodes": [
    {"id": "i-0aaaaaaaaaaaaaaa1", "platform": "amazon-linux-2023", "platform_type": "Plan9"},
    {"id": "i-0aaaaaaaaaaaaaaa2", "platform": "ubuntu-22.04", "ping_status": "Hibernating"}]})";
  auto http = std::make_shared<LocalSsm>(0, fleet);
  auto ssm = client_for(http);
  ASSERT_TRUE(list(*ssm, "warm").report.complete);
  http->latency = std::chrono::milliseconds(2);
  const auto warm = list(*ssm, "warm", 6);
  EXPECT_TRUE(warm.report.complete);
  EXPECT_GT(warm.report.cells, 1);
  expect_exactly_once(warm, http->listed_ids());
  EXPECT_GT(http->max_in_flight(), 1) << "partitions must run concurrently";
  EXPECT_LE(http->max_in_flight(), 6) << "never more calls in flight than the bound";
  EXPECT_EQ(warm.times_listed.at("i-0aaaaaaaaaaaaaaa1"), 1);
  EXPECT_EQ(warm.times_listed.at("i-0aaaaaaaaaaaaaaa2"), 1);
}

TEST(NodeListing, ANodeThatMovedToAnUnforeseenValueIsAskedForByIdAndAGoneOneIsNot) {
  forget_node_catalog("moved");
  auto http = std::make_shared<LocalSsm>(0, R"({"generate": 400, "nodes": [
    {"id": "i-0bbbbbbbbbbbbbbb1", "platform": "amazon-linux-2023"},
    {"id": "i-0bbbbbbbbbbbbbbb2", "platform": "amazon-linux-2023"}]})");
  auto ssm = client_for(http);
  ASSERT_TRUE(list(*ssm, "moved").report.complete);
  // Same generated nodes; b1 now runs an agent no cell names and reports a status nobody knew; b2 is gone.
  http->reset(0, R"({"generate": 400, "nodes": [
    {"id": "i-0bbbbbbbbbbbbbbb1", "platform": "amazon-linux-2023", "platform_type": "Plan9",
     "agent_version": "9.9.9999.0", "ping_status": "Hibernating"}]})");
  const auto warm = list(*ssm, "moved");
  EXPECT_TRUE(warm.report.complete);
  EXPECT_GT(warm.report.cells, 0);
  // b2 always needs the closure; b1 too unless the concurrent census reached it first.
  EXPECT_GE(warm.report.closure_ids, 1);
  EXPECT_LE(warm.report.closure_ids, 2);
  EXPECT_EQ(warm.report.closure_found, warm.report.closure_ids - 1);
  expect_exactly_once(warm, http->listed_ids());
  EXPECT_EQ(warm.nodes.at("i-0bbbbbbbbbbbbbbb1").ping_status_raw, "Hibernating");
}

TEST(NodeListing, ANewNodeWithUnforeseenValuesIsFoundByTheCensusAndThenListedEveryTime) {
  forget_node_catalog("new");
  auto http = std::make_shared<LocalSsm>(0, R"({"generate": 1000, "nodes": []})");
  auto ssm = client_for(http);
  ASSERT_TRUE(list(*ssm, "new").report.complete);
  // A node registers that no cell can return (unknown agent version, unknown platform) and no catalog knows:
  // last in id order, so the census has to walk the whole fleet to reach it.
  http->reset(0, R"({"generate": 1000, "nodes": [
    {"id": "i-0ffffffffffffffff", "platform": "amazon-linux-2023", "platform_type": "Plan9", "agent_version": "9.9.9999.0"}]})");
  const auto truth = http->listed_ids();
  http->latency = std::chrono::milliseconds(1);   // paces the chains: the census advances with the cells
  int found_at = 0;
  for (int i = 1; i <= 12; ++i) {
    const auto run = list(*ssm, "new", 4);
    ASSERT_TRUE(run.report.complete);
    for (const auto& [id, times] : run.times_listed) ASSERT_EQ(times, 1) << id;
    if (run.times_listed.count("i-0ffffffffffffffff")) {
      if (found_at == 0) found_at = i;
    } else {
      ASSERT_EQ(found_at, 0) << "once found, a node is listed by every later inventory";
      EXPECT_EQ(run.times_listed.size() + 1, truth.size());
    }
  }
  ASSERT_GT(found_at, 0) << "the census must reach the new node";
  EXPECT_LE(found_at, 8);
  expect_exactly_once(list(*ssm, "new"), truth);
}

TEST(NodeListing, DeadlineAndFailuresMakeTheInventoryIncomplete) {
  forget_node_catalog("fail");
  auto http = std::make_shared<LocalSsm>(300, "");
  auto ssm = client_for(http);
  const auto past = list(*ssm, "fail", 8, std::chrono::steady_clock::now() - std::chrono::seconds(1));
  EXPECT_FALSE(past.report.complete);
  EXPECT_TRUE(past.report.deadline_reached);
  EXPECT_EQ(http->calls, 0);
  ASSERT_TRUE(list(*ssm, "fail").report.complete);
  http->refuse_filtered = true;   // every cell refused; the census alone cannot vouch for the catalogued nodes
  const auto refused = list(*ssm, "fail");
  EXPECT_FALSE(refused.report.complete);
  ASSERT_FALSE(refused.report.errors.empty());
  EXPECT_NE(refused.report.errors.front().find("AccessDeniedException"), std::string::npos);
}

TEST(NodeListing, CellsAreDisjointCoverEveryCataloguedVersionAndRespectFilterLimits) {
  std::map<std::pair<std::string, std::string>, long> counts;
  for (int v = 0; v < 150; ++v) counts[{"3.0." + std::to_string(v), "Linux"}] = 3;
  counts[{"3.3.1", "Linux"}] = 5000;
  counts[{"3.3.1", "Windows"}] = 800;
  counts[{"3.3.1", "Plan9"}] = 4;
  counts[{"", "Linux"}] = 7;
  const auto cells = plan_listing_cells(counts, 7, 50);
  std::map<std::string, std::set<std::string>> covered;   // version -> platform types ("*" = all)
  for (const auto& c : cells) {
    ASSERT_FALSE(c.filters.empty());
    ASSERT_EQ(c.filters[0].key, "AgentVersion");
    ASSERT_LE(c.filters[0].values.size(), 100u);
    for (const auto& v : c.filters[0].values) {
      const std::string type = c.filters.size() > 1 ? c.filters[1].values.at(0) : "*";
      EXPECT_TRUE(covered[v].insert(type).second) << "cells overlap on " << v << "/" << type;
    }
  }
  EXPECT_EQ(covered.size(), 151u);
  EXPECT_EQ(covered["3.3.1"], (std::set<std::string>{"Linux", "Windows", "MacOS"}));
  EXPECT_EQ(cells.front().expected, 5000);   // longest first
}

TEST(NodeListing, TheConcurrencyAndRateBoundsHoldAcrossEveryChain) {
  forget_node_catalog("bounds");
  auto http = std::make_shared<LocalSsm>(800, "");
  auto ssm = client_for(http);
  ASSERT_TRUE(list(*ssm, "bounds").report.complete);
  http->latency = std::chrono::milliseconds(1);
  http->reset_max_in_flight();
  const auto one = list(*ssm, "bounds", 1);   // one call at a time: the chain only, no side-by-side census
  EXPECT_TRUE(one.report.complete);
  EXPECT_EQ(one.report.cells, 0);
  EXPECT_EQ(http->max_in_flight(), 1);
  expect_exactly_once(one, http->listed_ids());

  http->reset_max_in_flight();
  ListingOptions o;
  o.catalog_key = "bounds";
  o.concurrency = 3;
  o.max_calls_per_second = 100;
  const long calls_before = http->calls;
  const auto started = std::chrono::steady_clock::now();
  const auto report = list_managed_nodes(*ssm, o, [](const aws::DescribeInstanceInformationPage&) {});
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const long calls = http->calls - calls_before;
  EXPECT_TRUE(report.complete);
  EXPECT_GT(report.cells, 0);
  EXPECT_LE(http->max_in_flight(), 3);
  // One shared limiter: N calls need at least (N - 1) / rate seconds, whichever chains make them.
  EXPECT_GE(took, 0.95 * static_cast<double>(calls - 1) / 100.0) << calls << " calls in " << took << " s";
}

const char* kTwoUnforeseen = R"({"generate": 1200, "nodes": [
  {"id": "i-0aaaaaaaaaaaaaaa1", "platform": "amazon-linux-2023", "platform_type": "Plan9"},
  {"id": "i-0aaaaaaaaaaaaaaa2", "platform": "ubuntu-22.04", "ping_status": "Hibernating"}]})";

TEST(NodeListing, WatchFullInventoryIsPartitionedAfterTheFirstAndListsEveryNodeOnce) {
  forget_node_catalog("watch-test");
  auto http = std::make_shared<LocalSsm>(0, kTwoUnforeseen);
  http->latency = std::chrono::milliseconds(1);
  SsmFleetReaderOptions ro;
  ro.use_ec2 = false;
  ro.catalog_key = "watch-test";
  auto reader = make_ssm_fleet_reader(client_for(http), nullptr, ro);
  const auto truth = http->listed_ids();
  for (int cycle = 0; cycle < 2; ++cycle) {
    http->reset_max_in_flight();
    const auto snap = reader->all();
    EXPECT_TRUE(snap.complete);
    std::map<std::string, int> times;
    for (const auto& n : snap.nodes) ++times[n.instance_id];
    EXPECT_EQ(times.size(), truth.size());
    for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
    EXPECT_EQ(times.count("i-0aaaaaaaaaaaaaaa1") + times.count("i-0aaaaaaaaaaaaaaa2"), 2u);
    if (cycle == 1) {
      EXPECT_GT(http->max_in_flight(), 1) << "the second full inventory runs its partitions concurrently";
    }
  }
}

TEST(NodeListing, ForEachManagedNodeIsPartitionedAfterTheFirstAndListsEveryNodeOnce) {
  auto http = std::make_shared<LocalSsm>(0, kTwoUnforeseen);
  http->latency = std::chrono::milliseconds(1);
  Settings settings;
  JobClients clients;
  clients.ssm = client_for(http);
  forget_node_catalog("jobs|http://local.invalid|us-east-1");
  const auto truth = http->listed_ids();
  for (int cycle = 0; cycle < 2; ++cycle) {
    http->reset_max_in_flight();
    JobContext ctx{settings, clients};
    JobResult r;
    r.job = Job::Publish;
    std::map<std::string, int> times;
    for_each_managed_node(ctx, r, [&](const core::ManagedNode& n) { ++times[n.instance_id]; });
    EXPECT_TRUE(r.inventory_complete);
    EXPECT_TRUE(r.errors.empty());
    EXPECT_EQ(r.nodes_seen, static_cast<long>(truth.size()));
    EXPECT_EQ(times.size(), truth.size());
    for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
    if (cycle == 1) {
      EXPECT_GT(http->max_in_flight(), 1) << "the second listing runs its partitions concurrently";
    }
  }
}

}  // namespace
}  // namespace pingwatch::monitor
