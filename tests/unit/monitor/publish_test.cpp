#include <gtest/gtest.h>

#include <set>

#include "monitor/publish.h"
#include "unit/monitor/job_fixture.h"

namespace pingwatch::monitor {
namespace {

using testing::JobFixture;

TEST(Publish, ThousandNodesTakeTwentyPagesAndOnePutMetricData) {
  JobFixture f;
  f.fake->add_nodes("i-0", 1000);
  const JobResult r = f.publish();
  EXPECT_TRUE(r.ok()) << r.to_json().dump();
  EXPECT_EQ(r.nodes_seen, 1000);
  EXPECT_EQ(f.fake->calls_of("DescribeInstanceInformation"), 20);
  EXPECT_LE(f.fake->calls_of("PutMetricData"), 2);
  EXPECT_EQ(r.data_published, 1000);
  EXPECT_EQ(r.api_calls, f.fake->calls_of("DescribeInstanceInformation") + f.fake->calls_of("PutMetricData"));
  EXPECT_EQ(f.fake->metric_data().size(), 1000u);
  EXPECT_EQ(r.exit_code(), 0);
}

TEST(Publish, DatumHasThePostsShape) {
  JobFixture f;
  f.fake->set_nodes({{"i-0572676272d863124", "Online"}, {"mi-1", "ConnectionLost"}, {"i-2", "Inactive"}});
  f.publish();
  const auto data = f.fake->metric_data();
  ASSERT_EQ(data.size(), 3u);
  std::map<std::string, double> values;
  for (const auto& d : data) {
    EXPECT_EQ(d["Namespace"], "SSM Agent");
    EXPECT_EQ(d["MetricName"], "Status");
    EXPECT_EQ(d["Unit"], "Count");
    ASSERT_EQ(d["Dimensions"].size(), 1u);
    EXPECT_EQ(d["Dimensions"][0]["Name"], "Per-Instance Metrics");
    EXPECT_FALSE(d.contains("Timestamp"));   // CloudWatch stamps data on receipt, as for the post's code
    values[d["Dimensions"][0]["Value"]] = d["Value"];
  }
  EXPECT_EQ(values["i-0572676272d863124"], 0.0);
  EXPECT_EQ(values["mi-1"], 1.0);
  EXPECT_EQ(values["i-2"], 2.0);
}

TEST(Publish, UnknownStatusIsPublishedAsTheConfiguredValueNotACrash) {
  JobFixture f;
  f.fake->set_nodes({{"i-1", "Hibernating"}, {"i-2", "Online"}});
  f.settings.publish.unknown_status_value = 7;
  const JobResult r = f.publish();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.unknown_statuses, 1);
  for (const auto& d : f.fake->metric_data()) {
    if (d["Dimensions"][0]["Value"] == "i-1") {
      EXPECT_EQ(d["Value"], 7.0);
    }
  }
}

TEST(Publish, TenThousandNodesAreSentInTenRequestsConcurrently) {
  JobFixture f;
  f.fake->add_nodes("i-0", 10000);
  f.fake->set_put_metric_data_delay(std::chrono::milliseconds(30));
  f.settings.publish.concurrency = 4;
  const JobResult r = f.publish();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(f.fake->calls_of("PutMetricData"), 10);
  EXPECT_EQ(f.fake->calls_of("DescribeInstanceInformation"), 200);
  EXPECT_LE(f.fake->max_concurrent_puts(), 4);
  for (auto bytes : f.fake->put_metric_data_sizes()) EXPECT_LE(bytes, 1'000'000u);
  std::set<std::string> ids;
  for (const auto& d : f.fake->metric_data()) ids.insert(d["Dimensions"][0]["Value"]);
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(Publish, ExtraDimensionsAndAggregates) {
  JobFixture f;
  f.fake->set_nodes({{"i-1", "Online", "Linux"}, {"i-2", "ConnectionLost", "Windows"}, {"i-3", "Bogus", "Linux"}});
  f.settings.publish.extra_dimensions = {"InstanceId", "PlatformType"};
  f.settings.publish.aggregate_metrics = true;
  const JobResult r = f.publish();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.data_published, 3 * 2 + 5);
  std::map<std::string, double> counts;
  int extra = 0;
  for (const auto& d : f.fake->metric_data()) {
    if (d["MetricName"] == "NodeCount") {
      counts[d.contains("Dimensions") ? d["Dimensions"][0]["Value"].get<std::string>() : "total"] = d["Value"];
    } else if (d["Dimensions"].size() == 2) {
      ++extra;
      EXPECT_EQ(d["Dimensions"][0]["Name"], "InstanceId");
      EXPECT_EQ(d["Dimensions"][1]["Name"], "PlatformType");
    }
  }
  EXPECT_EQ(extra, 3);
  EXPECT_EQ(counts["Online"], 1);
  EXPECT_EQ(counts["ConnectionLost"], 1);
  EXPECT_EQ(counts["Inactive"], 0);
  EXPECT_EQ(counts["Unknown"], 1);
  EXPECT_EQ(counts["total"], 3);
}

TEST(Publish, FailedPageKeepsWhatWasReadAndReportsPartialFailure) {
  JobFixture f;
  f.fake->add_nodes("i-0", 200);
  f.fake->fail_ssm_page(2);
  f.settings.publish.aggregate_metrics = true;
  const JobResult r = f.publish();
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.inventory_complete);
  EXPECT_EQ(r.nodes_seen, 100);
  EXPECT_EQ(r.data_published, 100);   // no aggregates from a partial inventory
  EXPECT_EQ(r.exit_code(), 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("AccessDeniedException"), std::string::npos);
}

TEST(Publish, FirstCallFailingMeansCouldNotStart) {
  JobFixture f;
  f.fake->add_nodes("i-0", 10);
  f.fake->fail_ssm_page(0);
  const JobResult r = f.publish();
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_EQ(f.fake->calls_of("PutMetricData"), 0);
}

TEST(Publish, PastTheDeadlineNothingIsRequested) {
  JobFixture f;
  f.fake->add_nodes("i-0", 100);
  JobContext ctx{f.settings, f.clients};
  ctx.deadline = std::chrono::steady_clock::now();
  const JobResult r = run_publish(ctx);
  EXPECT_TRUE(r.deadline_reached);
  EXPECT_EQ(f.fake->calls_of("DescribeInstanceInformation"), 0);
  EXPECT_EQ(r.to_json()["deadline_reached"], true);
}

TEST(Publish, SummaryJsonNamesEveryFigure) {
  JobFixture f;
  f.fake->add_nodes("i-0", 60);
  const auto j = f.publish().to_json();
  for (const char* key : {"job", "nodes_seen", "data_published", "api_calls", "duration_seconds", "errors", "ok"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["job"], "publish");
  EXPECT_EQ(j["nodes_seen"], 60);
}

TEST(PublishPure, NodeDataMapsThePostsValues) {
  Settings s;
  core::ManagedNode n;
  n.instance_id = "i-1";
  n.ping_status = core::PingStatus::Unknown;
  n.ping_status_raw = "Weird";
  auto nd = node_data(n, s);
  EXPECT_TRUE(nd.unknown_status);
  EXPECT_EQ(nd.data.at(0).value, 3.0);
  n.ping_status = core::PingStatus::ConnectionLost;
  nd = node_data(n, s);
  EXPECT_FALSE(nd.unknown_status);
  EXPECT_EQ(nd.data.at(0).value, 1.0);
}

}  // namespace
}  // namespace pingwatch::monitor
