// `pingwatch status` end to end in-process: the real CLI, client factory, credentials chain, curl transport,
// signer and retry loop against a small cpp-httplib server speaking SSM's protocol (plus EC2/SSM tag
// lookups), paging in 3 pages. Ages must come from the server's Date header, not the local clock.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "aws/http_date.h"
#include "aws/query_protocol.h"
#include "runtime/commands.h"

using nlohmann::json;

namespace {

// 2024-04-12T08:30:00Z: the server's clock; the test process's clock is years away from it.
constexpr double kServerTime = 1712910600;

struct FakeSsm {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::atomic<int> describe_calls{0};
  std::atomic<int> throttle_first{0};   // answer this many DescribeInstanceInformation calls with throttling
  bool deny = false;
  std::vector<std::string> seen_tokens;
  std::vector<json> bodies;
  std::mutex mutex;

  std::vector<json> nodes() {
    std::vector<json> out;
    const char* statuses[] = {"Online", "ConnectionLost", "Inactive", "Online", "Online", "ConnectionLost", "Online"};
    for (int i = 0; i < 7; ++i) {
      const bool hybrid = i >= 5;
      json n = {{"InstanceId", hybrid ? "mi-00000000000000" + std::to_string(i) : "i-000000000000000" + std::to_string(i)},
                {"PingStatus", statuses[i]},
                {"LastPingDateTime", kServerTime - 60.0 * (i + 1)},
                {"AgentVersion", "3.3.40.0"},
                {"PlatformType", "Linux"},
                {"PlatformName", "Amazon Linux"},
                {"PlatformVersion", "2023"},
                {"ResourceType", hybrid ? "ManagedInstance" : "EC2Instance"},
                {"IPAddress", "10.0.0." + std::to_string(i)},
                {"ComputerName", "host-" + std::to_string(i)}};
      out.push_back(n);
    }
    return out;
  }

