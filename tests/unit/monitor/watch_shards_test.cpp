// watch.shard = "k/N" end to end: run_watch (the code the CLI, the daemon and the Lambda handler run) against an
// in-process endpoint answering SSM (a fleet per region), STS and SNS, with state in SQLite. Shards split the
// account-regions without overlap; changing N in the middle of an outage (old and new shards both running for a
// minute, and notices still unsent when the switch happens) neither loses nor repeats a notice, because a pair's
// state is keyed by "<account>/<region>", never by its shard.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "aws/http_date.h"
#include "aws/query_protocol.h"
#include "monitor/watch.h"
#include "monitor/watch_job.h"

using namespace pingwatch;

namespace {

const std::vector<std::string> kRegions = {
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
    "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2",
    "ap-south-1", "sa-east-1"};
constexpr int kNodesPerRegion = 3;

// SSM DescribeInstanceInformation (Filters PingStatus / InstanceIds / tag:), STS GetCallerIdentity and SNS
// Publish on one loopback port. The region of a request is its SigV4 credential scope.
class Endpoint {
 public:
  Endpoint() {
    for (const auto& r : kRegions) {
      for (int i = 0; i < kNodesPerRegion; ++i) status_[r].push_back("Online");
    }
    server_.Post("/", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));   // stop() is a no-op before
  }
  ~Endpoint() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set_status(int node, const std::string& status) {
    std::lock_guard lock(mutex_);
    for (auto& [region, nodes] : status_) nodes[static_cast<std::size_t>(node)] = status;
  }
  void advance(double seconds) { now_ += seconds; }
  void refuse_publish(bool refuse) { refuse_publish_ = refuse; }
  std::vector<std::string> published() {
    std::lock_guard lock(mutex_);
    return published_;
  }

 private:
  static std::string id_of(std::size_t region, int node) {
    return "i-0" + std::to_string(100 + region) + "00000000000" + std::to_string(node);
  }
  static std::string region_of(const httplib::Request& req) {
    const std::string auth = req.get_header_value("Authorization");   // Credential=AKID/DATE/REGION/SERVICE/...
    const auto a = auth.find('/', auth.find("Credential=")) + 1;
    const auto b = auth.find('/', a) + 1;
    return auth.substr(b, auth.find('/', b) - b);
  }
  void reply(httplib::Response& res, int status, const std::string& body, const std::string& type) {
    res.status = status;
    res.set_header("Date", aws::format_http_date(std::chrono::system_clock::from_time_t(static_cast<std::time_t>(now_.load()))));
    res.set_header("x-amzn-RequestId", "shards-test");
    res.set_content(body, type);
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("X-Amz-Target")) return describe(req, res);
    const auto form = aws::query_protocol::decode_form(req.body);
    std::map<std::string, std::string> f(form.begin(), form.end());
    if (f["Action"] == "GetCallerIdentity") {
      return reply(res, 200, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::222222222222:user/ops</Arn>"
                             "<UserId>AIDA</UserId><Account>222222222222</Account></GetCallerIdentityResult>"
                             "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>", "text/xml");
    }
    if (f["Action"] == "Publish" && refuse_publish_) {   // a certain refusal: the notice stays pending
      return reply(res, 403, "<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>not "
                             "authorized</Message></Error><RequestId>r</RequestId></ErrorResponse>", "text/xml");
    }
    if (f["Action"] == "Publish") {
      std::lock_guard lock(mutex_);
      published_.push_back(f["Subject"]);
      return reply(res, 200, "<PublishResponse><PublishResult><MessageId>m" + std::to_string(published_.size()) +
                             "</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
                             "</PublishResponse>", "text/xml");
    }
    reply(res, 400, "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>", "text/xml");
  }

  void describe(const httplib::Request& req, httplib::Response& res) {
    const auto in = nlohmann::json::parse(req.body);
    std::set<std::string> statuses, ids;
    bool tag_filter = false;
    for (const auto& f : in.value("Filters", nlohmann::json::array())) {
      const std::string key = f["Key"];
      if (key == "PingStatus") statuses = f["Values"].get<std::set<std::string>>();
      else if (key == "InstanceIds") ids = f["Values"].get<std::set<std::string>>();
      else tag_filter = true;   // no node carries a tag
    }
    const std::string region = region_of(req);
    const auto r = static_cast<std::size_t>(std::find(kRegions.begin(), kRegions.end(), region) - kRegions.begin());
    nlohmann::json list = nlohmann::json::array();
    std::lock_guard lock(mutex_);
    for (int i = 0; i < kNodesPerRegion && !tag_filter && r < kRegions.size(); ++i) {
      const std::string status = status_[region][static_cast<std::size_t>(i)];
      if ((!statuses.empty() && !statuses.count(status)) || (!ids.empty() && !ids.count(id_of(r, i)))) continue;
      list.push_back({{"InstanceId", id_of(r, i)}, {"PingStatus", status}, {"PlatformType", "Linux"},
                      {"ResourceType", "EC2Instance"}, {"LastPingDateTime", status == "Online" ? now_ - 10 : lost_since_}});
    }
    reply(res, 200, nlohmann::json{{"InstanceInformationList", list}}.dump(), "application/x-amz-json-1.1");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::string>> status_;
  std::vector<std::string> published_;
  std::atomic<double> now_{1712910000};
  double lost_since_ = 1712910000 + 100;
  std::atomic<bool> refuse_publish_{false};
};

