// Python functions on the local Lambda: a python3.12 zip (no bootstrap) run by the machine's python3 with the runtime
// client the binary carries. Covers the handler's environment and context, errors as Lambda reports them (handler
// exception, import error, missing handler, unserialisable result), the deadline, and warm reuse.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "local/lambda/lambda_service.h"
#include "local/lambda/runtimes.h"
#include "local/services.h"
#include "local/sns/wire_util.h"

using namespace pingwatch::local;
namespace fs = std::filesystem;

namespace {

const char* kHandler = R"PY(import json
import os
import time

import helper

COLD_PID = os.getpid()


def lambda_handler(event, context):
    if "raise" in event:
        helper.fail(event["raise"])
    if "sleep" in event:
        time.sleep(event["sleep"])
    if "set" in event:
        return {1, 2}
    print("handling", context.aws_request_id)
    return {
        "event": event,
        "pid": COLD_PID,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "log_group": context.log_group_name,
        "env": {k: os.environ.get(k) for k in (
            "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "LAMBDA_TASK_ROOT",
            "LAMBDA_RUNTIME_DIR", "_HANDLER", "AWS_EXECUTION_ENV", "CWAlarmSNSTopic", "_X_AMZN_TRACE_ID")},
        "cwd": os.getcwd(),
    }
)PY";

const char* kHelper = R"PY(def fail(message):
    raise ValueError(message)
)PY";

const char* kBroken = "import no_such_module_anywhere\n";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class LambdaPythonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (lambda::python_interpreter().empty()) GTEST_SKIP() << "no python3 on this machine";
    work = fs::temp_directory_path() / ("pingwatch-lambda-py-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(work);
    fs::create_directories(work / "src");
    std::ofstream(work / "src" / "lambda_function.py") << kHandler;
    std::ofstream(work / "src" / "helper.py") << kHelper;
    std::ofstream(work / "src" / "broken.py") << kBroken;
    const std::string cmd = "cd '" + (work / "src").string() + "' && zip -q '" + (work / "fn.zip").string() + "' *.py";
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

  void create(const std::string& name, const std::string& handler, nlohmann::json extra = nlohmann::json::object()) {
    nlohmann::json body = {{"FunctionName", name},
                           {"Runtime", "python3.12"},
                           {"Role", "arn:aws:iam::123456789012:role/LambdaCreateCWAlarmRole"},
                           {"Handler", handler},
                           {"Code", {{"ZipFile", zip_b64}}}};
    body.update(extra);
    ASSERT_EQ(call("POST", "/2015-03-31/functions", body).status, 201);
    std::this_thread::sleep_for(lambda::kPendingAfterCreate);   // Pending -> Active
  }

  // Invoke; returns the parsed payload and whether X-Amz-Function-Error: Unhandled was set.
  std::pair<nlohmann::json, bool> invoke(const std::string& name, const std::string& payload) {
    Response r = call("POST", "/2015-03-31/functions/" + name + "/invocations", nullptr,
                      {{"X-Amz-Invocation-Type", "RequestResponse"}}, payload);
    EXPECT_EQ(r.status, 200);
    const std::string* error = pingwatch::aws::find_header(r.headers, "X-Amz-Function-Error");
    if (error) {
      EXPECT_EQ(*error, "Unhandled");
    }
    return {nlohmann::json::parse(r.body), error != nullptr};
  }

  fs::path work;
  std::string zip_b64;
  StackContext context;
  std::unique_ptr<Service> service;
};

}  // namespace

TEST_F(LambdaPythonTest, TheHandlerRunsWithLambdasEnvironmentAndContextAndStaysWarm) {
  create("LambdaCreateCWAlarm", "lambda_function.lambda_handler",
         {{"MemorySize", 256}, {"Timeout", 5}, {"Environment", {{"Variables", {{"CWAlarmSNSTopic", "arn:topic"}}}}}});
  auto [out, failed] = invoke("LambdaCreateCWAlarm", R"({"n":1})");
  ASSERT_FALSE(failed) << out.dump();
  EXPECT_EQ(out["event"]["n"], 1);
  EXPECT_EQ(out["function_name"], "LambdaCreateCWAlarm");
  EXPECT_EQ(out["function_version"], "$LATEST");
  EXPECT_EQ(out["arn"], "arn:aws:lambda:ap-northeast-1:123456789012:function:LambdaCreateCWAlarm");
  EXPECT_EQ(out["memory"], "256");
  EXPECT_EQ(out["log_group"], "/aws/lambda/LambdaCreateCWAlarm");
  EXPECT_EQ(out["request_id"].get<std::string>().size(), 36u);
  EXPECT_GT(out["remaining_ms"].get<long long>(), 3000);   // Timeout 5 s, counted from the hand-out
  EXPECT_LE(out["remaining_ms"].get<long long>(), 5000);
  const auto& env = out["env"];
  EXPECT_EQ(env["AWS_REGION"], "ap-northeast-1");
  EXPECT_EQ(env["AWS_ENDPOINT_URL"], "http://127.0.0.1:4566");
  EXPECT_EQ(env["AWS_ACCESS_KEY_ID"], "test");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
  EXPECT_EQ(env["_HANDLER"], "lambda_function.lambda_handler");
  EXPECT_EQ(env["AWS_EXECUTION_ENV"], "AWS_Lambda_python3.12");
  EXPECT_EQ(env["CWAlarmSNSTopic"], "arn:topic");
  EXPECT_EQ(env["_X_AMZN_TRACE_ID"].get<std::string>().rfind("Root=1-", 0), 0u);
  EXPECT_EQ(env["LAMBDA_TASK_ROOT"], out["cwd"]);
  EXPECT_EQ(fs::path(env["LAMBDA_TASK_ROOT"].get<std::string>()).parent_path().parent_path(), work / "code");
  EXPECT_TRUE(fs::exists(fs::path(env["LAMBDA_RUNTIME_DIR"].get<std::string>()) / "lambda_runtime_client.py"));
  auto [second, second_failed] = invoke("LambdaCreateCWAlarm", R"({"n":2})");
  EXPECT_FALSE(second_failed);
  EXPECT_EQ(second["pid"], out["pid"]);   // the same warm interpreter
  EXPECT_NE(second["request_id"], out["request_id"]);
}

