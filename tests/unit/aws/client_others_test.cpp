// STS, DynamoDB and EC2 clients: encodings, decodings, typed errors.
#include <gtest/gtest.h>

#include "aws/dynamodb_client.h"
#include "aws/ec2_client.h"
#include "aws/query_protocol.h"
#include "aws/sts_client.h"
#include "fake_http.h"

using namespace pingwatch::aws;
using namespace pingwatch::aws::testing;
using nlohmann::json;
namespace qp = pingwatch::aws::query_protocol;

namespace {
std::map<std::string, std::string> form(const HttpRequest& r) {
  auto params = qp::decode_form(r.body);
  return {params.begin(), params.end()};
}
std::string target(const HttpRequest& r) { return *find_header(r.headers, "X-Amz-Target"); }
}  // namespace

TEST(StsClient, GetCallerIdentityAndAssumeRole) {
  Harness h;
  h.http->reply(200,
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
                "<Arn>arn:aws:iam::123456789012:user/ops</Arn><UserId>AIDA1</UserId><Account>123456789012</Account>"
                "</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
                "</GetCallerIdentityResponse>");
  h.http->reply(200,
                "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>"
                "<SecretAccessKey>secret</SecretAccessKey><SessionToken>tok</SessionToken>"
                "<Expiration>2024-04-12T09:27:00Z</Expiration></Credentials><AssumedRoleUser>"
                "<Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA1:s</AssumedRoleId>"
                "</AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>");
  StsClient sts(h.config());
  auto id = sts.get_caller_identity();
  EXPECT_EQ(id.account, "123456789012");
  EXPECT_EQ(id.arn, "arn:aws:iam::123456789012:user/ops");
  EXPECT_EQ(h.http->requests[0].body, "Action=GetCallerIdentity&Version=2011-06-15");
  auto role = sts.assume_role({"arn:aws:iam::123456789012:role/r", "s", 900, "ext", ""});
  EXPECT_EQ(role.credentials.access_key_id, "ASIA1");
  EXPECT_EQ(role.credentials.session_token, "tok");
  EXPECT_EQ(role.credentials.expiration, test_epoch() + std::chrono::hours(1));
  EXPECT_EQ(role.assumed_role_arn, "arn:aws:sts::123456789012:assumed-role/r/s");
  auto f = form(h.http->requests[1]);
  EXPECT_EQ(f.at("RoleArn"), "arn:aws:iam::123456789012:role/r");
  EXPECT_EQ(f.at("RoleSessionName"), "s");
  EXPECT_EQ(f.at("DurationSeconds"), "900");
  EXPECT_EQ(f.at("ExternalId"), "ext");
  EXPECT_EQ(f.count("Policy"), 0u);
}

TEST(DynamoDbClient, ItemsAndConditionalFailure) {
  Harness h;
  h.http->reply_json(200, R"({"Item":{"pk":{"S":"node#i-1"},"status":{"S":"Online"}}})");
  h.http->reply_json(200, "{}");
  h.http->reply_json(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"})");
  DynamoDbClient db(h.config());
  auto item = db.get_item("pingwatch-state", json{{"pk", {{"S", "node#i-1"}}}}, true);
  ASSERT_TRUE(item);
  EXPECT_EQ((*item)["status"]["S"], "Online");
  EXPECT_FALSE(db.get_item("pingwatch-state", json{{"pk", {{"S", "none"}}}}));
  DynamoCondition cond{"attribute_not_exists(pk)", json::object(), json::object()};
  try {
    db.put_item("pingwatch-state", json{{"pk", {{"S", "lock"}}}}, cond);
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "ConditionalCheckFailedException");
    EXPECT_FALSE(e.retryable);
  }
  EXPECT_EQ(target(h.http->requests[0]), "DynamoDB_20120810.GetItem");
  EXPECT_EQ(*find_header(h.http->requests[0].headers, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(json::parse(h.http->requests[0].body)["ConsistentRead"], true);
  json put = json::parse(h.http->requests[2].body);
  EXPECT_EQ(put["ConditionExpression"], "attribute_not_exists(pk)");
  EXPECT_FALSE(put.contains("ExpressionAttributeValues"));
}

TEST(DynamoDbClient, QueryAllFollowsLastEvaluatedKey) {
  Harness h;
  h.http->reply_json(200, R"({"Items":[{"pk":{"S":"a"}}],"Count":1,"ScannedCount":1,"LastEvaluatedKey":{"pk":{"S":"a"}}})");
  h.http->reply_json(200, R"({"Items":[{"pk":{"S":"b"}}],"Count":1,"ScannedCount":1})");
  DynamoDbClient db(h.config());
  auto items = db.query_all(json{{"TableName", "t"}, {"KeyConditionExpression", "pk = :p"}});
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(json::parse(h.http->requests[1].body)["ExclusiveStartKey"], json::parse(R"({"pk":{"S":"a"}})"));
}

TEST(DynamoDbClient, UpdateAndBatchWrite) {
  Harness h;
  h.http->reply_json(200, R"({"Attributes":{"n":{"N":"2"}}})");
  h.http->reply_json(200, R"({"UnprocessedItems":{}})");
  DynamoDbClient db(h.config());
  DynamoCondition c;
  c.expression_attribute_values = {{":one", {{"N", "1"}}}};
  auto attrs = db.update_item("t", json{{"pk", {{"S", "x"}}}}, "ADD n :one", c, "UPDATED_NEW");
  EXPECT_EQ(attrs["n"]["N"], "2");
  json upd = json::parse(h.http->requests[0].body);
  EXPECT_EQ(upd["ReturnValues"], "UPDATED_NEW");
  EXPECT_EQ(upd["ExpressionAttributeValues"][":one"]["N"], "1");
  auto unprocessed = db.batch_write_item(json{{"t", {{{"PutRequest", {{"Item", {{"pk", {{"S", "y"}}}}}}}}}}});
  EXPECT_TRUE(unprocessed.empty());
}

TEST(Ec2Client, DescribeInstancesEc2Encoding) {
  Harness h;
  h.http->reply(200,
                "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>e1</requestId>"
                "<reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>"
                "<instanceId>i-1</instanceId><instanceState><code>80</code><name>stopped</name></instanceState>"
                "<instanceType>t3.micro</instanceType><tagSet><item><key>Name</key><value>web-1</value></item></tagSet>"
                "</item><item><instanceId>i-2</instanceId><instanceState><code>16</code><name>running</name>"
                "</instanceState></item></instancesSet></item></reservationSet></DescribeInstancesResponse>");
  Ec2Client ec2(h.config());
  DescribeInstancesRequest r;
  r.instance_ids = {"i-1", "i-2"};
  r.filters = {{"instance-state-name", {"running", "stopped"}}};
  auto page = ec2.describe_instances(r);
  ASSERT_EQ(page.instances.size(), 2u);
  EXPECT_EQ(page.instances[0].state_name, "stopped");
  EXPECT_EQ(page.instances[0].tags.at("Name"), "web-1");
  EXPECT_EQ(page.instances[1].state_name, "running");
  auto f = form(h.http->requests[0]);
  EXPECT_EQ(f.at("Version"), "2016-11-15");
  EXPECT_EQ(f.at("InstanceId.1"), "i-1");
  EXPECT_EQ(f.at("InstanceId.2"), "i-2");
  EXPECT_EQ(f.at("Filter.1.Name"), "instance-state-name");
  EXPECT_EQ(f.at("Filter.1.Value.2"), "stopped");
}
