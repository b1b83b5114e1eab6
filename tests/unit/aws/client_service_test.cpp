// ServiceClient: the wire shape of each protocol, signing per attempt, retries, clock skew, malformed replies.
#include <gtest/gtest.h>

#include "aws/error_parse.h"
#include "aws/query_protocol.h"
#include "aws/sigv4.h"
#include "fake_http.h"

using namespace pingwatch::aws;
using namespace pingwatch::aws::testing;
using nlohmann::json;

namespace {
ServiceInfo ssm_info() { return {"ssm", "ssm", "SSM", "ssm"}; }
ProtocolInfo ssm_protocol() { return {Protocol::Json11, "AmazonSSM", "", "", false}; }
ProtocolInfo cw_json_protocol() { return {Protocol::Json10, "GraniteServiceVersion20100801", "2010-08-01", "", true}; }
ProtocolInfo sns_protocol() { return {Protocol::Query, "", "2010-03-31", "", false}; }

std::string header(const HttpRequest& r, const char* name) {
  const std::string* v = find_header(r.headers, name);
  return v != nullptr ? *v : std::string("<absent>");
}
}  // namespace

TEST(ServiceClient, Json11RequestShape) {
  Harness h;
  h.http->reply_json(200, R"({"ok":true})", date_header(test_epoch()));
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  auto reply = client.call_json("DescribeInstanceInformation", json{{"MaxResults", 50}});
  ASSERT_EQ(h.http->requests.size(), 1u);
  const HttpRequest& r = h.http->requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:4566/");
  EXPECT_EQ(r.body, R"({"MaxResults":50})");
  EXPECT_EQ(header(r, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(header(r, "X-Amz-Target"), "AmazonSSM.DescribeInstanceInformation");
  EXPECT_EQ(header(r, "x-amzn-query-mode"), "<absent>");
  EXPECT_EQ(header(r, "X-Amz-Date"), "20240412T082700Z");
  EXPECT_NE(header(r, "Authorization").find("Credential=AKIDEXAMPLE/20240412/us-east-1/ssm/aws4_request"),
            std::string::npos);
  EXPECT_EQ(reply.body, json({{"ok", true}}));
  EXPECT_EQ(reply.request_id, "req-1");
  EXPECT_EQ(reply.server_time, test_epoch());
  EXPECT_EQ(client.stats().calls.load(), 1);
  EXPECT_EQ(client.stats().attempts.load(), 1);
}

TEST(ServiceClient, SignatureVerifiesWithTheSigner) {
  Harness h;
  h.http->reply_json(200, "{}");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  client.call_json("DescribeInstanceInformation", json::object());
  const HttpRequest& r = h.http->requests[0];
  auto auth = sigv4::parse_authorization(header(r, "Authorization"));
  ASSERT_TRUE(auth);
  const std::string creq = sigv4::canonical_request(r, auth->signed_headers, sigv4::sha256_hex(r.body));
  const std::string scope = auth->date + "/" + auth->region + "/" + auth->service + "/aws4_request";
  const std::string sts = sigv4::string_to_sign(header(r, "X-Amz-Date"), scope, creq);
  EXPECT_EQ(sigv4::signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", auth->date, auth->region, auth->service, sts),
            auth->signature);
  // Content type and target are covered by the signature.
  EXPECT_NE(std::find(auth->signed_headers.begin(), auth->signed_headers.end(), "x-amz-target"),
            auth->signed_headers.end());
}

TEST(ServiceClient, CloudWatchJson10SendsQueryModeHeader) {
  Harness h;
  h.http->reply_json(200, "{}");
  ServiceClient client({"monitoring", "monitoring", "CLOUDWATCH", "cloudwatch"}, cw_json_protocol(), h.config());
  client.call_json("PutMetricData", json{{"Namespace", "SSM Agent"}});
  const HttpRequest& r = h.http->requests[0];
  EXPECT_EQ(header(r, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(header(r, "X-Amz-Target"), "GraniteServiceVersion20100801.PutMetricData");
  EXPECT_EQ(header(r, "x-amzn-query-mode"), "true");
}

TEST(ServiceClient, QueryRequestShapeAndXmlReply) {
  Harness h;
  h.http->reply(200,
                "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>m-1"
                "</MessageId></PublishResult><ResponseMetadata><RequestId>rq-7</RequestId></ResponseMetadata>"
                "</PublishResponse>",
                {{"Date", "Fri, 12 Apr 2024 08:28:26 GMT"}});
  ServiceClient client({"sns", "sns", "SNS", "sns"}, sns_protocol(), h.config());
  auto reply = client.call_query("Publish", {{"TopicArn", "arn:aws:sns:us-east-1:1:SSM-Ping"}, {"Message", "a b"}});
  const HttpRequest& r = h.http->requests[0];
  EXPECT_EQ(header(r, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(header(r, "X-Amz-Target"), "<absent>");
  EXPECT_EQ(r.body, "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3ASSM-Ping&Message=a%20b");
  EXPECT_EQ(query_protocol::child_text(reply.result, "MessageId"), "m-1");
  EXPECT_EQ(reply.request_id, "rq-7");
  EXPECT_EQ(reply.server_time, test_epoch() + std::chrono::seconds(86));
}

TEST(ServiceClient, ThrottledTwiceThenSucceedsWithThreeAttempts) {
  Harness h;
  for (int i = 0; i < 2; ++i) {
    h.http->reply_json(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  }
  h.http->reply_json(200, R"({"InstanceInformationList":[]})");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  auto reply = client.call_json("DescribeInstanceInformation", json::object());
  EXPECT_TRUE(reply.body.contains("InstanceInformationList"));
  EXPECT_EQ(client.stats().attempts.load(), 3);
  EXPECT_EQ(client.stats().retries.load(), 2);
  EXPECT_EQ(client.stats().calls.load(), 1);
  ASSERT_EQ(h.sleeps.size(), 2u);
  // Standard mode with random 0.5: 0.5 x 1 s, then 0.5 x 2 s.
  EXPECT_EQ(h.sleeps[0], std::chrono::milliseconds(500));
  EXPECT_EQ(h.sleeps[1], std::chrono::milliseconds(1000));
  // Every attempt is signed afresh with the (advanced) clock and says which attempt it is.
  EXPECT_EQ(header(h.http->requests[0], "X-Amz-Date"), "20240412T082700Z");
  EXPECT_EQ(header(h.http->requests[1], "X-Amz-Date"), "20240412T082700Z");
  EXPECT_EQ(header(h.http->requests[2], "X-Amz-Date"), "20240412T082701Z");
  EXPECT_EQ(header(h.http->requests[2], "amz-sdk-request"), "attempt=3; max=3");
  EXPECT_NE(header(h.http->requests[0], "Authorization"), header(h.http->requests[2], "Authorization"));
}

TEST(ServiceClient, ThrottledThreeTimesFailsWithTheCode) {
  Harness h;
  for (int i = 0; i < 3; ++i) h.http->reply_json(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  try {
    client.call_json("DescribeInstanceInformation", json::object());
    FAIL() << "expected AwsError";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "ThrottlingException");
    EXPECT_TRUE(e.throttling);
    EXPECT_TRUE(e.retryable);
  }
  EXPECT_EQ(client.stats().attempts.load(), 3);
}

TEST(ServiceClient, AccessDeniedFailsAtOnceWithCodeInMessage) {
  Harness h;
  h.http->reply_json(400,
                     R"({"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User is not authorized"})",
                     {{"x-amzn-RequestId", "deny-1"}});
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  try {
    client.call_json("DescribeInstanceInformation", json::object());
    FAIL() << "expected AwsError";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "AccessDeniedException");
    EXPECT_NE(std::string(e.what()).find("AccessDeniedException"), std::string::npos);
    EXPECT_EQ(e.request_id, "deny-1");
    EXPECT_EQ(e.operation, "DescribeInstanceInformation");
    EXPECT_FALSE(e.retryable);
  }
  EXPECT_EQ(h.http->requests.size(), 1u);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(ServiceClient, ClockSkewErrorLearnsSkewFromDateAndRetriesSignedWithServerTime) {
  Harness h;
  const SystemTime server = test_epoch() + std::chrono::hours(2);
  h.http->reply_json(400, R"({"__type":"InvalidSignatureException","message":"Signature expired"})",
                     {{"Date", format_http_date(server)}});
  h.http->reply_json(200, "{}");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  client.call_json("DescribeInstanceInformation", json::object());
  EXPECT_EQ(client.clock_skew(), std::chrono::hours(2));
  ASSERT_EQ(h.http->requests.size(), 2u);
  // Second attempt: local clock (+ the backoff sleep) + 2 h skew.
  const auto second = sigv4::parse_amz_date(header(h.http->requests[1], "X-Amz-Date"));
  ASSERT_TRUE(second);
  EXPECT_GE(*second, server);
  EXPECT_LT(*second, server + std::chrono::seconds(2));
}

TEST(ServiceClient, TransportErrorsAreRetriedThenReportedAsNetworkErrors) {
  Harness h;
  h.http->fail(TransportError::Kind::Connect, "connection refused");
  h.http->reply_json(200, "{}");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  EXPECT_NO_THROW(client.call_json("DescribeInstanceInformation", json::object()));
  EXPECT_EQ(client.stats().attempts.load(), 2);

  Harness h2;
  for (int i = 0; i < 3; ++i) h2.http->fail(TransportError::Kind::Connect, "connection refused");
  ServiceClient client2(ssm_info(), ssm_protocol(), h2.config());
  try {
    client2.call_json("DescribeInstanceInformation", json::object());
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "EndpointConnectionError");
    EXPECT_EQ(e.http_status, 0);
    EXPECT_NE(e.message.find("127.0.0.1:4566"), std::string::npos);
  }
}

TEST(ServiceClient, ServerErrorsAreRetried) {
  Harness h;
  h.http->reply(503, "");
  h.http->reply_json(500, R"({"__type":"InternalServerError"})");
  h.http->reply_json(200, "{}");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  EXPECT_NO_THROW(client.call_json("DescribeInstanceInformation", json::object()));
  EXPECT_EQ(client.stats().attempts.load(), 3);
}

TEST(ServiceClient, MalformedJsonReplyIsAnAwsErrorNamingTheOperation) {
  Harness h;
  h.http->reply_json(200, "<html>proxy</html>");
  ServiceClient client(ssm_info(), ssm_protocol(), h.config());
  try {
    client.call_json("DescribeInstanceInformation", json::object());
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "MalformedResponse");
    EXPECT_NE(std::string(e.what()).find("DescribeInstanceInformation"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos);
  }
}

TEST(ServiceClient, MalformedXmlReplies) {
  Harness h;
  h.http->reply(200, "<PublishResponse><unclosed>");
  h.http->reply(200, "<SomethingElse/>");
  ServiceClient client({"sns", "sns", "SNS", "sns"}, sns_protocol(), h.config());
  try {
    client.call_query("Publish", {});
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "MalformedResponse");
    EXPECT_NE(e.message.find("not valid XML"), std::string::npos);
  }
  try {
    client.call_query("Publish", {});
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "MalformedResponse");
    EXPECT_NE(e.message.find("<PublishResponse>"), std::string::npos);
  }
}

TEST(ServiceClient, SessionTokenIsSent) {
  Harness h;
  h.http->reply_json(200, "{}");
  ClientConfig config = h.config();
  config.credentials = std::make_shared<FixedCredentials>("TOKEN123");
  ServiceClient client(ssm_info(), ssm_protocol(), config);
  client.call_json("DescribeInstanceInformation", json::object());
  EXPECT_EQ(header(h.http->requests[0], "X-Amz-Security-Token"), "TOKEN123");
}

TEST(ServiceClient, EndpointWithPathKeepsIt) {
  Harness h;
  h.http->reply_json(200, "{}");
  ClientConfig config = h.config();
  config.endpoint = "http://127.0.0.1:9/prefix";
  ServiceClient client(ssm_info(), ssm_protocol(), config);
  client.call_json("X", json::object());
  EXPECT_EQ(h.http->requests[0].url, "http://127.0.0.1:9/prefix");
}
