// The process-wide RequestObserver sees one outcome per HTTP attempt: ok, throttled, retried, error.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "aws/request_observer.h"
#include "fake_http.h"

using namespace pingwatch::aws;
using namespace pingwatch::aws::testing;
using nlohmann::json;

namespace {

class Recorder final : public RequestObserver {
 public:
  void on_attempt(std::string_view service, std::string_view operation, AttemptOutcome outcome) noexcept override {
    std::lock_guard lock(mutex);
    ++counts[std::string(service) + " " + std::string(operation) + " " + std::string(to_string(outcome))];
  }
  std::mutex mutex;
  std::map<std::string, int> counts;
};

struct Installed {
  std::shared_ptr<Recorder> recorder = std::make_shared<Recorder>();
  Installed() { set_request_observer(recorder); }
  ~Installed() { set_request_observer(nullptr); }
};

ServiceInfo ssm_info() { return {"ssm", "ssm", "SSM", "ssm"}; }
ProtocolInfo ssm_protocol() { return {Protocol::Json11, "AmazonSSM", "", "", false}; }

}  // namespace

TEST(RequestObserver, ThrottledTwiceThenOk) {
  Installed observer;
  Harness h;
  for (int i = 0; i < 2; ++i) h.http->reply_json(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  h.http->reply_json(200, "{}");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  client.call_json("DescribeInstanceInformation", json::object());
  const std::map<std::string, int> want{{"ssm DescribeInstanceInformation throttled", 2},
                                        {"ssm DescribeInstanceInformation ok", 1}};
  EXPECT_EQ(observer.recorder->counts, want);
}

TEST(RequestObserver, RetriedServerErrorThenFinalError) {
  Installed observer;
  Harness h;
  h.http->reply(503, "");
  h.http->fail(TransportError::Kind::Connect, "connection refused");
  h.http->reply_json(500, R"({"__type":"InternalServerError"})");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  EXPECT_THROW(client.call_json("DescribeInstanceInformation", json::object()), AwsError);
  const std::map<std::string, int> want{{"ssm DescribeInstanceInformation retried", 2},
                                        {"ssm DescribeInstanceInformation error", 1}};
  EXPECT_EQ(observer.recorder->counts, want);
}

TEST(RequestObserver, AccessDeniedIsOneErrorAndNothingIsReportedWithoutAnObserver) {
  Harness h;
  h.http->reply_json(400, R"({"__type":"AccessDeniedException","message":"no"})");
  ServiceClient quiet(ssm_info(), ssm_protocol(), h.config());
  EXPECT_THROW(quiet.call_json("DescribeInstanceInformation", json::object()), AwsError);   // no observer: no crash

  Installed observer;
  h.http->reply_json(400, R"({"__type":"AccessDeniedException","message":"no"})");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  EXPECT_THROW(client.call_json("DescribeInstanceInformation", json::object()), AwsError);
  const std::map<std::string, int> want{{"ssm DescribeInstanceInformation error", 1}};
  EXPECT_EQ(observer.recorder->counts, want);
}
