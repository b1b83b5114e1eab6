// The whole stack in-process on a free port: signed HTTP requests in, AWS-shaped replies and errors out.
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include "aws/http_date.h"
#include "aws/sigv4.h"
#include "local/sns/mailbox.h"
#include "local/stack.h"

namespace pingwatch::local {
namespace {

struct Reply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class StackTest : public ::testing::Test {
 protected:
  static StackOptions options() {
    StackOptions o;
    o.port = 0;
    o.quiet = true;
    o.fleet.nodes = 25;
    o.fleet.seed = 3;
    return o;
  }
  void SetUp() override {
    stack_ = std::make_unique<LocalStack>(options());
    stack_->start();
  }
  Reply send(aws::HttpRequest request, bool do_sign = true, const std::string& secret = "test",
             const std::string& service = "ssm", std::optional<double> at = std::nullopt) {
    request.url = stack_->endpoint_url() + request.url;
    if (do_sign) {
      aws::Credentials creds{"test", secret, "", std::nullopt, "test"};
      const auto when = at ? std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<long long>(*at)))
                           : std::chrono::system_clock::now();
      aws::sigv4::sign_request(request, creds, {"us-east-1", service, when});
    }
    httplib::Client client("127.0.0.1", stack_->port());
    httplib::Headers headers;
    std::string content_type = "application/octet-stream";
    for (const auto& [k, v] : request.headers) {
      if (k == "Content-Type") content_type = v;
      else if (k != "Host") headers.emplace(k, v);
    }
    const std::string path = request.url.substr(stack_->endpoint_url().size());
    auto result = request.method == "GET" ? client.Get(path.c_str(), headers)
                                          : client.Post(path.c_str(), headers, request.body, content_type.c_str());
    EXPECT_TRUE(result) << "no HTTP response";
    if (!result) return {};
    return {result->status, result->body, result->headers};
  }
  static aws::HttpRequest ssm(const std::string& op, const std::string& body) {
    aws::HttpRequest r;
    r.url = "/";
    r.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AmazonSSM." + op}};
    r.body = body;
    return r;
  }
  std::unique_ptr<LocalStack> stack_;
};

TEST_F(StackTest, SignedDescribeInstanceInformationAnswersWithSimulatedDate) {
  const Reply r = send(ssm("DescribeInstanceInformation", R"({"MaxResults":50})"));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["InstanceInformationList"].size(), 25u);
  EXPECT_EQ(r.header("Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(r.header("x-amzn-RequestId").size(), 36u);
  const auto date = aws::parse_http_date(r.header("Date"));
  ASSERT_TRUE(date.has_value());
  const double reported = std::chrono::duration<double>(date->time_since_epoch()).count();
  EXPECT_NEAR(reported, stack_->clock().now(), 120);
}

TEST_F(StackTest, WrongSecretIsInvalidSignatureExceptionForSsm) {
  const Reply r = send(ssm("DescribeInstanceInformation", "{}"), true, "wrong-secret");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("x-amzn-ErrorType"), "InvalidSignatureException");
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["__type"], "InvalidSignatureException");
  EXPECT_EQ(body["message"].get<std::string>().rfind("The request signature we calculated does not match", 0), 0u);
}

TEST_F(StackTest, WrongSecretOnQueryProtocolIsSignatureDoesNotMatchXml) {
  aws::HttpRequest r;
  r.url = "/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = "Action=ListTopics&Version=2010-03-31";
  const Reply reply = send(r, true, "wrong-secret", "sns");
  EXPECT_EQ(reply.status, 403);
  EXPECT_NE(reply.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("<Type>Sender</Type>"), std::string::npos);
  EXPECT_NE(reply.body.find("<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"), std::string::npos);
}

TEST_F(StackTest, MissingAuthenticationAndSkew) {
  Reply r = send(ssm("DescribeInstanceInformation", "{}"), false);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["__type"], "MissingAuthenticationTokenException");
  const double long_ago = SimClock::wall_now() - 3 * 86400;
  r = send(ssm("DescribeInstanceInformation", "{}"), true, "test", "ssm", long_ago);
  EXPECT_EQ(r.status, 400);
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["__type"], "InvalidSignatureException");
  EXPECT_EQ(body["message"].get<std::string>().rfind("Signature expired: ", 0), 0u);
}

