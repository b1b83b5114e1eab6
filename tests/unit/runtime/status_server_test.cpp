// The status server's pieces without a socket: exposition text, the board, every route's status and body,
// the dashboard's HTML, and the listen address rules.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "monitor/config.h"
#include "runtime/metrics_text.h"
#include "runtime/status_board.h"
#include "runtime/status_render.h"
#include "runtime/status_routes.h"
#include "runtime/status_server.h"

using namespace pingwatch;
using namespace pingwatch::runtime;
using nlohmann::json;

namespace {

constexpr double kNow = 1764860400;   // 2025-12-04T15:00:00Z

NodeView node(const std::string& id, core::Condition c, double since, const std::string& name = "") {
  NodeView n;
  n.instance_id = id;
  n.name = name;
  n.scope = "123456789012/ap-northeast-1";
  n.condition = c;
  n.ping_status = c == core::Condition::Healthy ? "Online" : "ConnectionLost";
  n.since = since;
  n.last_ping = since - 30;
  n.platform = "Linux";
  n.ip = "10.0.0.1";
  n.agent_version = "3.3.0.0";
  return n;
}

void fill(StatusBoard& board) {
  ScopeNodes s;
  s.scope = "123456789012/ap-northeast-1";
  s.nodes = {node("i-0000000000000000a", core::Condition::Healthy, kNow - 3600, "web-1"),
             node("i-0000000000000000b", core::Condition::Lost, kNow - 120, "db \"primary\"\n"),
             node("i-0000000000000000c", core::Condition::Stale, kNow - 600),
             node("i-0000000000000000d", core::Condition::Lost, kNow - 900, "<script>alert(1)</script>")};
  board.set_scope_nodes(std::move(s));
}

monitor::WatchCycleResult cycle_with(core::TransitionKind kind, const std::string& id, double at) {
  monitor::WatchCycleResult c;
  c.scope = "sqlite:/var/lib/pingwatch/watch.db (123456789012/ap-northeast-1)";   // the store, not the label
  c.server_time = at;
  core::Transition t;
  t.kind = kind;
  t.instance_id = id;
  t.from = core::Condition::Healthy;
  t.to = core::Condition::Lost;
  t.status = "ConnectionLost";
  t.observed_at = at;
  t.notify = true;
  c.transitions.push_back(t);
  c.delivery.sent = 1;
  return c;
}

StatusReply get(const StatusBoard& board, const std::string& path,
                std::vector<std::pair<std::string, std::string>> query = {}, const std::string& method = "GET",
                double now = kNow) {
  return handle_status_request({method, path, std::move(query)}, board, now);
}

}  // namespace

TEST(MetricsText, EscapesLabelValuesAndWritesHelpAndType) {
  MetricsText out;
  out.family("x_total", "counter", "Help with \\ and\nnewline.");
  out.sample("x_total", {"a", "b"}, {"quote\" back\\slash", "new\nline"}, 3);
  out.sample("x_total", {}, {}, 0.25);
  EXPECT_EQ(out.text(),
            "# HELP x_total Help with \\\\ and\\nnewline.\n# TYPE x_total counter\n"
            "x_total{a=\"quote\\\" back\\\\slash\",b=\"new\\nline\"} 3\nx_total 0.25\n");
  EXPECT_THROW(out.sample("x_total", {"a"}, {}, 1), std::logic_error);
}

