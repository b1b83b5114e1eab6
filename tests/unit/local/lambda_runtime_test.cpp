// Lambda emulation end to end through handle(): a zip with a shell `bootstrap` that speaks the Runtime API
// with curl, as a custom runtime does. Covers next/response/error/init-error, warm reuse, the timeout, and exits.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "local/lambda/lambda_service.h"
#include "local/services.h"
#include "local/sns/wire_util.h"

using namespace pingwatch::local;
namespace fs = std::filesystem;

namespace {

const char* kBootstrap = R"SH(#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
if [ -n "$INIT_FAIL" ]; then
  curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Runtime.InitError' \
    -d '{"errorMessage":"init failed on purpose","errorType":"InitError"}' "$API/init/error"
  exit 1
fi
echo "cold start in $(pwd)"
HDRS=$(mktemp)
while true; do
  EVENT=$(curl -sS -D "$HDRS" "$API/invocation/next") || exit 2
  header() { grep -i "^$1:" "$HDRS" | tr -d '\r' | awk '{print $2}'; }
  ID=$(header lambda-runtime-aws-request-id)
  DEADLINE=$(header lambda-runtime-deadline-ms)
  ARN=$(header lambda-runtime-invoked-function-arn)
  TRACE=$(header lambda-runtime-trace-id)
  echo "handling $ID"
  # Recorded before answering: once the answer is posted the invocation counts as done.
  if [ -n "$MARKER" ]; then echo "$EVENT" >> "$MARKER"; fi
  case "$EVENT" in
    *sleep*) sleep 30 ;;
    *exit*) exit 3 ;;
    *fail*) curl -sS -o /dev/null -X POST -H 'Lambda-Runtime-Function-Error-Type: Unhandled' \
              -d '{"errorMessage":"boom","errorType":"Boom"}' "$API/invocation/$ID/error" ;;
    *) curl -sS -o /dev/null -X POST -d "{\"event\":$EVENT,\"pid\":$$,\"name\":\"$AWS_LAMBDA_FUNCTION_NAME\",\"handler\":\"$_HANDLER\",\"greeting\":\"$GREETING\",\"deadline\":$DEADLINE,\"arn\":\"$ARN\",\"trace\":\"$TRACE\",\"endpoint\":\"$AWS_ENDPOINT_URL\",\"memory\":\"$AWS_LAMBDA_FUNCTION_MEMORY_SIZE\",\"region\":\"$AWS_REGION\",\"root\":\"$LAMBDA_TASK_ROOT\",\"key\":\"$AWS_ACCESS_KEY_ID\"}" "$API/invocation/$ID/response" ;;
  esac
done
)SH";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class LambdaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work = fs::temp_directory_path() / ("pingwatch-lambda-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(work);
    fs::create_directories(work / "src");
    {
      std::ofstream(work / "src" / "bootstrap") << kBootstrap;
    }
    fs::permissions(work / "src" / "bootstrap", fs::perms::owner_all);
    const std::string cmd = "cd '" + (work / "src").string() + "' && zip -q '" + (work / "fn.zip").string() + "' bootstrap";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "zip is needed (Debian package zip)";
    zip_b64 = wire::base64_encode(read_file(work / "fn.zip"));
    context.clock = std::make_shared<SimClock>(1712910506, 60);
    context.endpoint_url = "http://127.0.0.1:4566";
    context.lambda_code_dir = (work / "code").string();
    service = make_lambda_service(context);
  }
  void TearDown() override {
    service.reset();
    fs::remove_all(work);
  }

  Response call(const std::string& method, const std::string& path, const nlohmann::json& body,
                pingwatch::aws::Headers headers = {}, const std::string& raw = "") {
    Request r;
    r.method = method;
    r.path = path;
    r.service = "lambda";
    r.protocol = WireProtocol::RestJson;
    r.json = body;
    r.body = raw.empty() ? (body.is_null() ? "" : body.dump()) : raw;
    r.headers = std::move(headers);
    r.region = "ap-northeast-1";
    r.request_id = "req";
    return service->handle(r);
  }

  ServiceError call_error(const std::string& method, const std::string& path, const nlohmann::json& body) {
    try {
      call(method, path, body);
    } catch (const ServiceError& e) {
      return e;
    }
    ADD_FAILURE() << method << " " << path << " did not fail";
    return ServiceError(0, "", "");
  }

  nlohmann::json create(const std::string& name, nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json body = {{"FunctionName", name},
                           {"Runtime", "provided.al2023"},
                           {"Role", "arn:aws:iam::123456789012:role/LambdaFunctionCheckSSMAgentStatusRole"},
                           {"Handler", "bootstrap"},
                           {"Code", {{"ZipFile", zip_b64}}}};
    body.update(extra);
    Response r = call("POST", "/2015-03-31/functions", body);
    EXPECT_EQ(r.status, 201);
    wait_active(name);
    return nlohmann::json::parse(r.body);
  }

  // What boto3's function_active_v2 waiter does after CreateFunction: GetFunction until State is Active.
  void wait_active(const std::string& name) {
    for (int i = 0; i < 100; ++i) {
      auto got = nlohmann::json::parse(call("GET", "/2015-03-31/functions/" + name, nullptr).body);
      if (got["Configuration"]["State"] == "Active") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << name << " never became Active";
  }

  Response invoke(const std::string& name, const std::string& payload, const std::string& type = "RequestResponse") {
    return call("POST", "/2015-03-31/functions/" + name + "/invocations", nullptr,
                {{"X-Amz-Invocation-Type", type}}, payload);
  }

  static const std::string* header(const Response& r, const std::string& name) { return pingwatch::aws::find_header(r.headers, name); }

  fs::path work;
  std::string zip_b64;
  StackContext context;
  std::unique_ptr<Service> service;
};

}  // namespace