TEST_F(StackTest, MalformedJsonAndUnknownOperation) {
  Reply r = send(ssm("DescribeInstanceInformation", "{not json"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["__type"], "SerializationException");
  r = send(ssm("LaunchRockets", "{}"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["__type"], "UnknownOperationException");
}

TEST_F(StackTest, UnbuiltServiceIs501) {
  aws::HttpRequest r;
  r.url = "/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r.body = "Action=ListUsers&Version=2010-05-08";
  const Reply reply = send(r, true, "test", "iam");   // IAM is not emulated (STS is)
  EXPECT_EQ(reply.status, 501);
}

TEST_F(StackTest, OversizedBodyIs413) {
  const Reply r = send(ssm("DescribeInstanceInformation", std::string(11 * 1024 * 1024, ' ')));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(nlohmann::json::parse(r.body)["__type"], "RequestEntityTooLargeException");
}

TEST_F(StackTest, LocalEndpointsHealthStatsFleetFaults) {
  aws::HttpRequest get;
  get.method = "GET";
  get.url = "/_local/health";
  EXPECT_EQ(send(get, false).status, 200);
  send(ssm("DescribeInstanceInformation", "{}"));
  get.url = "/_local/stats";
  const auto stats = nlohmann::json::parse(send(get, false).body);
  EXPECT_GE(stats["services"]["ssm"]["operations"]["DescribeInstanceInformation"]["count"].get<int>(), 1);

  const std::string id = stack_->fleet().nodes().front().id;
  aws::HttpRequest fault;
  fault.url = "/_local/fleet/faults";
  fault.headers = {{"Content-Type", "application/json"}};
  fault.body = nlohmann::json{{"instance_id", id}, {"fault", "terminate"}}.dump();
  EXPECT_EQ(send(fault, false).status, 200);
  fault.body = nlohmann::json{{"instance_id", "i-0ffffffffffffffff"}, {"fault", "agent-stop"}}.dump();
  EXPECT_EQ(send(fault, false).status, 404);
  fault.body = nlohmann::json{{"instance_id", id}, {"fault", "melt"}}.dump();
  EXPECT_EQ(send(fault, false).status, 400);
  get.url = "/_local/fleet";
  const auto fleet = nlohmann::json::parse(send(get, false).body);
  EXPECT_EQ(fleet["nodes"][0]["ec2_state"], "terminated");
  const auto listed = nlohmann::json::parse(send(ssm("DescribeInstanceInformation", R"({"MaxResults":50})")).body);
  EXPECT_EQ(listed["InstanceInformationList"].size(), 24u);
}

TEST_F(StackTest, Ec2DescribeInstancesShowsStateOfVanishedNodes) {
  const std::string id = stack_->fleet().nodes()[1].id;
  stack_->fleet().apply_fault(id, fleet::Fault::Stop, stack_->clock().now());
  aws::HttpRequest r;
  r.url = "/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=" + id;
  const Reply reply = send(r, true, "test", "ec2");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find("<name>stopped</name>"), std::string::npos) << reply.body;
}

TEST_F(StackTest, SnsSubscribeUrlConfirmsWithoutASignature) {
  aws::HttpRequest r;
  r.url = "/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = "Action=CreateTopic&Version=2010-03-31&Name=SSM-Ping";
  const std::string topic = "arn:aws:sns:us-east-1:123456789012:SSM-Ping";
  ASSERT_EQ(send(r, true, "test", "sns").status, 200);
  r.body = "Action=Subscribe&Version=2010-03-31&TopicArn=" + topic +
           "&Protocol=email&Endpoint=ops%40example.com&ReturnSubscriptionArn=true";
  const Reply subscribed = send(r, true, "test", "sns");
  ASSERT_EQ(subscribed.status, 200) << subscribed.body;
  Service* sns_service = stack_->service("sns");
  ASSERT_TRUE(sns::wait_for_deliveries(*sns_service, std::chrono::seconds(10)));
  const auto confirmation = sns::mailbox_json(*sns_service)["messages"].at(0);
  const std::string url = confirmation["subscribe_url"];
  ASSERT_EQ(url.rfind(stack_->endpoint_url() + "/?Action=ConfirmSubscription&TopicArn=" + topic + "&Token=", 0), 0u) << url;

  aws::HttpRequest visit;
  visit.method = "GET";
  visit.url = "/?Action=ListTopics";   // only the SubscribeURL is served unsigned
  EXPECT_EQ(send(visit, false).status, 403);
  visit.url = "/?Action=ConfirmSubscription&TopicArn=" + topic + "&Token=0000";
  const Reply wrong = send(visit, false);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("<Code>InvalidParameter</Code>"), std::string::npos) << wrong.body;
  visit.url = url.substr(stack_->endpoint_url().size());
  const Reply confirmed = send(visit, false);
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_NE(confirmed.body.find("<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"),
            std::string::npos) << confirmed.body;
  EXPECT_NE(confirmed.body.find("<ConfirmSubscriptionResult><SubscriptionArn>" +
                                confirmation["subscription_arn"].get<std::string>() +
                                "</SubscriptionArn></ConfirmSubscriptionResult>"),
            std::string::npos) << confirmed.body;
  r.body = "Action=ListSubscriptionsByTopic&Version=2010-03-31&TopicArn=" + topic;
  const Reply listed = send(r, true, "test", "sns");
  EXPECT_NE(listed.body.find("<SubscriptionArn>" + confirmation["subscription_arn"].get<std::string>() + "</SubscriptionArn>"),
            std::string::npos) << listed.body;
}

TEST(StackState, StateSurvivesRestart) {
  // Per process: parallel runs (ctest -j, other checkouts) must not share the file.
  const std::string path = ::testing::TempDir() + "/pw_state_test." + std::to_string(::getpid()) + ".sqlite";
  std::remove(path.c_str());
  StackOptions o;
  o.port = 0;
  o.quiet = true;
  o.fleet.nodes = 5;
  o.state_file = path;
  std::string id;
  double stopped_at = 0;
  {
    LocalStack stack(o);
    stack.start();
    id = stack.fleet().nodes()[2].id;
    stack.fleet().apply_fault(id, fleet::Fault::Deregister, stack.clock().now());
    stopped_at = stack.clock().now();
    stack.stop();
  }
  LocalStack again(o);
  const fleet::Node* node = again.fleet().find(id);
  ASSERT_NE(node, nullptr);
  EXPECT_FALSE(node->managed);
  EXPECT_GE(again.clock().now(), stopped_at);   // the simulated clock goes on from where it was saved
  std::remove(path.c_str());
}

}  // namespace
}  // namespace pingwatch::local