TEST(MetricsText, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  HistogramFamily h("d_seconds", "d", {"job"}, {0.5, 1, 5});
  h.observe({"watch"}, 0.2);
  h.observe({"watch"}, 0.7);
  h.observe({"watch"}, 30);
  MetricsText out;
  h.write(out);
  const std::string t = out.text();
  EXPECT_NE(t.find("d_seconds_bucket{job=\"watch\",le=\"0.5\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("d_seconds_bucket{job=\"watch\",le=\"1\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("d_seconds_bucket{job=\"watch\",le=\"5\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("d_seconds_bucket{job=\"watch\",le=\"+Inf\"} 3\n"), std::string::npos) << t;
  EXPECT_NE(t.find("d_seconds_sum{job=\"watch\"} 30.9\n"), std::string::npos) << t;
  EXPECT_NE(t.find("d_seconds_count{job=\"watch\"} 3\n"), std::string::npos) << t;
}

TEST(StatusMetrics, NodeGaugesCountersAndJobTimestamps) {
  StatusBoard board;
  fill(board);
  board.add_job("watch", 60);
  monitor::JobResult ok;
  ok.duration_seconds = 0.3;
  board.job_finished("watch", ok, kNow - 5);
  board.record_watch_cycle("123456789012/ap-northeast-1", cycle_with(core::TransitionKind::Lost, "i-0000000000000000b", kNow - 120), kNow);
  board.count_aws_attempt("ssm", "DescribeInstanceInformation", "throttled");
  const std::string t = render_metrics(board, *board.snapshot());
  const std::string scope = "scope=\"123456789012/ap-northeast-1\"";
  EXPECT_NE(t.find("pingwatch_nodes{" + scope + ",condition=\"lost\"} 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("pingwatch_nodes{" + scope + ",condition=\"stale\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("pingwatch_nodes{" + scope + ",condition=\"absent\"} 0\n"), std::string::npos) << t;
  EXPECT_NE(t.find("pingwatch_node_healthy{" + scope + ",instance_id=\"i-0000000000000000a\",name=\"web-1\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("instance_id=\"i-0000000000000000b\",name=\"db \\\"primary\\\"\\n\"} 0\n"), std::string::npos) << t;
  EXPECT_NE(t.find("pingwatch_transitions_total{" + scope + ",kind=\"lost\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("pingwatch_transitions_total{" + scope + ",kind=\"recovered\"} 0\n"), std::string::npos) << t;
  EXPECT_NE(t.find("pingwatch_notices_total{outcome=\"sent\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("pingwatch_aws_requests_total{service=\"ssm\",operation=\"DescribeInstanceInformation\",outcome=\"throttled\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("pingwatch_last_successful_cycle_timestamp_seconds{job=\"watch\"} 1764860395\n"), std::string::npos) << t;
  EXPECT_NE(t.find("pingwatch_cycle_duration_seconds_count{job=\"watch\"} 1\n"), std::string::npos) << t;
}

TEST(StatusRoutes, UnknownPathIs404AndOtherMethods405AsJson) {
  StatusBoard board;
  const auto missing = get(board, "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.content_type, "application/json");
  EXPECT_TRUE(json::parse(missing.body).contains("error"));
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    const auto r = get(board, "/metrics", {}, method);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_TRUE(json::parse(r.body).contains("error"));
    EXPECT_EQ(r.headers.back(), (std::pair<std::string, std::string>{"Allow", "GET, HEAD"}));
  }
  EXPECT_EQ(get(board, "/healthz", {}, "HEAD").status, 200);
}

TEST(StatusRoutes, BadQueryParametersAreJson400) {
  StatusBoard board;
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> bad{
      {"/api/v1/transitions", {{"since", "yesterday"}}},
      {"/api/v1/transitions", {{"since", "2026-13-01T00:00:00Z"}}},
      {"/api/v1/transitions", {{"until", "2026-12-01T00:00:00Z"}}},
      {"/api/v1/nodes", {{"condition", "sick"}}},
      {"/api/v1/nodes", {{"scope", "a"}, {"scope", "b"}}},
      {"/metrics", {{"x", "1"}}},
  };
  for (const auto& [path, query] : bad) {
    const auto r = get(board, path, query);
    EXPECT_EQ(r.status, 400) << path << " " << query.front().first << "=" << query.front().second;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_FALSE(json::parse(r.body)["error"].get<std::string>().empty());
  }
}

TEST(StatusRoutes, NodesAreNotHealthyFirstWithEveryField) {
  StatusBoard board;
  fill(board);
  const auto r = get(board, "/api/v1/nodes");
  ASSERT_EQ(r.status, 200);
  const auto nodes = json::parse(r.body);
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[0]["instance_id"], "i-0000000000000000d");   // lost longest
  EXPECT_EQ(nodes[1]["instance_id"], "i-0000000000000000b");
  EXPECT_EQ(nodes[2]["condition"], "stale");
  EXPECT_EQ(nodes[3]["condition"], "healthy");
  for (const char* key : {"instance_id", "name", "scope", "condition", "ping_status", "since", "last_ping", "platform",
                          "ip", "agent_version"}) {
    EXPECT_TRUE(nodes[0].contains(key)) << key;
  }
  EXPECT_EQ(nodes[0]["since"], "2025-12-04T14:45:00Z");
  const auto lost = json::parse(get(board, "/api/v1/nodes", {{"condition", "lost"}}).body);
  EXPECT_EQ(lost.size(), 2u);
  EXPECT_EQ(json::parse(get(board, "/api/v1/nodes", {{"scope", "other/us-east-1"}}).body).size(), 0u);
}

TEST(StatusRoutes, TransitionsSinceFilters) {
  StatusBoard board;
  board.record_watch_cycle("123456789012/ap-northeast-1", cycle_with(core::TransitionKind::Lost, "i-1", kNow - 600), kNow);
  board.record_watch_cycle("123456789012/ap-northeast-1", cycle_with(core::TransitionKind::Recovered, "i-2", kNow - 60), kNow);
  auto all = json::parse(get(board, "/api/v1/transitions").body)["transitions"];
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["kind"], "lost");
  EXPECT_EQ(all[0]["at"], "2025-12-04T14:50:00Z");
  auto recent = json::parse(get(board, "/api/v1/transitions", {{"since", "2025-12-04T14:55:00Z"}}).body)["transitions"];
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0]["instance_id"], "i-2");
}

TEST(StatusRoutes, ReadyzNeedsEveryJobSucceededWithinTwoIntervals) {
  StatusBoard board;
  board.add_job("watch", 60);
  board.add_job("publish", 60);
  auto r = get(board, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["reasons"].size(), 2u);
  monitor::JobResult ok;
  monitor::JobResult failed;
  failed.errors.push_back("ssm: AccessDeniedException");
  board.job_finished("watch", ok, kNow - 10);
  board.job_finished("publish", failed, kNow - 10);
  r = get(board, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("AccessDeniedException"), std::string::npos) << r.body;
  board.job_finished("publish", ok, kNow - 5);
  EXPECT_EQ(get(board, "/readyz").status, 200);
  EXPECT_EQ(get(board, "/readyz", {}, "GET", kNow + 105).status, 200);   // 115 s after the watch success: within 2 x 60 s
  r = get(board, "/readyz", {}, "GET", kNow + 121);   // 131 s: late
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(json::parse(r.body)["reasons"][0].get<std::string>().find("job watch"), std::string::npos);
}

TEST(StatusDashboard, RendersNotHealthyFirstEscapedWithFleetManagerLinks) {
  StatusBoard board;
  fill(board);
  board.add_job("watch", 60);
  board.record_watch_cycle("123456789012/ap-northeast-1", cycle_with(core::TransitionKind::Lost, "i-0000000000000000b", kNow - 120), kNow);
  const auto r = get(board, "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  const std::string& html = r.body;
  EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  const auto d = html.find("data-instance-id=\"i-0000000000000000d\" data-condition=\"lost\"");
  const auto b = html.find("data-instance-id=\"i-0000000000000000b\" data-condition=\"lost\"");
  const auto c = html.find("data-instance-id=\"i-0000000000000000c\" data-condition=\"stale\"");
  const auto a = html.find("data-instance-id=\"i-0000000000000000a\" data-condition=\"healthy\"");
  ASSERT_NE(d, std::string::npos);
  EXPECT_TRUE(d < b && b < c && c < a);
  EXPECT_NE(html.find("https://ap-northeast-1.console.aws.amazon.com/systems-manager/fleet-manager/managed-nodes/"
                      "i-0000000000000000d/general?region=ap-northeast-1"),
            std::string::npos);
  EXPECT_NE(html.find("data-kind=\"lost\""), std::string::npos);
  EXPECT_EQ(html.find("{{"), std::string::npos);          // every template marker filled
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);   // no external assets
  EXPECT_EQ(html.find("href=\"http://"), std::string::npos);
  const auto live = get(board, "/dashboard/live");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.body.find("<html"), std::string::npos);
  EXPECT_NE(live.body.find("data-condition=\"lost\""), std::string::npos);
}

TEST(StatusServerSettings, ListenIsLoopbackUnlessAllowed) {
  EXPECT_EQ(parse_listen_address("127.0.0.1:9464", false).port, 9464);
  EXPECT_EQ(parse_listen_address("9464", false).host, "127.0.0.1");
  EXPECT_EQ(parse_listen_address("[::1]:0", false).host, "::1");
  EXPECT_EQ(parse_listen_address("localhost:1", false).host, "localhost");
  EXPECT_THROW(parse_listen_address("0.0.0.0:9464", false), monitor::ConfigError);
  EXPECT_EQ(parse_listen_address("0.0.0.0:9464", true).host, "0.0.0.0");
  for (const char* bad : {"127.0.0.1:", "127.0.0.1:70000", ":9464", "::1:9464", "127.0.0.1:x", "[::1]9464"}) {
    EXPECT_THROW(parse_listen_address(bad, true), monitor::ConfigError) << bad;
  }
  monitor::ConfigSource::Inputs in;
  in.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "PINGWATCH_SERVER_LISTEN") return "10.1.2.3:9464";
    return std::nullopt;
  };
  const auto source = monitor::ConfigSource::load(in);
  try {
    load_server_settings(source);
    FAIL() << "a non-loopback address needs server.allow_remote";
  } catch (const monitor::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("server.listen"), std::string::npos) << e.what();
  }
}