TEST_F(LambdaTest, CreateFunctionReportsTheConfigurationAndValidates) {
  auto config = create("LambdaFunctionCheckSSMAgentStatus", {{"Environment", {{"Variables", {{"CWAlarmSNSTopic", "arn:x"}}}}}});
  EXPECT_EQ(config["FunctionArn"], "arn:aws:lambda:ap-northeast-1:123456789012:function:LambdaFunctionCheckSSMAgentStatus");
  EXPECT_EQ(config["Timeout"], 3);
  EXPECT_EQ(config["MemorySize"], 128);
  EXPECT_EQ(config["State"], "Pending");   // CreateFunction's own answer, as on AWS
  EXPECT_EQ(config["Environment"]["Variables"]["CWAlarmSNSTopic"], "arn:x");
  EXPECT_EQ(config["CodeSha256"], wire::sha256_base64(read_file(work / "fn.zip")));
  EXPECT_EQ(call_error("POST", "/2015-03-31/functions",
                       {{"FunctionName", "LambdaFunctionCheckSSMAgentStatus"}, {"Runtime", "provided.al2023"}, {"Handler", "h"},
                        {"Role", "arn:aws:iam::123456789012:role/r"}, {"Code", {{"ZipFile", zip_b64}}}})
                .status,
            409);
  auto timeout = call_error("POST", "/2015-03-31/functions",
                            {{"FunctionName", "t"}, {"Runtime", "provided.al2023"}, {"Handler", "h"}, {"Timeout", 0},
                             {"Role", "arn:aws:iam::123456789012:role/r"}, {"Code", {{"ZipFile", zip_b64}}}});
  EXPECT_EQ(timeout.code, "ValidationException");
  EXPECT_NE(std::string(timeout.what()).find("at 'timeout' failed to satisfy constraint"), std::string::npos);
  auto reserved = call_error("POST", "/2015-03-31/functions",
                             {{"FunctionName", "r"}, {"Runtime", "provided.al2023"}, {"Handler", "h"},
                              {"Role", "arn:aws:iam::123456789012:role/r"}, {"Code", {{"ZipFile", zip_b64}}},
                              {"Environment", {{"Variables", {{"AWS_REGION", "x"}}}}}});
  EXPECT_EQ(reserved.code, "InvalidParameterValueException");
  auto not_zip = call_error("POST", "/2015-03-31/functions",
                            {{"FunctionName", "z"}, {"Runtime", "provided.al2023"}, {"Handler", "h"},
                             {"Role", "arn:aws:iam::123456789012:role/r"}, {"Code", {{"ZipFile", wire::base64_encode("hello")}}}});
  EXPECT_STREQ(not_zip.what(), "Could not unzip uploaded file. Please check your file, then try to upload again.");
  auto get = nlohmann::json::parse(call("GET", "/2015-03-31/functions/LambdaFunctionCheckSSMAgentStatus", nullptr).body);
  EXPECT_EQ(get["Configuration"]["FunctionName"], "LambdaFunctionCheckSSMAgentStatus");
  auto list = nlohmann::json::parse(call("GET", "/2015-03-31/functions", nullptr).body);
  EXPECT_EQ(list["Functions"].size(), 1u);
  auto missing = call_error("GET", "/2015-03-31/functions/nope", nullptr);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.code, "ResourceNotFoundException");
}

