// EventBridge emulation: AWS's validation of rules and targets, and the scheduler's promise: every enabled
// schedule rule fires exactly once per scheduled instant of the simulated clock.
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "local/events/events_service.h"
#include "local/services.h"

using namespace pingwatch::local;

namespace {

constexpr double kCreated = 1712910433;   // 2024-04-12T08:27:13Z
constexpr std::int64_t k0828 = 1712910480;

struct RecordingLambda : LambdaInvoker {
  std::mutex mutex;
  std::vector<std::pair<std::string, nlohmann::json>> calls;
  nlohmann::json invoke(const std::string& fn, const nlohmann::json& payload, bool async) override {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(async);
    calls.emplace_back(fn, payload);
    return nullptr;
  }
};

class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context.clock = std::make_shared<SimClock>(kCreated, 1e-9);   // frozen: rules are created at kCreated
    context.lambda = &lambda;
    service = make_events_service(context);
  }

  nlohmann::json call(const std::string& op, const nlohmann::json& body) {
    Request r;
    r.method = "POST";
    r.path = "/";
    r.service = "events";
    r.operation = op;
    r.protocol = WireProtocol::Json11;
    r.json = body;
    r.body = body.dump();
    r.region = "ap-northeast-1";
    r.request_id = "req";
    Response response = service->handle(r);
    EXPECT_EQ(response.status, 200);
    return nlohmann::json::parse(response.body);
  }

  ServiceError call_error(const std::string& op, const nlohmann::json& body) {
    try {
      call(op, body);
    } catch (const ServiceError& e) {
      return e;
    }
    ADD_FAILURE() << op << " did not fail";
    return ServiceError(0, "", "");
  }

  void add_rule(const std::string& name, const std::string& expression, const std::string& function) {
    call("PutRule", {{"Name", name}, {"ScheduleExpression", expression}});
    call("PutTargets", {{"Rule", name},
                        {"Targets", {{{"Id", "1"}, {"Arn", "arn:aws:lambda:ap-northeast-1:123456789012:function:" + function}}}}});
  }

  StackContext context;
  RecordingLambda lambda;
  std::unique_ptr<Service> service;
};

}  // namespace

TEST_F(EventsTest, PutRuleValidatesScheduleExpressionsAsAws) {
  for (const char* bad : {"rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "cron(* * * * * *)", "cron(0 12 * * ?)",
                          "every minute"}) {
    auto e = call_error("PutRule", {{"Name", "r"}, {"ScheduleExpression", bad}});
    EXPECT_EQ(e.code, "ValidationException") << bad;
    EXPECT_STREQ(e.what(), "Parameter ScheduleExpression is not valid.") << bad;
  }
  auto arn = call("PutRule", {{"Name", "LambdaCheckSSMAgentStatusRule"}, {"ScheduleExpression", "rate(1 minute)"}});
  EXPECT_EQ(arn["RuleArn"], "arn:aws:events:ap-northeast-1:123456789012:rule/LambdaCheckSSMAgentStatusRule");
  auto described = call("DescribeRule", {{"Name", "LambdaCheckSSMAgentStatusRule"}});
  EXPECT_EQ(described["ScheduleExpression"], "rate(1 minute)");
  EXPECT_EQ(described["State"], "ENABLED");
  EXPECT_EQ(described["EventBusName"], "default");
  EXPECT_EQ(call_error("DescribeRule", {{"Name", "nope"}}).code, "ResourceNotFoundException");
  EXPECT_STREQ(call_error("DescribeRule", {{"Name", "nope"}}).what(), "Rule nope does not exist on EventBus default.");
  EXPECT_EQ(call_error("PutRule", {{"Name", "bad name"}, {"ScheduleExpression", "rate(1 minute)"}}).code,
            "ValidationException");
}

TEST_F(EventsTest, ListRulesFiltersByPrefixAndPages) {
  for (const char* name : {"Lambda-a", "Lambda-b", "Lambda-c", "Other"})
    call("PutRule", {{"Name", name}, {"ScheduleExpression", "rate(5 minutes)"}});
  auto page1 = call("ListRules", {{"NamePrefix", "Lambda"}, {"Limit", 2}});
  ASSERT_EQ(page1["Rules"].size(), 2u);
  EXPECT_EQ(page1["Rules"][0]["Name"], "Lambda-a");
  ASSERT_TRUE(page1.contains("NextToken"));
  auto page2 = call("ListRules", {{"NamePrefix", "Lambda"}, {"Limit", 2}, {"NextToken", page1["NextToken"]}});
  ASSERT_EQ(page2["Rules"].size(), 1u);
  EXPECT_EQ(page2["Rules"][0]["Name"], "Lambda-c");
  EXPECT_FALSE(page2.contains("NextToken"));
  EXPECT_EQ(call("ListRules", nlohmann::json::object())["Rules"].size(), 4u);
}

