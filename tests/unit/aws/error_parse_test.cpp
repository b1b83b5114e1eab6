// Every error format the services use becomes the same AwsError.
#include <gtest/gtest.h>

#include "aws/error_parse.h"

using namespace pingwatch::aws;

namespace {
HttpResponse resp(int status, std::string body, Headers headers = {}) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}
}  // namespace

TEST(ErrorParse, SanitizesCodes) {
  EXPECT_EQ(sanitize_error_code("com.amazonaws.ssm#InvalidNextToken"), "InvalidNextToken");
  EXPECT_EQ(sanitize_error_code("com.amazon.coral.service#AccessDeniedException"), "AccessDeniedException");
  EXPECT_EQ(sanitize_error_code("ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/"),
            "ValidationException");
  EXPECT_EQ(sanitize_error_code("aws.protocoltests#FooError:http://x"), "FooError");
  EXPECT_EQ(sanitize_error_code("ThrottlingException"), "ThrottlingException");
}

TEST(ErrorParse, JsonTypeAndMessage) {
  auto e = parse_error_response(
      Protocol::Json11,
      resp(400, R"({"__type":"com.amazonaws.ssm#InvalidFilterKey","message":"bad key"})", {{"x-amzn-RequestId", "r-1"}}),
      "ssm", "DescribeInstanceInformation");
  EXPECT_EQ(e.code, "InvalidFilterKey");
  EXPECT_EQ(e.message, "bad key");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.request_id, "r-1");
  EXPECT_EQ(e.service, "ssm");
  EXPECT_EQ(e.operation, "DescribeInstanceInformation");
  EXPECT_NE(std::string(e.what()).find("InvalidFilterKey"), std::string::npos);
}

TEST(ErrorParse, JsonCapitalMessageAndErrorTypeHeader) {
  auto e = parse_error_response(Protocol::Json11, resp(400, R"({"Message":"Rate exceeded"})",
                                                       {{"x-amzn-ErrorType", "ThrottlingException:http://x"}}),
                                "events", "PutRule");
  EXPECT_EQ(e.code, "ThrottlingException");
  EXPECT_EQ(e.message, "Rate exceeded");
}

TEST(ErrorParse, QueryCompatibleHeaderWins) {
  // CloudWatch over JSON 1.0 names the query-protocol code in x-amzn-query-error.
  auto e = parse_error_response(
      Protocol::Json10,
      resp(400, R"({"__type":"com.amazonaws.cloudwatch#ResourceNotFoundException","message":"no such alarm"})",
           {{"x-amzn-query-error", "ResourceNotFound;Sender"}}),
      "monitoring", "DescribeAlarms");
  EXPECT_EQ(e.code, "ResourceNotFound");
  EXPECT_EQ(e.message, "no such alarm");
}

TEST(ErrorParse, QueryErrorResponse) {
  auto e = parse_error_response(
      Protocol::Query,
      resp(403,
           "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type>"
           "<Code>AuthorizationError</Code><Message>not allowed</Message></Error><RequestId>rid-9</RequestId>"
           "</ErrorResponse>"),
      "sns", "Publish");
  EXPECT_EQ(e.code, "AuthorizationError");
  EXPECT_EQ(e.message, "not allowed");
  EXPECT_EQ(e.request_id, "rid-9");
  EXPECT_EQ(e.http_status, 403);
}

TEST(ErrorParse, Ec2ErrorResponse) {
  auto e = parse_error_response(
      Protocol::Query,
      resp(400, "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>gone</Message></Error>"
                "</Errors><RequestID>ec2-req</RequestID></Response>"),
      "ec2", "DescribeInstances");
  EXPECT_EQ(e.code, "InvalidInstanceID.NotFound");
  EXPECT_EQ(e.request_id, "ec2-req");
}

TEST(ErrorParse, HeaderRequestIdWinsAndAmzVariantIsRead) {
  auto e = parse_error_response(Protocol::Query,
                                resp(400, "<ErrorResponse><Error><Code>X</Code></Error><RequestId>body</RequestId></ErrorResponse>",
                                     {{"x-amz-request-id", "hdr"}}),
                                "sts", "AssumeRole");
  EXPECT_EQ(e.request_id, "hdr");
}

TEST(ErrorParse, UnparseableBodyNamesTheStatus) {
  auto e = parse_error_response(Protocol::Json11, resp(502, "<html>Bad Gateway</html>"), "ssm", "X");
  EXPECT_EQ(e.code, "502");
  EXPECT_EQ(e.http_status, 502);
  EXPECT_NE(e.message.find("Bad Gateway"), std::string::npos);
  auto empty = parse_error_response(Protocol::Query, resp(503, ""), "sns", "Publish");
  EXPECT_EQ(empty.code, "503");
  EXPECT_EQ(empty.message, "empty reply body");
}

TEST(ErrorParse, MalformedResponseNamesOperation) {
  AwsError e = malformed_response("ssm", "DescribeInstanceInformation", "reply body is not valid JSON");
  EXPECT_EQ(e.code, "MalformedResponse");
  EXPECT_NE(std::string(e.what()).find("DescribeInstanceInformation"), std::string::npos);
}