TEST_F(LambdaTest, InvokeRunsTheBootstrapWithTheRuntimeApiAndStaysWarm) {
  create("echo", {{"Environment", {{"Variables", {{"GREETING", "hi"}}}}}, {"MemorySize", 256}});
  Response first = invoke("echo", R"({"n":1})");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(header(first, "X-Amz-Function-Error"), nullptr);
  auto out = nlohmann::json::parse(first.body);
  EXPECT_EQ(out["event"], nlohmann::json({{"n", 1}}));
  EXPECT_EQ(out["name"], "echo");
  EXPECT_EQ(out["handler"], "bootstrap");
  EXPECT_EQ(out["greeting"], "hi");
  EXPECT_EQ(out["memory"], "256");
  EXPECT_EQ(out["region"], "ap-northeast-1");
  EXPECT_EQ(out["endpoint"], "http://127.0.0.1:4566");
  EXPECT_EQ(out["key"], "test");
  EXPECT_EQ(out["arn"], "arn:aws:lambda:ap-northeast-1:123456789012:function:echo");
  EXPECT_EQ(out["trace"].get<std::string>().rfind("Root=1-", 0), 0u);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(out["deadline"].get<long long>(), now_ms);          // wall clock, 3 s ahead at hand-out
  EXPECT_LE(out["deadline"].get<long long>(), now_ms + 3000);
  EXPECT_EQ(fs::path(out["root"].get<std::string>()).parent_path().parent_path(), work / "code");
  Response second = invoke("echo", R"({"n":2})");
  EXPECT_EQ(nlohmann::json::parse(second.body)["pid"], out["pid"]);   // same warm process
}

TEST_F(LambdaTest, FunctionErrorsAreUnhandledWithTheRuntimesDocument) {
  create("failing");
  Response r = invoke("failing", R"({"fail":true})");
  EXPECT_EQ(r.status, 200);
  ASSERT_NE(header(r, "X-Amz-Function-Error"), nullptr);
  EXPECT_EQ(*header(r, "X-Amz-Function-Error"), "Unhandled");
  auto error = nlohmann::json::parse(r.body);
  EXPECT_EQ(error["errorType"], "Boom");
  EXPECT_EQ(error["errorMessage"], "boom");
  // The process survives a handled error and serves the next event.
  EXPECT_EQ(header(invoke("failing", R"({"ok":true})"), "X-Amz-Function-Error"), nullptr);
}

TEST_F(LambdaTest, TimeoutKillsTheProcessAndTheNextInvokeStartsCold) {
  create("slow", {{"Timeout", 1}});
  const std::string pid_before = nlohmann::json::parse(invoke("slow", "{}").body)["pid"].dump();
  const auto started = std::chrono::steady_clock::now();
  Response r = invoke("slow", R"({"sleep":true})");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_GE(seconds, 0.9);
  EXPECT_LT(seconds, 5.0);
  ASSERT_NE(header(r, "X-Amz-Function-Error"), nullptr);
  auto error = nlohmann::json::parse(r.body);
  EXPECT_EQ(error["errorType"], "Sandbox.Timedout");
  EXPECT_NE(error["errorMessage"].get<std::string>().find("Task timed out after 1.00 seconds"), std::string::npos);
  auto after = nlohmann::json::parse(invoke("slow", "{}").body);
  EXPECT_NE(after["pid"].dump(), pid_before);   // a new execution environment
}

TEST_F(LambdaTest, InitErrorAndRuntimeExitAreReported) {
  create("broken", {{"Environment", {{"Variables", {{"INIT_FAIL", "1"}}}}}});
  Response init = invoke("broken", "{}");
  ASSERT_NE(header(init, "X-Amz-Function-Error"), nullptr);
  EXPECT_EQ(nlohmann::json::parse(init.body)["errorType"], "InitError");
  create("exits");
  Response exited = invoke("exits", R"({"exit":1})");
  ASSERT_NE(header(exited, "X-Amz-Function-Error"), nullptr);
  auto error = nlohmann::json::parse(exited.body);
  EXPECT_EQ(error["errorType"], "Runtime.ExitError");
  EXPECT_NE(error["errorMessage"].get<std::string>().find("Runtime exited with error: exit status 3"), std::string::npos);
  EXPECT_EQ(header(invoke("exits", "{}"), "X-Amz-Function-Error"), nullptr);   // restarted cold
}

