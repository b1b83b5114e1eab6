// SnsClient: awsQuery encodings (entry.N maps, member.N lists) and XML replies.
#include <gtest/gtest.h>

#include "aws/query_protocol.h"
#include "aws/sns_client.h"
#include "fake_http.h"

using namespace pingwatch::aws;
using namespace pingwatch::aws::testing;
namespace qp = pingwatch::aws::query_protocol;

namespace {
std::map<std::string, std::string> form(const HttpRequest& r) {
  auto params = qp::decode_form(r.body);
  return {params.begin(), params.end()};
}
}  // namespace

TEST(SnsClient, PublishWithSubjectAndMessageAttributes) {
  Harness h;
  h.http->reply(200,
                "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>"
                "<MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>"
                "<ResponseMetadata><RequestId>f187a3c1</RequestId></ResponseMetadata></PublishResponse>");
  SnsClient sns(h.config());
  PublishRequest p;
  p.topic_arn = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping";
  p.subject = "ALARM: \"ssm-agent-i-1\" in Asia Pacific (Tokyo)";
  p.message = "{\"default\":\"x\",\"email\":\"東京\"}";
  p.message_structure = "json";
  p.message_attributes["event"] = {"String", "lost", ""};
  p.message_attributes["count"] = {"Number", "3", ""};
  EXPECT_EQ(sns.publish(p), "94f20ce6-13c5-43a0-9a9e-ca52d816e90b");
  auto f = form(h.http->requests[0]);
  EXPECT_EQ(f.at("Action"), "Publish");
  EXPECT_EQ(f.at("Version"), "2010-03-31");
  EXPECT_EQ(f.at("Subject"), p.subject);
  EXPECT_EQ(f.at("Message"), p.message);
  EXPECT_EQ(f.at("MessageStructure"), "json");
  // std::map order: "count" then "event".
  EXPECT_EQ(f.at("MessageAttributes.entry.1.Name"), "count");
  EXPECT_EQ(f.at("MessageAttributes.entry.1.Value.DataType"), "Number");
  EXPECT_EQ(f.at("MessageAttributes.entry.1.Value.StringValue"), "3");
  EXPECT_EQ(f.at("MessageAttributes.entry.2.Name"), "event");
  EXPECT_EQ(f.at("MessageAttributes.entry.2.Value.StringValue"), "lost");
  // Non-ASCII travels percent-encoded as UTF-8.
  EXPECT_NE(h.http->requests[0].body.find("%E6%9D%B1%E4%BA%AC"), std::string::npos);
}

TEST(SnsClient, PublishNeedsADestination) {
  Harness h;
  SnsClient sns(h.config());
  EXPECT_THROW(sns.publish(PublishRequest{}), std::invalid_argument);
  EXPECT_TRUE(h.http->requests.empty());
}

TEST(SnsClient, CreateTopicAndSubscribe) {
  Harness h;
  h.http->reply(200, "<CreateTopicResponse><CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:1:SSM-Ping</TopicArn>"
                     "</CreateTopicResult></CreateTopicResponse>");
  h.http->reply(200, "<SubscribeResponse><SubscribeResult><SubscriptionArn>pending confirmation</SubscriptionArn>"
                     "</SubscribeResult></SubscribeResponse>");
  SnsClient sns(h.config());
  EXPECT_EQ(sns.create_topic("SSM-Ping", {{"DisplayName", "SSM Ping"}}, {{"app", "pingwatch"}}),
            "arn:aws:sns:us-east-1:1:SSM-Ping");
  EXPECT_EQ(sns.subscribe("arn:aws:sns:us-east-1:1:SSM-Ping", "email", "ops@example.com"), "pending confirmation");
  auto f = form(h.http->requests[0]);
  EXPECT_EQ(f.at("Name"), "SSM-Ping");
  EXPECT_EQ(f.at("Attributes.entry.1.key"), "DisplayName");
  EXPECT_EQ(f.at("Attributes.entry.1.value"), "SSM Ping");
  EXPECT_EQ(f.at("Tags.member.1.Key"), "app");
  auto s = form(h.http->requests[1]);
  EXPECT_EQ(s.at("Protocol"), "email");
  EXPECT_EQ(s.at("Endpoint"), "ops@example.com");
}

TEST(SnsClient, CreateTopicWithoutArnIsMalformed) {
  Harness h;
  h.http->reply(200, "<CreateTopicResponse><CreateTopicResult/></CreateTopicResponse>");
  SnsClient sns(h.config());
  try {
    sns.create_topic("x");
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "MalformedResponse");
    EXPECT_NE(e.message.find("CreateTopic"), std::string::npos);
  }
}

TEST(SnsClient, ListTopicsAndSubscriptionsPage) {
  Harness h;
  h.http->reply(200, "<ListTopicsResponse><ListTopicsResult><Topics><member><TopicArn>arn:1</TopicArn></member>"
                     "</Topics><NextToken>n</NextToken></ListTopicsResult></ListTopicsResponse>");
  h.http->reply(200, "<ListTopicsResponse><ListTopicsResult><Topics><member><TopicArn>arn:2</TopicArn></member>"
                     "</Topics></ListTopicsResult></ListTopicsResponse>");
  h.http->reply(200,
                "<ListSubscriptionsByTopicResponse><ListSubscriptionsByTopicResult><Subscriptions><member>"
                "<SubscriptionArn>arn:1:sub</SubscriptionArn><Owner>123</Owner><Protocol>email</Protocol>"
                "<Endpoint>ops@example.com</Endpoint><TopicArn>arn:1</TopicArn></member></Subscriptions>"
                "</ListSubscriptionsByTopicResult></ListSubscriptionsByTopicResponse>");
  SnsClient sns(h.config());
  EXPECT_EQ(sns.list_all_topics(), (std::vector<std::string>{"arn:1", "arn:2"}));
  EXPECT_EQ(form(h.http->requests[1]).at("NextToken"), "n");
  auto subs = sns.list_all_subscriptions_by_topic("arn:1");
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].endpoint, "ops@example.com");
  EXPECT_EQ(subs[0].protocol, "email");
}

TEST(SnsClient, QueryErrorsSurfaceWithCode) {
  Harness h;
  h.http->reply(404, "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist"
                     "</Message></Error><RequestId>r</RequestId></ErrorResponse>");
  SnsClient sns(h.config());
  PublishRequest p;
  p.topic_arn = "arn:missing";
  p.message = "m";
  try {
    sns.publish(p);
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "NotFound");
    EXPECT_EQ(e.message, "Topic does not exist");
    EXPECT_EQ(e.http_status, 404);
  }
  EXPECT_EQ(h.http->requests.size(), 1u);
}
