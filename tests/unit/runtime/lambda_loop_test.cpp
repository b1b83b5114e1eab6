#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <sstream>

#include "aws/error.h"
#include "runtime/lambda_loop.h"

using namespace pingwatch::runtime;
using namespace std::chrono_literals;

namespace {

// An in-memory Runtime API: hands out queued invocations, records what the runtime posts.
struct FakeApi : RuntimeApi {
  std::deque<Invocation> queue;
  std::vector<std::pair<std::string, std::string>> responses;
  std::vector<std::pair<std::string, LambdaError>> errors;
  std::vector<LambdaError> init_errors;
  int next_calls = 0;
  int refuse_response_status = 0;   // non-zero: post_response throws RuntimeApiError with this status

  Invocation next() override {
    ++next_calls;
    if (queue.empty()) throw RuntimeApiError(0, "fake: no more invocations");
    Invocation inv = queue.front();
    queue.pop_front();
    return inv;
  }
  void post_response(const std::string& id, const std::string& body) override {
    if (refuse_response_status != 0) throw RuntimeApiError(refuse_response_status, "fake: refused");
    responses.emplace_back(id, body);
  }
  void post_error(const std::string& id, const LambdaError& e) override { errors.emplace_back(id, e); }
  void post_init_error(const LambdaError& e) override { init_errors.push_back(e); }
};

Invocation make_invocation(const std::string& id, const std::string& payload = "{}", std::int64_t deadline_ms = 0,
                           const std::string& trace = "") {
  Invocation inv;
  inv.request_id = id;
  inv.payload = payload;
  inv.deadline_ms = deadline_ms;
  inv.trace_id = trace;
  inv.function_arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:LambdaFunctionCheckSSMAgentStatus";
  return inv;
}

HandlerTable echo_table() {
  return {{"publish", [] {
             return LambdaHandler([](const nlohmann::json& event, const InvocationContext& ctx) {
               return nlohmann::json{{"event", event}, {"request_id", ctx.request_id}, {"arn", ctx.function_arn}};
             });
           }},
          {"sync-alarms", [] { return LambdaHandler([](const nlohmann::json&, const InvocationContext&) {
             return nlohmann::json::object();
           }); }}};
}

struct Loop : ::testing::Test {
  FakeApi api;
  std::ostringstream log_text;
  LambdaLog log{log_text};
  RuntimeLoopOptions options;
  void SetUp() override { options.handler_name = "publish"; }
};

}  // namespace

TEST_F(Loop, UnknownHandlerIsAnInitErrorNamingTheValidOnes) {
  options.handler_name = "nope";
  EXPECT_EQ(run_runtime_loop(api, echo_table(), options, log), 1);
  ASSERT_EQ(api.init_errors.size(), 1u);
  EXPECT_EQ(api.init_errors[0].type, "Runtime.HandlerNotFound");
  EXPECT_NE(api.init_errors[0].message.find("\"nope\""), std::string::npos);
  EXPECT_NE(api.init_errors[0].message.find("publish, sync-alarms"), std::string::npos);
  EXPECT_EQ(api.next_calls, 0);   // no invocation is fetched after an init error
}

TEST_F(Loop, MissingHandlerIsAnInitError) {
  options.handler_name = "";
  EXPECT_EQ(run_runtime_loop(api, echo_table(), options, log), 1);
  ASSERT_EQ(api.init_errors.size(), 1u);
  EXPECT_NE(api.init_errors[0].message.find("_HANDLER is not set"), std::string::npos);
}

TEST_F(Loop, BadConfigurationInTheFactoryIsAnInitError) {
  HandlerTable table{{"publish", []() -> LambdaHandler {
                        throw std::runtime_error("CWAlarmSNSTopic: \"x\" is not an SNS topic ARN");
                      }}};
  EXPECT_EQ(run_runtime_loop(api, table, options, log), 1);
  ASSERT_EQ(api.init_errors.size(), 1u);
  EXPECT_EQ(api.init_errors[0].type, "Runtime.ConfigError");
  EXPECT_EQ(api.init_errors[0].message, "CWAlarmSNSTopic: \"x\" is not an SNS topic ARN");
  EXPECT_EQ(api.next_calls, 0);
}