TEST_F(LambdaPythonTest, AnExceptionIsReportedWithTypeMessageAndTheUsersStackTrace) {
  create("raises", "lambda_function.lambda_handler");
  auto [error, failed] = invoke("raises", R"({"raise":"no such node"})");
  ASSERT_TRUE(failed);
  EXPECT_EQ(error["errorType"], "ValueError");
  EXPECT_EQ(error["errorMessage"], "no such node");
  ASSERT_TRUE(error["requestId"].is_string());
  EXPECT_EQ(error["requestId"].get<std::string>().size(), 36u);
  ASSERT_EQ(error["stackTrace"].size(), 2u) << error.dump();   // the handler's frame and helper.fail's, not the client's
  EXPECT_NE(error["stackTrace"][0].get<std::string>().find("lambda_function.py\", line 12, in lambda_handler"),
            std::string::npos);
  EXPECT_NE(error["stackTrace"][1].get<std::string>().find("helper.py\", line 2, in fail"), std::string::npos);
  auto [after, after_failed] = invoke("raises", R"({"ok":1})");   // the environment survives a handler error
  EXPECT_FALSE(after_failed) << after.dump();
}

TEST_F(LambdaPythonTest, ImportErrorsAndMissingHandlersAreRuntimeErrors) {
  create("import-error", "broken.lambda_handler");
  auto [imported, failed] = invoke("import-error", "{}");
  ASSERT_TRUE(failed);
  EXPECT_EQ(imported["errorType"], "Runtime.ImportModuleError");
  EXPECT_EQ(imported["errorMessage"], "Unable to import module 'broken': No module named 'no_such_module_anywhere'");
  EXPECT_EQ(imported["stackTrace"], nlohmann::json::array());
  create("no-handler", "lambda_function.handler");
  auto [missing, missing_failed] = invoke("no-handler", "{}");
  ASSERT_TRUE(missing_failed);
  EXPECT_EQ(missing["errorType"], "Runtime.HandlerNotFound");
  EXPECT_EQ(missing["errorMessage"], "Handler 'handler' missing on module 'lambda_function'");
  create("no-module", "nothing_here.handler");
  EXPECT_EQ(invoke("no-module", "{}").first["errorMessage"], "Unable to import module 'nothing_here': No module named "
                                                             "'nothing_here'");
  create("malformed", "lambda_function");
  EXPECT_EQ(invoke("malformed", "{}").first["errorType"], "Runtime.MalformedHandlerName");
}

TEST_F(LambdaPythonTest, AnUnserialisableResultIsAMarshalError) {
  create("marshal", "lambda_function.lambda_handler");
  auto [error, failed] = invoke("marshal", R"({"set":1})");
  ASSERT_TRUE(failed);
  EXPECT_EQ(error["errorType"], "Runtime.MarshalError");
  EXPECT_EQ(error["errorMessage"], "Unable to marshal response: Object of type set is not JSON serializable");
}

TEST_F(LambdaPythonTest, TheTimeoutEndsTheInvocationAndTheNextOneStartsCold) {
  create("slow", "lambda_function.lambda_handler", {{"Timeout", 1}});
  const auto pid_before = invoke("slow", "{}").first["pid"];
  const auto started = std::chrono::steady_clock::now();
  auto [error, failed] = invoke("slow", R"({"sleep":30})");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_GE(seconds, 0.9);
  EXPECT_LT(seconds, 5.0);
  ASSERT_TRUE(failed);
  EXPECT_EQ(error["errorType"], "Sandbox.Timedout");
  EXPECT_NE(error["errorMessage"].get<std::string>().find("Task timed out after 1.00 seconds"), std::string::npos);
  EXPECT_NE(invoke("slow", "{}").first["pid"], pid_before);   // a new interpreter
}