TEST_F(LambdaTest, EventInvocationsReturn202AndRunInTheBackground) {
  const fs::path marker = work / "marker.txt";
  create("async", {{"Environment", {{"Variables", {{"MARKER", marker.string()}}}}}});
  Response r = invoke("async", R"({"n":42})", "Event");
  EXPECT_EQ(r.status, 202);
  EXPECT_TRUE(r.body.empty());
  auto* lambda = dynamic_cast<lambda::LambdaService*>(service.get());
  ASSERT_TRUE(lambda->wait_for_async(std::chrono::seconds(10)));
  EXPECT_NE(read_file(marker).find(R"({"n":42})"), std::string::npos);
  // The LambdaInvoker interface (EventBridge, SNS) by ARN.
  auto* invoker = dynamic_cast<LambdaInvoker*>(service.get());
  auto result = invoker->invoke("arn:aws:lambda:ap-northeast-1:123456789012:function:async", {{"n", 7}}, false);
  EXPECT_EQ(result["event"]["n"], 7);
  EXPECT_THROW(invoker->invoke("arn:aws:lambda:ap-northeast-1:123456789012:function:none", {}, true), ServiceError);
}

TEST_F(LambdaTest, RuntimeApiRefusesUnknownRequestIds) {
  // An instance with no process: the Runtime API server alone.
  lambda::InstanceConfig config;
  config.function_name = "probe";
  config.function_arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:probe";
  config.code_dir = work.string();
  lambda::FunctionInstance instance(config, [](const std::string&) {});
  httplib::Client client("127.0.0.1", instance.runtime_api_port());
  auto res = client.Post("/2018-06-01/runtime/invocation/not-a-real-id/response", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(nlohmann::json::parse(res->body)["errorType"], "InvalidRequestID");
  auto init = client.Post("/2018-06-01/runtime/init/error", R"({"errorMessage":"x","errorType":"y"})", "application/json");
  ASSERT_TRUE(init);
  EXPECT_EQ(init->status, 202);
}

TEST_F(LambdaTest, UpdateCodeAndConfigurationRestartTheProcess) {
  create("u");
  auto pid1 = nlohmann::json::parse(invoke("u", "{}").body)["pid"];
  Response updated = call("PUT", "/2015-03-31/functions/u/configuration",
                          {{"Timeout", 10}, {"Environment", {{"Variables", {{"GREETING", "new"}}}}}});
  EXPECT_EQ(nlohmann::json::parse(updated.body)["Timeout"], 10);
  auto out = nlohmann::json::parse(invoke("u", "{}").body);
  EXPECT_EQ(out["greeting"], "new");
  EXPECT_NE(out["pid"], pid1);
  Response code = call("PUT", "/2015-03-31/functions/u/code", {{"ZipFile", zip_b64}});
  EXPECT_EQ(code.status, 200);
  EXPECT_EQ(nlohmann::json::parse(invoke("u", "{}").body)["greeting"], "new");
  Response permission = call("POST", "/2015-03-31/functions/u/policy",
                             {{"StatementId", "events"}, {"Action", "lambda:InvokeFunction"},
                              {"Principal", "events.amazonaws.com"}});
  EXPECT_EQ(permission.status, 201);
  EXPECT_EQ(call("DELETE", "/2015-03-31/functions/u", nullptr).status, 204);
  EXPECT_EQ(call_error("POST", "/2015-03-31/functions/u/invocations", nullptr).code, "ResourceNotFoundException");
}

TEST_F(LambdaTest, SaveAndLoadKeepFunctions) {
  create("kept", {{"Timeout", 7}});
  nlohmann::json state = service->save();
  auto restored = make_lambda_service(context);
  restored->load(state);
  service = std::move(restored);
  auto config = nlohmann::json::parse(call("GET", "/2015-03-31/functions/kept/configuration", nullptr).body);
  EXPECT_EQ(config["Timeout"], 7);
  EXPECT_EQ(nlohmann::json::parse(invoke("kept", R"({"a":1})").body)["event"]["a"], 1);
}

TEST_F(LambdaTest, ASlowFunctionDoesNotHoldBackAnotherFunctionsEvents) {
  const fs::path marker = work / "fast.txt";
  create("slow", {{"Timeout", 2}});
  create("fast", {{"Environment", {{"Variables", {{"MARKER", marker.string()}}}}}});
  auto* invoker = dynamic_cast<LambdaInvoker*>(service.get());
  invoker->invoke("slow", {{"sleep", true}}, true);
  invoker->invoke("slow", {{"sleep", true}}, true);
  const auto started = std::chrono::steady_clock::now();
  invoker->invoke("fast", {{"n", 1}}, true);
  while (!fs::exists(marker) && std::chrono::steady_clock::now() - started < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(fs::exists(marker));
  // Before the first slow event times out (2 s), although both slow events were queued first.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 1.8);
  auto* lambda = dynamic_cast<lambda::LambdaService*>(service.get());
  EXPECT_TRUE(lambda->wait_for_async(std::chrono::seconds(15)));
}

TEST_F(LambdaTest, ANewFunctionIsPendingThenActiveAndCannotBeInvokedMeanwhile) {
  nlohmann::json body = {{"FunctionName", "fresh"}, {"Runtime", "provided.al2023"}, {"Handler", "bootstrap"},
                         {"Role", "arn:aws:iam::123456789012:role/r"}, {"Code", {{"ZipFile", zip_b64}}}};
  auto created = nlohmann::json::parse(call("POST", "/2015-03-31/functions", body).body);
  EXPECT_EQ(created["State"], "Pending");
  EXPECT_EQ(created["StateReason"], "The function is being created.");
  EXPECT_EQ(created["StateReasonCode"], "Creating");
  EXPECT_EQ(created["LastUpdateStatus"], "InProgress");
  auto refused = call_error("POST", "/2015-03-31/functions/fresh/invocations", nullptr);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.code, "ResourceConflictException");
  EXPECT_STREQ(refused.what(),
               "The operation cannot be performed at this time. The function is currently in the following state: "
               "Pending");
  EXPECT_EQ(call_error("PUT", "/2015-03-31/functions/fresh/configuration", {{"Timeout", 5}}).code,
            "ResourceConflictException");
  const auto started = std::chrono::steady_clock::now();
  wait_active("fresh");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 1.0);
  auto config = nlohmann::json::parse(call("GET", "/2015-03-31/functions/fresh/configuration", nullptr).body);
  EXPECT_EQ(config["LastUpdateStatus"], "Successful");
  EXPECT_FALSE(config.contains("StateReasonCode"));
  EXPECT_EQ(invoke("fresh", R"({"n":1})").status, 200);
}

