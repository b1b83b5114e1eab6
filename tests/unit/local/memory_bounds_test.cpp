// What the local stack keeps is bounded however long it runs: alarm history (two weeks of simulated time,
// kAlarmHistoryLimit items), the SNS mailbox (kMailboxLimit records, kMailboxBytes) and metric data (the
// store's retention). A 10-minute soak at time-scale 60 with 10,000 flapping alarms otherwise grew the stack
// to 380 MB (alarm history at its old 200,000-item cap).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "local/cloudwatch/cloudwatch_service.h"
#include "local/services.h"
#include "local/sns/delivery.h"

using namespace pingwatch::local;
using namespace pingwatch::local::cloudwatch;
using pingwatch::local::sns::kMailboxBytes;
using pingwatch::local::sns::kMailboxLimit;
using nlohmann::json;

namespace {

constexpr double kStart = 1712910000;   // 2024-04-12T08:20:00Z
constexpr double kDay = 86400;

class AlarmHistoryBoundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_clock(kStart);
    context_.default_region = "us-east-1";
    service_ = make_cloudwatch_service(context_);
    cw_ = dynamic_cast<CloudWatchService*>(service_.get());
    ASSERT_NE(cw_, nullptr);
    call("PutMetricAlarm", {{"AlarmName", "a"}, {"Namespace", "SSM Agent"}, {"MetricName", "Status"},
                            {"Statistic", "Maximum"}, {"Period", 60}, {"EvaluationPeriods", 1}, {"Threshold", 1},
                            {"ComparisonOperator", "GreaterThanOrEqualToThreshold"}});
  }

  // The service reads the clock through the context on every call, so a new clock moves simulated time.
  void set_clock(double sim) { context_.clock = std::make_shared<SimClock>(sim, 1.0); }

  json call(const std::string& op, json body) {
    Request r;
    r.method = "POST";
    r.path = "/";
    r.service = "monitoring";
    r.operation = op;
    r.protocol = WireProtocol::Json10;
    r.json = std::move(body);
    r.body = r.json.dump();
    r.region = "us-east-1";
    r.account_id = "123456789012";
    r.request_id = "req";
    Response response = service_->handle(r);
    EXPECT_EQ(response.status, 200) << response.body;
    return json::parse(response.body.empty() ? "{}" : response.body);
  }

  void flip(int times) {
    for (int i = 0; i < times; ++i) {
      call("SetAlarmState", {{"AlarmName", "a"}, {"StateValue", i % 2 ? "OK" : "ALARM"}, {"StateReason", "flip " + std::to_string(i)}});
    }
  }

  StackContext context_;
  std::unique_ptr<Service> service_;
  CloudWatchService* cw_ = nullptr;
};

TEST_F(AlarmHistoryBoundTest, KeepsOnlyTheNewestItemsPastTheCountLimit) {
  const int flips = static_cast<int>(kAlarmHistoryLimit) + 500;
  flip(flips);
  EXPECT_EQ(cw_->history_size(), kAlarmHistoryLimit);
  // The newest item survives; the oldest (the ConfigurationUpdate, then the first flips) went first.
  json out = call("DescribeAlarmHistory", {{"AlarmName", "a"}, {"MaxRecords", 1}});
  ASSERT_EQ(out["AlarmHistoryItems"].size(), 1u);
  EXPECT_NE(out["AlarmHistoryItems"][0]["HistoryData"].get<std::string>().find("flip " + std::to_string(flips - 1)),
            std::string::npos);
  for (const auto& item : cw_->history_of("a")) EXPECT_NE(item.type, "ConfigurationUpdate");
}

TEST_F(AlarmHistoryBoundTest, DropsItemsOlderThanTwoWeeksOfSimulatedTime) {
  flip(10);                             // at kStart (plus the ConfigurationUpdate)
  set_clock(kStart + 10 * kDay);
  flip(4);                              // 10 days later
  set_clock(kStart + 15 * kDay);
  service_->tick(context_.clock->now());   // the expiry runs on the ticker
  const double cutoff = context_.clock->now() - kAlarmHistoryRetentionSeconds;
  int recent = 0;
  for (const auto& item : cw_->history_of("a")) {
    EXPECT_GE(item.timestamp, cutoff) << item.type << " " << item.summary;
    if (item.timestamp >= kStart + 10 * kDay && item.timestamp < kStart + 11 * kDay) ++recent;
  }
  EXPECT_EQ(recent, 4);                 // the 10-day-old items are still there
}