TEST_F(Loop, ServesInvocationsAndPostsEachResultToItsRequestId) {
  for (int i = 1; i <= 3; ++i) api.queue.push_back(make_invocation("req-" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}"));
  options.max_invocations = 3;
  EXPECT_EQ(run_runtime_loop(api, echo_table(), options, log), 0);
  ASSERT_EQ(api.responses.size(), 3u);
  for (int i = 1; i <= 3; ++i) {
    const auto& [id, body] = api.responses[i - 1];
    EXPECT_EQ(id, "req-" + std::to_string(i));
    const auto json = nlohmann::json::parse(body);
    EXPECT_EQ(json["event"]["n"], i);
    EXPECT_EQ(json["request_id"], id);
    EXPECT_EQ(json["arn"], "arn:aws:lambda:ap-northeast-1:123456789012:function:LambdaFunctionCheckSSMAgentStatus");
  }
  EXPECT_TRUE(api.errors.empty());
}

TEST_F(Loop, HandlerFailuresGoToTheErrorEndpointAndTheLoopContinues) {
  HandlerTable table{{"publish", [] {
    return LambdaHandler([](const nlohmann::json& event, const InvocationContext&) -> nlohmann::json {
      const std::string kind = event.value("fail", "");
      if (kind == "aws") {
        throw pingwatch::aws::AwsError("AccessDeniedException", "not authorized to perform ssm:DescribeInstanceInformation",
                                       400, "rid-1", "ssm", "DescribeInstanceInformation");
      }
      if (kind == "std") throw std::runtime_error("boom");
      return {{"ok", true}};
    });
  }}};
  api.queue = {make_invocation("a", R"({"fail":"aws"})"), make_invocation("b", R"({"fail":"std"})"),
               make_invocation("c", "{not json"), make_invocation("d", "{}")};
  options.max_invocations = 4;
  EXPECT_EQ(run_runtime_loop(api, table, options, log), 0);
  ASSERT_EQ(api.errors.size(), 3u);
  EXPECT_EQ(api.errors[0].first, "a");
  EXPECT_EQ(api.errors[0].second.type, "Aws.AccessDeniedException");
  EXPECT_EQ(api.errors[0].second.stack_trace.at(0), "ssm:DescribeInstanceInformation");
  EXPECT_EQ(api.errors[1].second.type, "Function.Error");
  EXPECT_EQ(api.errors[1].second.message, "boom");
  EXPECT_EQ(api.errors[1].second.stack_trace, std::vector<std::string>{"std::runtime_error"});
  EXPECT_EQ(api.errors[2].first, "c");
  EXPECT_EQ(api.errors[2].second.type, "Runtime.InvalidJson");
  ASSERT_EQ(api.responses.size(), 1u);
  EXPECT_EQ(api.responses[0].first, "d");
}

TEST_F(Loop, ErrorBodyHasTheRuntimeApiFields) {
  LambdaError e{"Function.Error", "boom", {"frame"}};
  EXPECT_EQ(e.to_json(), nlohmann::json::parse(R"({"errorMessage":"boom","errorType":"Function.Error","stackTrace":["frame"]})"));
}

TEST_F(Loop, TraceIdIsExportedPerInvocationAndClearedWhenAbsent) {
  std::vector<std::string> seen;
  HandlerTable table{{"publish", [&seen] {
    return LambdaHandler([&seen](const nlohmann::json&, const InvocationContext&) {
      const char* v = std::getenv("_X_AMZN_TRACE_ID");
      seen.emplace_back(v ? v : "<unset>");
      return nlohmann::json::object();
    });
  }}};
  api.queue = {make_invocation("a", "{}", 0, "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"),
               make_invocation("b", "{}", 0, "")};
  options.max_invocations = 2;
  EXPECT_EQ(run_runtime_loop(api, table, options, log), 0);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");
  EXPECT_EQ(seen[1], "<unset>");
}

TEST_F(Loop, JobDeadlineIsASafetyMarginBeforeLambdasDeadline) {
  const SystemTime now = SystemTime(std::chrono::milliseconds(1'700'000'000'000));
  // Long timeouts: the margin is capped at 5 s.
  EXPECT_EQ(job_deadline_for(now + 60s, now, options), now + 55s);
  EXPECT_EQ(job_deadline_for(now + 900s, now, options), now + 895s);
  // Short ones keep 80 % for the job.
  EXPECT_EQ(job_deadline_for(now + 3s, now, options), now + 2400ms);
  // Already past: the job deadline is the deadline itself (the job stops at once).
  EXPECT_EQ(job_deadline_for(now - 1s, now, options), now - 1s);
}

TEST_F(Loop, HandlerSeesTheDeadlineFromTheHeader) {
  const SystemTime now = SystemTime(std::chrono::milliseconds(1'700'000'000'000));
  options.clock = [now] { return now; };
  InvocationContext got;
  HandlerTable table{{"publish", [&got] {
    return LambdaHandler([&got](const nlohmann::json&, const InvocationContext& ctx) {
      got = ctx;
      return nlohmann::json::object();
    });
  }}};
  api.queue = {make_invocation("a", "{}", 1'700'000'030'000), make_invocation("b", "{}", 0)};
  options.max_invocations = 1;
  EXPECT_EQ(run_runtime_loop(api, table, options, log), 0);
  EXPECT_TRUE(got.has_deadline);
  EXPECT_EQ(got.deadline, now + 30s);
  EXPECT_EQ(got.job_deadline, now + 25s);
  options.max_invocations = 1;
  EXPECT_EQ(run_runtime_loop(api, table, options, log), 0);
  EXPECT_FALSE(got.has_deadline);
}

TEST_F(Loop, RuntimeApiFailureOnNextExitsNonZero) {
  EXPECT_EQ(run_runtime_loop(api, echo_table(), options, log), 1);
  EXPECT_EQ(api.next_calls, 1);
}

TEST_F(Loop, RefusedResponseConcernsOnlyThatInvocation) {
  api.refuse_response_status = 413;
  api.queue = {make_invocation("a"), make_invocation("b")};
  options.max_invocations = 2;
  EXPECT_EQ(run_runtime_loop(api, echo_table(), options, log), 0);
  EXPECT_EQ(api.next_calls, 2);
}

TEST_F(Loop, LogsAreJsonLinesWithoutThePayload) {
  api.queue = {make_invocation("a", R"({"secret":"AKIAEXAMPLESECRETVALUE"})")};
  options.max_invocations = 1;
  EXPECT_EQ(run_runtime_loop(api, echo_table(), options, log), 0);
  std::istringstream lines(log_text.str());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    const auto json = nlohmann::json::parse(line);   // every line is one JSON object
    EXPECT_TRUE(json.contains("time"));
    EXPECT_TRUE(json.contains("level"));
    EXPECT_TRUE(json.contains("msg"));
    ++count;
  }
  EXPECT_GE(count, 3);   // ready, start, done
  EXPECT_EQ(log_text.str().find("AKIAEXAMPLESECRETVALUE"), std::string::npos);
}