class WatchShards : public ::testing::Test {
 protected:
  void SetUp() override {
    // The default credential chain finds these; no profile or instance metadata is consulted.
    setenv("AWS_ACCESS_KEY_ID", "AKIDSHARDS", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/pingwatch-shards-config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/pingwatch-shards-credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    state_ = std::filesystem::temp_directory_path() / ("pingwatch-shards-" + std::to_string(getpid()) + "-" +
                                                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    std::filesystem::remove(state_);
    settings_.aws.region = "us-east-1";
    settings_.aws.endpoint_url = endpoint_.url();
  }
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(state_.string() + suffix);
  }

  // [watch] as an operator writes it: every region of two default@ entries, and this run's shard.
  std::map<std::string, std::string> watch_flags(const std::string& shard) const {
    std::string first = "default@", second = "default@";
    for (std::size_t i = 0; i < kRegions.size(); ++i) (i < kRegions.size() / 2 ? first : second) += kRegions[i] + "+";
    std::map<std::string, std::string> flags = {
        {"watch.accounts", first + "," + second}, {"watch.state", state_.string()},
        {"watch.topic_arn", "arn:aws:sns:us-east-1:222222222222:SSM-Ping"}, {"watch.use_ec2", "false"},
        {"watch.metrics", "false"}};
    if (!shard.empty()) flags["watch.shard"] = shard;
    return flags;
  }
  monitor::WatchSettings watch_settings(const std::string& shard) const {
    monitor::ConfigSource::Inputs in;
    in.getenv = [](const std::string&) { return std::optional<std::string>{}; };
    in.flags = watch_flags(shard);
    return monitor::load_watch_settings(monitor::ConfigSource::load(std::move(in)));
  }

  // One run of shard "k/N": the scopes it watched.
  std::set<std::string> run(const std::string& shard) {
    monitor::WatchRunOptions o;
    o.owner = "shard " + shard;
    const auto r = monitor::run_watch(settings_, watch_settings(shard), o);
    EXPECT_TRUE(r.failures.empty()) << shard << ": " << nlohmann::json(r.failures).dump();
    std::set<std::string> scopes;
    for (const auto& c : r.cycles) {
      EXPECT_TRUE(scopes.insert(c.scope).second) << shard << " ran " << c.scope << " twice";
    }
    return scopes;
  }

  // Every shard of N, one after another (one minute's N invocations); checks they split the pairs exactly.
  void run_all(int n) {
    std::map<std::string, int> runs;
    for (int k = 1; k <= n; ++k) {
      for (const auto& s : run(std::to_string(k) + "/" + std::to_string(n))) ++runs[s];
    }
    EXPECT_EQ(runs.size(), kRegions.size()) << "the " << n << " shards do not cover every account-region";
    for (const auto& [scope, count] : runs) EXPECT_EQ(count, 1) << scope << " is in " << count << " of " << n << " shards";
  }

  // Subjects published per headline ("LOST", "RECOVERED", ...) and region.
  std::map<std::string, std::map<std::string, int>> published_by_kind() {
    std::map<std::string, std::map<std::string, int>> out;
    for (const auto& subject : endpoint_.published()) {
      const auto colon = subject.find(':');
      const std::string kind = subject.substr(12, colon - 12);   // "[pingwatch] LOST: ... in 2222.../us-east-1"
      out[kind][subject.substr(subject.rfind('/') + 1)] += 1;
    }
    return out;
  }

  Endpoint endpoint_;
  monitor::Settings settings_;
  std::filesystem::path state_;
};

TEST_F(WatchShards, EveryShardCountSplitsTheAccountRegionsExactly) {
  const auto all = run("");
  ASSERT_EQ(all.size(), kRegions.size());
  EXPECT_EQ(run("1/1"), all) << "shard 1/1 must watch what an unsharded run watches";
  for (int n = 2; n <= 5; ++n) run_all(n);
}

TEST_F(WatchShards, ChangingTheShardCountMidOutageNeitherLosesNorRepeatsANotice) {
  for (int minute = 0; minute < 3; ++minute, endpoint_.advance(60)) run_all(3);   // baseline, all Online
  EXPECT_TRUE(endpoint_.published().empty());

  // Node 0 of every region is lost; SNS refuses the notices this minute, so they stay pending in each pair's
  // outbox: the shards that take the pairs over after the switch must send them.
  endpoint_.set_status(0, "ConnectionLost");
  endpoint_.refuse_publish(true);
  run_all(3);
  EXPECT_TRUE(endpoint_.published().empty());
  endpoint_.refuse_publish(false);
  endpoint_.advance(60);

  // The switch from 3 to 5 shards: for a minute the old rules and the new ones all run, at the same time, so
  // every pair is watched twice concurrently (the conditional commit and the outbox claim decide).
  std::vector<std::thread> minute;
  for (const std::string shard : {"1/3", "2/3", "3/3", "1/5", "2/5", "3/5", "4/5", "5/5"}) {
    minute.emplace_back([this, shard] { run(shard); });
  }
  for (auto& t : minute) t.join();
  endpoint_.advance(60);
  for (int m = 0; m < 2; ++m, endpoint_.advance(60)) run_all(5);   // still lost: nothing new

  endpoint_.set_status(0, "Online");
  for (int m = 0; m < 2; ++m, endpoint_.advance(60)) run_all(5);

  const auto sent = published_by_kind();
  std::set<std::string> kinds;
  for (const auto& [kind, regions] : sent) kinds.insert(kind);
  EXPECT_EQ(kinds, (std::set<std::string>{"LOST", "RECOVERED"})) << nlohmann::json(endpoint_.published()).dump(1);
  for (const std::string kind : {"LOST", "RECOVERED"}) {
    const auto it = sent.find(kind);
    ASSERT_NE(it, sent.end()) << "no " << kind << " notice at all";
    for (const auto& region : kRegions) {
      const auto r = it->second.find(region);
      EXPECT_EQ(r == it->second.end() ? 0 : r->second, 1) << kind << " notices for " << region;
    }
  }
  EXPECT_EQ(endpoint_.published().size(), 2 * kRegions.size());
}

TEST_F(WatchShards, TheJobRunsTheInvocationsShardOverTheConfiguredOne) {
  // What the Lambda handler does with {"shard":"2/3"}: JobContext::shard over watch.shard (here 1/1).
  settings_.origin.flags = watch_flags("1/1");
  monitor::JobClients clients;
  monitor::JobContext ctx{settings_, clients};
  ctx.shard = core::Shard{2, 3};
  const auto job = monitor::watch_job_definition();
  const auto result = job.run(ctx);
  EXPECT_EQ(result.plan.value("shard", ""), "2/3") << result.to_json().dump();
  std::set<std::string> scopes;
  for (const auto& c : result.plan["watch"]) scopes.insert(c["scope"].get<std::string>());
  EXPECT_EQ(scopes, run("2/3"));
  EXPECT_LT(scopes.size(), kRegions.size());
}

TEST(WatchShardSetting, IsValidatedWithTheKeyNamed) {
  auto load = [](const std::string& shard) {
    monitor::ConfigSource::Inputs in;
    in.getenv = [](const std::string&) { return std::optional<std::string>{}; };
    in.flags = {{"watch.shard", shard}};
    return monitor::load_watch_settings(monitor::ConfigSource::load(std::move(in)));
  };
  EXPECT_EQ(load("2/3").shard, (core::Shard{2, 3}));
  EXPECT_EQ(load("").shard, std::nullopt);
  for (const std::string bad : {"0/3", "4/3", "3", "1/21", "a/b", "1/0", "-1/3", "1/3/5"}) {
    try {
      load(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const monitor::ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("watch.shard = " + bad), std::string::npos) << what;
      EXPECT_NE(what.find("1 <= k <= N <= 20"), std::string::npos) << what;
    }
  }
}

}  // namespace
