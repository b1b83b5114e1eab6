// A handler's output reaches the log before the invocation's END line, as in Lambda's logs, even when the thread
// that reads the runtime's pipe lags behind (a loaded machine; here a log sink that is slow on one line).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "local/lambda/function_instance.h"

using pingwatch::local::lambda::FunctionInstance;
using pingwatch::local::lambda::InstanceConfig;
namespace fs = std::filesystem;

namespace {

// Two writes to stdout with a pause between them (two reads for the stack), then the answer.
const char* kBootstrap = R"SH(#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
HDRS=$(mktemp)
while true; do
  curl -sS -o /dev/null -D "$HDRS" "$API/invocation/next" || exit 2
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HDRS" | tr -d '\r' | awk '{print $2}')
  echo "slow line of $ID"
  sleep 0.2
  echo "handler output of $ID"
  curl -sS -o /dev/null -X POST -d '{"ok":true}' "$API/invocation/$ID/response"
done
)SH";

class RecordingLog {
 public:
  // Delivering a "slow" line takes a second: the reader thread is busy while the handler writes and answers.
  void operator()(const std::string& line) {
    if (line.rfind("slow", 0) == 0) std::this_thread::sleep_for(std::chrono::seconds(1));
    std::lock_guard lock(mutex_);
    lines_.push_back(line);
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

std::ptrdiff_t index_of_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
  return it == lines.end() ? -1 : it - lines.begin();
}

}  // namespace

TEST(FunctionInstanceLog, HandlerOutputIsLoggedBeforeEndEvenWhenTheReaderLags) {
  const fs::path dir = fs::temp_directory_path() / ("pingwatch-instance-log-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "bootstrap") << kBootstrap;
  fs::permissions(dir / "bootstrap", fs::perms::owner_all);

  InstanceConfig config;
  config.function_name = "Prints";
  config.code_dir = dir.string();
  config.timeout_seconds = 10;
  config.environment["PATH"] = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
  auto log = std::make_shared<RecordingLog>();
  {
    FunctionInstance instance(config, [log](const std::string& line) { (*log)(line); });
    const auto result = instance.invoke("{}");
    ASSERT_FALSE(result.function_error) << result.payload;
    const auto lines = log->lines();
    const auto output = index_of_prefix(lines, "handler output of " + result.request_id);
    const auto end = index_of_prefix(lines, "END RequestId: " + result.request_id);
    ASSERT_GE(end, 0);
    EXPECT_GE(output, 0) << "the handler's second line was not logged by the time invoke() returned";
    EXPECT_LT(output, end);
    EXPECT_LT(index_of_prefix(lines, "slow line of "), output);
  }
  fs::remove_all(dir);
}