TEST_F(AlarmHistoryBoundTest, ASavedStateWithMoreHistoryIsCutOnLoad) {
  json state = service_->save();
  json history = json::array();
  for (std::size_t i = 0; i < kAlarmHistoryLimit + 100; ++i)
    history.push_back({"a", kStart + static_cast<double>(i), "StateUpdate", "s", "{}"});
  state["history"] = history;
  service_->load(state);
  EXPECT_EQ(cw_->history_size(), kAlarmHistoryLimit);
}

class MailboxBoundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);   // one info line per email otherwise
    context_.clock = std::make_shared<SimClock>(kStart, 1.0);
  }
  void TearDown() override { spdlog::set_level(spdlog::level::info); }

  static sns::DeliveryJob email(int n, std::size_t body_size) {
    sns::DeliveryJob job;
    job.protocol = "email";
    job.endpoint = "ops@example.com";
    job.subscription_arn = "arn:aws:sns:us-east-1:123456789012:t:0f1e2d3c-aaaa-bbbb-cccc-0123456789ab";
    job.topic_arn = "arn:aws:sns:us-east-1:123456789012:t";
    job.region = "us-east-1";
    job.message_id = "m-" + std::to_string(n);
    job.subject = "notice " + std::to_string(n);
    job.message = std::string(body_size, 'x');
    job.timestamp = kStart + n;
    return job;
  }

  StackContext context_;
};

TEST_F(MailboxBoundTest, BigMessagesAreKeptWithinTheByteBudget) {
  sns::DeliveryWorker worker(context_);
  const std::size_t size = 256 * 1024;   // an SNS message's maximum
  const int n = static_cast<int>(kMailboxBytes / size) + 40;
  for (int i = 0; i < n; ++i) worker.enqueue(email(i, size));
  ASSERT_TRUE(worker.wait_idle(std::chrono::seconds(60)));
  EXPECT_LE(worker.mailbox_bytes(), kMailboxBytes);
  const json messages = worker.mailbox()["messages"];
  EXPECT_LT(messages.size(), static_cast<std::size_t>(n));
  EXPECT_GT(messages.size(), static_cast<std::size_t>(n) - 80);   // only what the budget needs goes
  EXPECT_EQ(messages.back()["subject"], "notice " + std::to_string(n - 1));   // the newest stays
}

TEST_F(MailboxBoundTest, KeepsTheNewestMessagesPastTheCountLimit) {
  sns::DeliveryWorker worker(context_);
  const int n = static_cast<int>(kMailboxLimit) + 25;
  for (int i = 0; i < n; ++i) worker.enqueue(email(i, 100));
  ASSERT_TRUE(worker.wait_idle(std::chrono::seconds(120)));
  const json messages = worker.mailbox()["messages"];
  ASSERT_EQ(messages.size(), kMailboxLimit);
  EXPECT_EQ(messages.front()["subject"], "notice 25");
  EXPECT_EQ(messages.back()["subject"], "notice " + std::to_string(n - 1));
}

TEST(MetricStoreBound, BucketsStayWithinTheRetentionHoweverLongDataArrives) {
  MetricStore store(3 * 3600);
  const auto key = MetricKey::make("SSM Agent", "Status", {{"Per-Instance Metrics", "i-0123456789abcdef0"}});
  // Three days of a datum per minute, expired every minute as the ticker does.
  double now = kStart;
  for (int minute = 0; minute < 3 * 24 * 60; ++minute, now += 60) {
    store.add(key, now, StatSet{1, 0, 0, 0}, "Count", 60, now);
    store.expire(now);
  }
  // 180 minutes of retention plus at most the 16 expired buckets dropped in one batch.
  EXPECT_LE(store.bucket_count(), 180u + 16u);
  EXPECT_GE(store.bucket_count(), 180u);
  EXPECT_LE(store.find(key)->buckets.capacity(), 2 * (180u + 16u) + 32u);
}

}  // namespace