TEST_F(EventsTest, TargetsAndDeleteRuleWithTargets) {
  add_rule("R", "rate(1 minute)", "fn");
  auto targets = call("ListTargetsByRule", {{"Rule", "R"}});
  ASSERT_EQ(targets["Targets"].size(), 1u);
  EXPECT_EQ(targets["Targets"][0]["Id"], "1");
  auto e = call_error("DeleteRule", {{"Name", "R"}});
  EXPECT_STREQ(e.what(), "Rule can't be deleted since it has targets.");
  auto failed = call("PutTargets", {{"Rule", "R"}, {"Targets", {{{"Id", "bad"}, {"Arn", "not-an-arn"}}}}});
  EXPECT_EQ(failed["FailedEntryCount"], 1);
  EXPECT_EQ(failed["FailedEntries"][0]["TargetId"], "bad");
  EXPECT_EQ(call_error("PutTargets", {{"Rule", "missing"}, {"Targets", {{{"Id", "1"}, {"Arn", "arn:aws:lambda:x"}}}}}).code,
            "ResourceNotFoundException");
  call("RemoveTargets", {{"Rule", "R"}, {"Ids", {"1"}}});
  call("DeleteRule", {{"Name", "R"}});
  EXPECT_EQ(call("ListRules", nlohmann::json::object())["Rules"].size(), 0u);
  call("DeleteRule", {{"Name", "R"}});   // deleting a missing rule succeeds, as on AWS
}

TEST_F(EventsTest, RateRuleFiresExactlyOncePerMinuteOnTheSimulatedClock) {
  add_rule("Every", "rate(1 minute)", "LambdaFunctionCheckSSMAgentStatus");
  auto* events = dynamic_cast<events::EventsService*>(service.get());
  ASSERT_NE(events, nullptr);
  // Tick every 3 simulated seconds (the stack ticks every 50 ms at 60x) for ten minutes.
  std::vector<std::string> times;
  for (double t = kCreated; t < k0828 + 600; t += 3) {
    for (const auto& f : events->due_firings(t)) times.push_back(f.payload["time"]);
  }
  ASSERT_EQ(times.size(), 10u);   // 08:28 .. 08:37, each once
  EXPECT_EQ(times.front(), "2024-04-12T08:28:00Z");
  EXPECT_EQ(times.back(), "2024-04-12T08:37:00Z");
  EXPECT_EQ(std::set<std::string>(times.begin(), times.end()).size(), times.size());
}

TEST_F(EventsTest, LateTickCatchesUpWithOneEventNotABurst) {
  add_rule("Every", "rate(1 minute)", "fn");
  auto* events = dynamic_cast<events::EventsService*>(service.get());
  EXPECT_EQ(events->due_firings(k0828 + 1).size(), 1u);
  // The clock jumps five minutes: one event, for the latest instant.
  auto late = events->due_firings(k0828 + 300 + 7);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].payload["time"], "2024-04-12T08:33:00Z");
  EXPECT_TRUE(events->due_firings(k0828 + 300 + 30).empty());
  EXPECT_EQ(events->due_firings(k0828 + 360).size(), 1u);
}

TEST_F(EventsTest, TickInvokesLambdaWithTheScheduledEventPayload) {
  add_rule("LambdaCreateCWAlarmRule", "rate(1 minute)", "LambdaCreateCWAlarm");
  service->tick(k0828 + 0.5);
  std::lock_guard lock(lambda.mutex);
  ASSERT_EQ(lambda.calls.size(), 1u);
  EXPECT_EQ(lambda.calls[0].first, "arn:aws:lambda:ap-northeast-1:123456789012:function:LambdaCreateCWAlarm");
  const auto& event = lambda.calls[0].second;
  EXPECT_EQ(event["version"], "0");
  EXPECT_EQ(event["detail-type"], "Scheduled Event");
  EXPECT_EQ(event["source"], "aws.events");
  EXPECT_EQ(event["account"], "123456789012");
  EXPECT_EQ(event["time"], "2024-04-12T08:28:00Z");
  EXPECT_EQ(event["region"], "ap-northeast-1");
  EXPECT_EQ(event["resources"], nlohmann::json::array({"arn:aws:events:ap-northeast-1:123456789012:rule/LambdaCreateCWAlarmRule"}));
  EXPECT_EQ(event["detail"], nlohmann::json::object());
  EXPECT_EQ(event["id"].get<std::string>().size(), 36u);
}

TEST_F(EventsTest, InputReplacesThePayloadAndDisabledRulesStaySilent) {
  call("PutRule", {{"Name", "R"}, {"ScheduleExpression", "cron(0/5 * * * ? *)"}});
  call("PutTargets", {{"Rule", "R"}, {"Targets", {{{"Id", "t"}, {"Arn", "arn:aws:lambda:ap-northeast-1:123456789012:function:f"},
                                                   {"Input", R"({"mode":"check"})"}}}}});
  auto* events = dynamic_cast<events::EventsService*>(service.get());
  auto fired = events->due_firings(k0828 + 120);   // 08:30
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].payload, nlohmann::json({{"mode", "check"}}));
  call("DisableRule", {{"Name", "R"}});
  EXPECT_EQ(call("DescribeRule", {{"Name", "R"}})["State"], "DISABLED");
  EXPECT_TRUE(events->due_firings(k0828 + 1200).empty());
}

TEST_F(EventsTest, SaveAndLoadKeepRulesTargetsAndSchedule) {
  add_rule("Every", "rate(1 minute)", "fn");
  auto* events = dynamic_cast<events::EventsService*>(service.get());
  EXPECT_EQ(events->due_firings(k0828).size(), 1u);
  nlohmann::json state = service->save();
  auto restored = make_events_service(context);
  restored->load(state);
  auto* again = dynamic_cast<events::EventsService*>(restored.get());
  EXPECT_TRUE(again->due_firings(k0828 + 30).empty());   // 08:28 already fired before the restart
  auto next = again->due_firings(k0828 + 60);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].payload["time"], "2024-04-12T08:29:00Z");
}