// The one loopback check: the status server's listen address and `pingwatch local --host` (which takes an IPv6
// address in brackets too).
TEST(StatusServerSettings, LoopbackHostsAreLocalhost127AndColonColon1) {
  for (const char* host : {"localhost", "127.0.0.1", "127.9.8.7", "::1", "[::1]"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "10.1.2.3", "::", "[::]", "example.com", "[::1", "[]", ""}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(StatusDashboard, AgesAreMeasuredOnTheScopesAwsClock) {
  StatusBoard board;
  const double aws_now = kNow + 3600;   // the AWS clock (or the local stack's accelerated one) runs an hour ahead
  ScopeNodes s;
  s.scope = "123456789012/ap-northeast-1";
  s.nodes = {node("i-0000000000000000e", core::Condition::Lost, aws_now - 300)};
  board.set_scope_nodes(std::move(s));
  auto cycle = cycle_with(core::TransitionKind::Lost, "i-0000000000000000e", aws_now);
  board.record_watch_cycle("123456789012/ap-northeast-1", cycle, kNow);
  const std::string html = get(board, "/dashboard/live", {}, "GET", kNow + 20).body;
  EXPECT_NE(html.find(">5m 20s ago<"), std::string::npos) << html;   // since: 300 s before the cycle, 20 s later
  EXPECT_NE(html.find(">5m 50s<"), std::string::npos) << html;       // last ping: 30 s before that
}