  void start() {
    server.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Date", pingwatch::aws::format_http_date(std::chrono::system_clock::from_time_t(
                                 static_cast<time_t>(kServerTime))));
      res.set_header("x-amzn-RequestId", "fake-" + std::to_string(describe_calls.load()));
      const std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDSTATUS/", 0) != 0) {
        res.status = 403;
        res.set_content(R"({"__type":"MissingAuthenticationTokenException","message":"no signature"})",
                        "application/x-amz-json-1.1");
        return;
      }
      const std::string target = req.get_header_value("X-Amz-Target");
      if (target == "AmazonSSM.DescribeInstanceInformation") {
        ++describe_calls;
        if (deny) {
          res.status = 400;
          res.set_content(R"({"__type":"AccessDeniedException","Message":"not authorized to perform ssm:DescribeInstanceInformation"})",
                          "application/x-amz-json-1.1");
          return;
        }
        if (throttle_first.load() > 0) {
          --throttle_first;
          res.status = 400;
          res.set_content(R"({"__type":"ThrottlingException","message":"Rate exceeded"})", "application/x-amz-json-1.1");
          return;
        }
        json body = json::parse(req.body);
        std::lock_guard<std::mutex> lock(mutex);
        bodies.push_back(body);
        const int start = body.contains("NextToken") ? std::stoi(body["NextToken"].get<std::string>().substr(4)) : 0;
        auto all = nodes();
        json page = json::array();
        for (int i = start; i < start + 3 && i < static_cast<int>(all.size()); ++i) page.push_back(all[static_cast<size_t>(i)]);
        json out = {{"InstanceInformationList", page}};
        if (start + 3 < static_cast<int>(all.size())) out["NextToken"] = "page" + std::to_string(start + 3);
        res.set_content(out.dump(), "application/x-amz-json-1.1");
        return;
      }
      if (target == "AmazonSSM.ListTagsForResource") {
        json body = json::parse(req.body);
        res.set_content(json{{"TagList", {{{"Key", "Name"}, {"Value", "onprem-" + body["ResourceId"].get<std::string>().substr(17)}}}}}.dump(),
                        "application/x-amz-json-1.1");
        return;
      }
      if (req.body.rfind("Action=DescribeInstances&", 0) == 0) {
        std::string items;
        const auto form = pingwatch::aws::query_protocol::decode_form(req.body);
        if (std::find(form.begin(), form.end(), std::pair<std::string, std::string>{"Filter.1.Name", "instance-id"}) ==
            form.end()) {
          res.status = 400;
          res.set_content("<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>expected an "
                          "instance-id filter</Message></Error></Errors></Response>",
                          "text/xml");
          return;
        }
        for (const auto& [k, v] : form) {
          if (k.rfind("Filter.1.Value.", 0) != 0) continue;   // instance-id filter values
          items += "<item><instanceId>" + v + "</instanceId><instanceState><code>16</code><name>running</name>"
                   "</instanceState><tagSet><item><key>Name</key><value>web-" + v.substr(v.size() - 1) +
                   "</value></item></tagSet></item>";
        }
        res.set_content("<DescribeInstancesResponse><reservationSet><item><instancesSet>" + items +
                            "</instancesSet></item></reservationSet></DescribeInstancesResponse>",
                        "text/xml");
        return;
      }
      res.status = 400;
      res.set_content(R"({"__type":"UnknownOperationException"})", "application/x-amz-json-1.1");
    });
    server.set_keep_alive_timeout(1);   // the shared curl client keeps connections open; stop() waits for them
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    for (int i = 0; i < 200 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~FakeSsm() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

RunResult run_status(std::vector<std::string> args) {
  ::setenv("AWS_ACCESS_KEY_ID", "AKIDSTATUS", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "secret-for-tests", 1);
  ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  ::unsetenv("AWS_PROFILE");
  ::unsetenv("AWS_ENDPOINT_URL");
  ::setenv("AWS_CONFIG_FILE", "/nonexistent/pingwatch-test-config", 1);
  ::setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/pingwatch-test-credentials", 1);
  CLI::App app{"pingwatch"};
  int exit_code = 0;
  pingwatch::runtime::register_status_command(app, exit_code);
  args.insert(args.begin(), "status");
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  try {
    app.parse(reversed);
  } catch (...) {
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    throw;
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {exit_code, out.str(), err.str()};
}

}  // namespace

TEST(StatusCommand, ListsEveryNodeAcrossPagesWithServerClockAges) {
  FakeSsm fake;
  fake.start();
  auto r = run_status({"--endpoint-url", fake.url(), "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc["count"], 7);
  EXPECT_EQ(fake.describe_calls.load(), 3);
  EXPECT_EQ(doc["server_time"], "2024-04-12T08:30:00Z");
  for (int i = 0; i < 7; ++i) {
    const json& n = doc["nodes"][static_cast<size_t>(i)];
    // Node i last pinged (i+1) minutes before the server's Date: the age proves the server clock is used.
    EXPECT_EQ(n["last_ping_age_seconds"], 60.0 * (i + 1)) << n.dump();
  }
  EXPECT_EQ(doc["nodes"][0]["instance_id"], "i-0000000000000000");
  EXPECT_EQ(doc["nodes"][0]["name"], "web-0");                // EC2 Name tag
  EXPECT_EQ(doc["nodes"][5]["name"], "onprem-5");             // SSM tag of a hybrid node
  EXPECT_EQ(doc["nodes"][1]["ping_status"], "ConnectionLost");
  std::lock_guard<std::mutex> lock(fake.mutex);
  ASSERT_EQ(fake.bodies.size(), 3u);
  EXPECT_EQ(fake.bodies[0]["MaxResults"], 50);
  EXPECT_EQ(fake.bodies[2]["NextToken"], "page6");
}

TEST(StatusCommand, TableAndCsvOutputs) {
  FakeSsm fake;
  fake.start();
  auto table = run_status({"--endpoint-url", fake.url(), "--no-name-tags"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("INSTANCE ID"), std::string::npos);
  EXPECT_NE(table.out.find("host-3"), std::string::npos);        // computer name without tag lookup
  EXPECT_NE(table.out.find("4m ago"), std::string::npos);
  EXPECT_NE(table.out.find("7 nodes: 4 Online, 2 ConnectionLost, 1 Inactive"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("\033["), std::string::npos);          // not a terminal: no colour
  auto csv = run_status({"--endpoint-url", fake.url(), "-o", "csv", "--no-name-tags"});
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 8);
  EXPECT_NE(csv.out.find("i-0000000000000001,host-1,ConnectionLost,2024-04-12T08:28:00Z,120,"), std::string::npos)
      << csv.out;
}

TEST(StatusCommand, PingStatusAndTagFilters) {
  FakeSsm fake;
  fake.start();
  auto r = run_status({"--endpoint-url", fake.url(), "-o", "json", "--no-name-tags", "--ping-status", "ConnectionLost"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    std::lock_guard<std::mutex> lock(fake.mutex);
    EXPECT_EQ(fake.bodies[0]["Filters"], json::parse(R"([{"Key":"PingStatus","Values":["ConnectionLost"]}])"));
  }
  // With a tag filter SSM refuses a PingStatus filter alongside: it is applied locally.
  auto t = run_status({"--endpoint-url", fake.url(), "-o", "json", "--no-name-tags", "--filter", "tag:Env=prod",
                       "--filter", "tag:Env=stage", "--ping-status", "ConnectionLost"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  json doc = json::parse(t.out);
  EXPECT_EQ(doc["count"], 2);
  std::lock_guard<std::mutex> lock(fake.mutex);
  EXPECT_EQ(fake.bodies.back()["Filters"], json::parse(R"([{"Key":"tag:Env","Values":["prod","stage"]}])"));
}

TEST(StatusCommand, ThrottledTwiceIsRetriedAndSucceeds) {
  FakeSsm fake;
  fake.throttle_first = 2;
  fake.start();
  auto r = run_status({"--endpoint-url", fake.url(), "-o", "json", "--no-name-tags"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["count"], 7);
  EXPECT_EQ(fake.describe_calls.load(), 5);   // 2 throttled + 3 pages
}

TEST(StatusCommand, AccessDeniedExitsTwoAtOnceWithTheCode) {
  FakeSsm fake;
  fake.deny = true;
  fake.start();
  auto r = run_status({"--endpoint-url", fake.url()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(fake.describe_calls.load(), 1);
  EXPECT_NE(r.err.find("AccessDeniedException"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ssm:DescribeInstanceInformation"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(StatusCommand, UnreachableEndpointAndBadFlagsExitTwo) {
  FakeSsm fake;
  fake.start();
  const std::string url = fake.url();
  fake.server.stop();
  if (fake.thread.joinable()) fake.thread.join();
  ::setenv("AWS_MAX_ATTEMPTS", "1", 1);
  auto r = run_status({"--endpoint-url", url});
  ::unsetenv("AWS_MAX_ATTEMPTS");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot reach"), std::string::npos) << r.err;
  auto bad = run_status({"--endpoint-url", url, "--filter", "Env=prod"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("tag:KEY=VALUE"), std::string::npos);
  auto bad_status = run_status({"--endpoint-url", url, "--ping-status", "Sleeping"});
  EXPECT_EQ(bad_status.exit_code, 2);
}