TEST_F(LambdaTest, EventBridgeAndSnsDeliveriesToAPendingFunctionWaitUntilItIsActive) {
  nlohmann::json body = {{"FunctionName", "fresh"}, {"Runtime", "provided.al2023"}, {"Handler", "bootstrap"},
                         {"Role", "arn:aws:iam::123456789012:role/r"}, {"Code", {{"ZipFile", zip_b64}}}};
  ASSERT_EQ(call("POST", "/2015-03-31/functions", body).status, 201);
  auto* invoker = dynamic_cast<LambdaInvoker*>(service.get());
  EXPECT_EQ(invoker->invoke("fresh", {{"n", 3}}, false)["event"]["n"], 3);   // AWS retries; here it waits
}

TEST_F(LambdaTest, RuntimesAreAcceptedOrRefusedAsLambdaDoes) {
  auto with_runtime = [&](const std::string& name, const std::string& runtime) {
    return nlohmann::json{{"FunctionName", name}, {"Runtime", runtime}, {"Handler", "lambda_function.lambda_handler"},
                          {"Role", "arn:aws:iam::123456789012:role/r"}, {"Code", {{"ZipFile", zip_b64}}}};
  };
  int n = 0;
  for (const char* runtime : {"python3.9", "python3.12", "python3.13", "provided.al2"})
    EXPECT_EQ(call("POST", "/2015-03-31/functions", with_runtime("f" + std::to_string(++n), runtime)).status, 201)
        << runtime;
  auto old = call_error("POST", "/2015-03-31/functions", with_runtime("old", "python3.8"));
  EXPECT_EQ(old.code, "InvalidParameterValueException");
  EXPECT_STREQ(old.what(), "The runtime parameter of python3.8 is no longer supported for creating or updating AWS "
                           "Lambda functions. We recommend you use a supported runtime while creating or updating "
                           "functions.");
  auto node = call_error("POST", "/2015-03-31/functions", with_runtime("node", "nodejs22.x"));
  EXPECT_EQ(node.code, "InvalidParameterValueException");
  EXPECT_NE(std::string(node.what()).find("'nodejs22.x' is not available here"), std::string::npos);
  auto unknown = call_error("POST", "/2015-03-31/functions", with_runtime("cobol", "cobol85"));
  EXPECT_EQ(unknown.code, "InvalidParameterValueException");
  EXPECT_TRUE(std::string(unknown.what()).starts_with("Value cobol85 at 'runtime' failed to satisfy constraint"));
  auto no_handler = with_runtime("nh", "python3.12");
  no_handler.erase("Handler");
  EXPECT_STREQ(call_error("POST", "/2015-03-31/functions", no_handler).what(),
               "Runtime and Handler are mandatory parameters for functions created with deployment packages.");
}
