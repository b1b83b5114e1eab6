// SNS emulation, driven through handle() as the router would call it: validation as AWS answers it,
// MessageStructure, and the deliveries (email .eml files, http envelope, Lambda event).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "local/services.h"
#include "local/sns/mailbox.h"
#include "local/sns/sns_service.h"

using namespace pingwatch::local;

namespace {

constexpr double kSim0 = 1712910506;   // 2024-04-12T08:28:26Z

struct RecordingLambda : LambdaInvoker {
  std::mutex mutex;
  std::vector<std::pair<std::string, nlohmann::json>> calls;
  nlohmann::json invoke(const std::string& fn, const nlohmann::json& payload, bool async) override {
    std::lock_guard lock(mutex);
    calls.emplace_back(fn, payload);
    EXPECT_TRUE(async);
    return nullptr;
  }
};

class SnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mailbox = std::filesystem::temp_directory_path() /
              ("pingwatch-sns-test-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(mailbox);
    context.clock = std::make_shared<SimClock>(kSim0, 1e-9);   // effectively frozen at kSim0
    context.default_region = "ap-northeast-1";
    context.mailbox_dir = mailbox.string();
    context.lambda = &lambda;
    context.auto_confirm = true;   // --auto-confirm: most tests here are about delivery; the AWS default is tested below
    service = make_sns_service(context);
  }
  void TearDown() override {
    service.reset();
    std::filesystem::remove_all(mailbox);
  }

  Response call(const std::string& action, std::map<std::string, std::string> params) {
    Request r;
    r.method = "POST";
    r.path = "/";
    r.service = "sns";
    r.operation = action;
    r.protocol = WireProtocol::Query;
    r.params = std::move(params);
    r.params["Action"] = action;
    r.params["Version"] = "2010-03-31";
    r.region = "ap-northeast-1";
    r.account_id = "123456789012";
    r.access_key_id = access_key;
    r.request_id = "req-1";
    return service->handle(r);
  }

  ServiceError call_error(const std::string& action, std::map<std::string, std::string> params) {
    try {
      call(action, std::move(params));
    } catch (const ServiceError& e) {
      return e;
    }
    ADD_FAILURE() << action << " did not fail";
    return ServiceError(0, "", "");
  }

  static std::string between(const std::string& body, const std::string& tag) {
    auto start = body.find("<" + tag + ">");
    auto end = body.find("</" + tag + ">");
    if (start == std::string::npos || end == std::string::npos) return {};
    start += tag.size() + 2;
    return body.substr(start, end - start);
  }

  std::string create_topic(const std::string& name) { return between(call("CreateTopic", {{"Name", name}}).body, "TopicArn"); }

  std::string subscribe(const std::string& topic, const std::string& protocol, const std::string& endpoint) {
    return between(call("Subscribe", {{"TopicArn", topic}, {"Protocol", protocol}, {"Endpoint", endpoint}}).body,
                   "SubscriptionArn");
  }

  nlohmann::json delivered() {
    EXPECT_TRUE(sns::wait_for_deliveries(*service, std::chrono::seconds(10)));
    return sns::mailbox_json(*service)["messages"];
  }

  std::filesystem::path mailbox;
  std::string access_key = "test";   // empty = an unsigned request (the router lets only the SubscribeURL through so)
  StackContext context;
  RecordingLambda lambda;
  std::unique_ptr<Service> service;
};

}  // namespace

TEST_F(SnsTest, CreateTopicIsIdempotentAndListed) {
  const std::string arn = create_topic("SSM-Ping");
  EXPECT_EQ(arn, "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping");
  EXPECT_EQ(create_topic("SSM-Ping"), arn);
  Response list = call("ListTopics", {});
  EXPECT_NE(list.body.find("<ListTopicsResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"), std::string::npos);
  EXPECT_NE(list.body.find("<member><TopicArn>" + arn + "</TopicArn></member>"), std::string::npos);
  auto bad = call_error("CreateTopic", {{"Name", "bad name!"}});
  EXPECT_EQ(bad.code, "InvalidParameter");
  EXPECT_STREQ(bad.what(), "Invalid parameter: Topic Name");
  // Same name with a different attribute value is refused, as AWS does.
  call("CreateTopic", {{"Name", "T2"}, {"Attributes.entry.1.key", "DisplayName"}, {"Attributes.entry.1.value", "a"}});
  auto conflict = call_error("CreateTopic", {{"Name", "T2"}, {"Attributes.entry.1.key", "DisplayName"},
                                             {"Attributes.entry.1.value", "b"}});
  EXPECT_EQ(conflict.code, "InvalidParameter");
}

TEST_F(SnsTest, TopicAttributesCountSubscriptions) {
  const std::string arn = create_topic("SSM-Ping");
  subscribe(arn, "email", "ops@example.com");
  Response attrs = call("GetTopicAttributes", {{"TopicArn", arn}});
  EXPECT_NE(attrs.body.find("<entry><key>SubscriptionsConfirmed</key><value>1</value></entry>"), std::string::npos);
  EXPECT_NE(attrs.body.find("<entry><key>Owner</key><value>123456789012</value></entry>"), std::string::npos);
  auto missing = call_error("GetTopicAttributes", {{"TopicArn", arn + "-nope"}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.code, "NotFound");
  EXPECT_STREQ(missing.what(), "Topic does not exist");
}

TEST_F(SnsTest, EmailSubscriptionsArePendingWithoutAutoConfirm) {
  context.auto_confirm = false;
  const std::string arn = create_topic("SSM-Ping");
  EXPECT_EQ(subscribe(arn, "email", "ops@example.com"), "pending confirmation");
  Response list = call("ListSubscriptionsByTopic", {{"TopicArn", arn}});
  EXPECT_NE(list.body.find("<SubscriptionArn>PendingConfirmation</SubscriptionArn>"), std::string::npos);
  call("Publish", {{"TopicArn", arn}, {"Message", "hello"}});
  // Only the confirmation request is sent; the notification does not go to an unconfirmed subscription.
  auto messages = delivered();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["type"], "SubscriptionConfirmation");
  EXPECT_EQ(messages[0]["subject"], "AWS Notification - Subscription Confirmation");
  const std::string body = messages[0]["body"];
  EXPECT_EQ(body.rfind("You have chosen to subscribe to the topic: \n" + arn + "\n", 0), 0u) << body;
  EXPECT_EQ(body.find("If you wish to stop receiving"), std::string::npos);
  auto token_at = body.find("Token=");
  ASSERT_NE(token_at, std::string::npos);
  const std::string token = body.substr(token_at + 6, body.find('\n', token_at) - token_at - 6);
  EXPECT_EQ(call_error("ConfirmSubscription", {{"TopicArn", arn}, {"Token", "wrong"}}).code, "InvalidParameter");
  const std::string confirmed = between(call("ConfirmSubscription", {{"TopicArn", arn}, {"Token", token}}).body,
                                        "SubscriptionArn");
  EXPECT_EQ(confirmed.rfind(arn + ":", 0), 0u);
  call("Publish", {{"TopicArn", arn}, {"Message", "hello again"}});
  messages = delivered();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1]["type"], "Notification");
  EXPECT_EQ(messages[1]["subscription_arn"], confirmed);
  // Lambda subscriptions need no confirmation.
  EXPECT_NE(subscribe(arn, "lambda", "arn:aws:lambda:ap-northeast-1:123456789012:function:f"), "pending confirmation");
}

TEST_F(SnsTest, SubscribeValidatesProtocolAndEndpoint) {
  const std::string arn = create_topic("T");
  EXPECT_STREQ(call_error("Subscribe", {{"TopicArn", arn}, {"Protocol", "carrier-pigeon"}, {"Endpoint", "x"}}).what(),
               "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon");
  EXPECT_STREQ(call_error("Subscribe", {{"TopicArn", arn}, {"Protocol", "email"}, {"Endpoint", "not-an-address"}}).what(),
               "Invalid parameter: Email address");
  EXPECT_EQ(call_error("Subscribe", {{"TopicArn", arn + "x"}, {"Protocol", "email"}, {"Endpoint", "a@b.c"}}).code,
            "NotFound");
  const std::string sub = subscribe(arn, "email", "a@b.c");
  EXPECT_EQ(subscribe(arn, "email", "a@b.c"), sub);   // same endpoint twice: the same subscription
  call("Unsubscribe", {{"SubscriptionArn", sub}});
  EXPECT_EQ(call_error("Unsubscribe", {{"SubscriptionArn", sub}}).code, "NotFound");
}

TEST_F(SnsTest, PublishValidatesSubjectMessageAndAttributes) {
  const std::string arn = create_topic("T");
  const std::string ok_subject(99, 's');
  EXPECT_FALSE(between(call("Publish", {{"TopicArn", arn}, {"Message", "m"}, {"Subject", ok_subject}}).body, "MessageId").empty());
  EXPECT_STREQ(call_error("Publish", {{"TopicArn", arn}, {"Message", "m"}, {"Subject", std::string(100, 's')}}).what(),
               "Invalid parameter: Subject");
  EXPECT_STREQ(call_error("Publish", {{"TopicArn", arn}, {"Message", "m"}, {"Subject", "two\nlines"}}).what(),
               "Invalid parameter: Subject");
  EXPECT_STREQ(call_error("Publish", {{"TopicArn", arn}, {"Message", ""}}).what(), "Invalid parameter: Empty message");
  EXPECT_EQ(call_error("Publish", {{"TopicArn", arn}}).code, "ValidationError");   // absent: the model's required member
  EXPECT_STREQ(call_error("Publish", {{"TopicArn", arn}, {"Message", std::string(262145, 'x')}}).what(),
               "Invalid parameter: Message too long");
  EXPECT_FALSE(between(call("Publish", {{"TopicArn", arn}, {"Message", std::string(262144, 'x')}}).body, "MessageId").empty());
  EXPECT_STREQ(call_error("Publish", {{"TopicArn", arn}, {"Message", R"({"email":"x"})"}, {"MessageStructure", "json"}}).what(),
               "Invalid parameter: Message Structure - No default entry in JSON message body");
  EXPECT_STREQ(call_error("Publish", {{"TopicArn", arn}, {"Message", "not json"}, {"MessageStructure", "json"}}).what(),
               "Invalid parameter: Message Structure - JSON message body failed to parse");
  auto bad_type = call_error("Publish", {{"TopicArn", arn}, {"Message", "m"},
                                         {"MessageAttributes.entry.1.Name", "k"},
                                         {"MessageAttributes.entry.1.Value.DataType", "Text"},
                                         {"MessageAttributes.entry.1.Value.StringValue", "v"}});
  EXPECT_EQ(bad_type.code, "ParameterValueInvalid");
  EXPECT_STREQ(bad_type.what(), "The message attribute 'k' has an invalid message attribute type, the set of supported "
                                "type prefixes is Binary, Number, and String.");
  auto empty_value = call_error("Publish", {{"TopicArn", arn}, {"Message", "m"},
                                            {"MessageAttributes.entry.1.Name", "k"},
                                            {"MessageAttributes.entry.1.Value.DataType", "String"}});
  EXPECT_STREQ(empty_value.what(), "The message attribute 'k' must contain non-empty message attribute value for "
                                   "message attribute type 'String'.");
  auto not_number = call_error("Publish", {{"TopicArn", arn}, {"Message", "m"},
                                           {"MessageAttributes.entry.1.Name", "n"},
                                           {"MessageAttributes.entry.1.Value.DataType", "Number"},
                                           {"MessageAttributes.entry.1.Value.StringValue", "ten"}});
  EXPECT_STREQ(not_number.what(), "Could not cast message attribute 'n' value to number.");
  EXPECT_EQ(call_error("Publish", {{"TopicArn", arn + "-gone"}, {"Message", "m"}}).code, "NotFound");
}

TEST_F(SnsTest, EmailDeliveryWritesAnEmlFileLikeAws) {
  const std::string arn = create_topic("SSM-Ping");
  const std::string sub = subscribe(arn, "email", "ops@example.com");
  call("Publish", {{"TopicArn", arn}, {"Subject", "ALARM: \"ssm-agent-i-0572676272d863124\" in Asia Pacific (Tokyo)"},
                   {"Message", "You are receiving this email because..."}});
  auto messages = delivered();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(messages[0]["delivered"].get<bool>());
  EXPECT_EQ(messages[0]["protocol"], "email");
  EXPECT_EQ(messages[0]["endpoint"], "ops@example.com");
  EXPECT_EQ(messages[0]["timestamp"], "2024-04-12T08:28:26.000Z");
  const std::string file = messages[0]["file"];
  ASSERT_TRUE(std::filesystem::exists(file));
  std::ifstream in(file, std::ios::binary);
  std::stringstream eml;
  eml << in.rdbuf();
  const std::string text = eml.str();
  EXPECT_NE(text.find("From: \"AWS Notifications\" <no-reply@sns.amazonaws.com>\r\n"), std::string::npos);
  EXPECT_NE(text.find("To: ops@example.com\r\n"), std::string::npos);
  EXPECT_NE(text.find("Subject: ALARM: \"ssm-agent-i-0572676272d863124\" in Asia Pacific (Tokyo)\r\n"), std::string::npos);
  EXPECT_NE(text.find("Date: Fri, 12 Apr 2024 08:28:26 +0000\r\n"), std::string::npos);
  EXPECT_NE(text.find("Message-ID: <"), std::string::npos);
  EXPECT_NE(text.find("\r\n\r\nYou are receiving this email because...\r\n\r\n--\r\nIf you wish to stop receiving "
                      "notifications from this topic, please click or visit the link below to unsubscribe:\r\n"
                      "https://sns.ap-northeast-1.amazonaws.com/unsubscribe.html?SubscriptionArn=" + sub +
                      "&Endpoint=ops@example.com\r\n\r\nPlease do not reply directly to this email. If you have any "
                      "questions or comments regarding this email, please contact us at https://aws.amazon.com/support"),
            std::string::npos)
      << text;
}

TEST_F(SnsTest, CloudWatchStylePublishPicksTheVariantPerProtocol) {
  const std::string arn = create_topic("SSM-Ping");
  subscribe(arn, "email", "ops@example.com");
  subscribe(arn, "email-json", "robot@example.com");
  subscribe(arn, "lambda", "arn:aws:lambda:ap-northeast-1:123456789012:function:handler");
  auto* publisher = dynamic_cast<SnsPublisher*>(service.get());
  ASSERT_NE(publisher, nullptr);
  const nlohmann::json alarm = {{"AlarmName", "ssm-agent-i-1"}, {"NewStateValue", "ALARM"}};
  const nlohmann::json structure = {{"default", alarm.dump()}, {"email", "Rendered email text"}};
  const std::string id = publisher->publish(arn, "ALARM: \"ssm-agent-i-1\" in Asia Pacific (Tokyo)", structure.dump(),
                                            true, nlohmann::json::object());
  auto messages = delivered();
  ASSERT_EQ(messages.size(), 3u);
  for (const auto& m : messages) {
    EXPECT_EQ(m["message_id"], id);
    if (m["protocol"] == "email") {
      EXPECT_EQ(m["body"].get<std::string>().rfind("Rendered email text\n\n--\n", 0), 0u);
    } else if (m["protocol"] == "email-json") {
      auto envelope = nlohmann::json::parse(m["body"].get<std::string>().substr(0, m["body"].get<std::string>().find("\n\n--")));
      EXPECT_EQ(envelope["Type"], "Notification");
      EXPECT_EQ(envelope["Message"], alarm.dump());
      EXPECT_EQ(envelope["TopicArn"], arn);
    }
  }
  std::lock_guard lock(lambda.mutex);
  ASSERT_EQ(lambda.calls.size(), 1u);
  EXPECT_EQ(lambda.calls[0].first, "arn:aws:lambda:ap-northeast-1:123456789012:function:handler");
  const auto& record = lambda.calls[0].second["Records"][0];
  EXPECT_EQ(record["EventSource"], "aws:sns");
  EXPECT_EQ(record["Sns"]["Message"], alarm.dump());   // "default": lambda has no variant of its own here
  EXPECT_EQ(record["Sns"]["Subject"], "ALARM: \"ssm-agent-i-1\" in Asia Pacific (Tokyo)");
  EXPECT_EQ(record["Sns"]["MessageId"], id);
}

TEST_F(SnsTest, HttpSubscribersReceiveTheEnvelopeWithSnsHeaders) {
  httplib::Server receiver;
  std::mutex mutex;
  std::vector<httplib::Request> received;
  receiver.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    received.push_back(req);
    res.status = 200;
  });
  const int port = receiver.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread server([&] { receiver.listen_after_bind(); });
  const std::string arn = create_topic("Hooks");
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  const std::string sub = subscribe(arn, "http", endpoint);
  call("Publish", {{"TopicArn", arn}, {"Message", "ping"}, {"Subject", "s"},
                   {"MessageAttributes.entry.1.Name", "severity"},
                   {"MessageAttributes.entry.1.Value.DataType", "String"},
                   {"MessageAttributes.entry.1.Value.StringValue", "high"}});
  auto messages = delivered();
  receiver.stop();
  server.join();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_TRUE(messages[0]["delivered"].get<bool>()) << messages[0].dump();
  std::lock_guard lock(mutex);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].get_header_value("x-amz-sns-message-type"), "Notification");
  EXPECT_EQ(received[0].get_header_value("x-amz-sns-topic-arn"), arn);
  EXPECT_EQ(received[0].get_header_value("x-amz-sns-subscription-arn"), sub);
  auto envelope = nlohmann::json::parse(received[0].body);
  EXPECT_EQ(envelope["Type"], "Notification");
  EXPECT_EQ(envelope["Message"], "ping");
  EXPECT_EQ(envelope["Subject"], "s");
  EXPECT_EQ(envelope["Timestamp"], "2024-04-12T08:28:26.000Z");
  EXPECT_EQ(envelope["SignatureVersion"], "1");
  EXPECT_EQ(envelope["MessageAttributes"]["severity"]["Type"], "String");
  EXPECT_EQ(envelope["MessageAttributes"]["severity"]["Value"], "high");
  EXPECT_EQ(envelope["UnsubscribeURL"].get<std::string>().find("https://sns.ap-northeast-1.amazonaws.com/?Action=Unsubscribe"), 0u);
}

TEST_F(SnsTest, TheMailboxEndpointAnswersAfterTheDeliveriesQueuedBeforeIt) {
  // A subscriber that takes its time: without the wait the reader right after Publish sees an empty mailbox.
  httplib::Server receiver;
  receiver.Post("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    res.status = 200;
  });
  const int port = receiver.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread server([&] { receiver.listen_after_bind(); });
  const std::string arn = create_topic("Slow");
  subscribe(arn, "http", "http://127.0.0.1:" + std::to_string(port) + "/slow");
  call("Publish", {{"TopicArn", arn}, {"Message", "first"}});
  Request get;
  get.method = "GET";
  get.path = "/_local/mailbox";
  get.operation = "_local/mailbox";
  get.service = "sns";
  get.request_id = "req-2";
  const auto messages = nlohmann::json::parse(service->handle(get).body)["messages"];
  receiver.stop();
  server.join();
  ASSERT_EQ(messages.size(), 1u) << messages.dump();
  EXPECT_TRUE(messages[0]["delivered"].get<bool>()) << messages[0].dump();
}

TEST_F(SnsTest, PublishBatchRefusesEntryIdsOutsideTheDocumentedAlphabet) {
  const std::string arn = create_topic("T");
  for (const std::string& bad : std::vector<std::string>{"a b!", std::string(81, 'x'), ""}) {
    EXPECT_EQ(call_error("PublishBatch", {{"TopicArn", arn},
                                          {"PublishBatchRequestEntries.member.1.Id", bad},
                                          {"PublishBatchRequestEntries.member.1.Message", "m"}}).code,
              "InvalidBatchEntryId") << bad;
  }
  EXPECT_EQ(call("PublishBatch", {{"TopicArn", arn},
                                  {"PublishBatchRequestEntries.member.1.Id", std::string(80, 'x') },
                                  {"PublishBatchRequestEntries.member.1.Message", "m"}}).status, 200);
}

TEST_F(SnsTest, PublishBatchReportsPerEntryFailures) {
  const std::string arn = create_topic("T");
  Response r = call("PublishBatch", {{"TopicArn", arn},
                                     {"PublishBatchRequestEntries.member.1.Id", "a"},
                                     {"PublishBatchRequestEntries.member.1.Message", "one"},
                                     {"PublishBatchRequestEntries.member.2.Id", "b"},
                                     {"PublishBatchRequestEntries.member.2.Message", "two"},
                                     {"PublishBatchRequestEntries.member.2.Subject", std::string(120, 'x')}});
  EXPECT_NE(r.body.find("<Successful><member><Id>a</Id><MessageId>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<Failed><member><Id>b</Id><Code>InvalidParameter</Code>"), std::string::npos) << r.body;
}

TEST_F(SnsTest, SaveAndLoadKeepTopicsAndSubscriptions) {
  const std::string arn = create_topic("SSM-Ping");
  const std::string sub = subscribe(arn, "email", "ops@example.com");
  nlohmann::json state = service->save();
  auto restored = make_sns_service(context);
  restored->load(state);
  service = std::move(restored);
  EXPECT_NE(call("ListSubscriptions", {}).body.find("<SubscriptionArn>" + sub + "</SubscriptionArn>"), std::string::npos);
  call("Publish", {{"TopicArn", arn}, {"Message", "after restart"}});
  auto messages = delivered();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["subscription_arn"], sub);
}

TEST(SnsDefaults, SubscriptionsWaitForConfirmationUnlessAutoConfirmIsAsked) {
  EXPECT_FALSE(StackContext{}.auto_confirm);   // `pingwatch local` without --auto-confirm behaves as AWS
}

TEST_F(SnsTest, MalformedTopicArnIsInvalidParameterNotNotFound) {
  const std::string arn = create_topic("SSM-Ping");
  const std::vector<std::pair<std::string, std::map<std::string, std::string>>> actions = {
      {"Publish", {{"Message", "m"}}},
      {"Subscribe", {{"Protocol", "email"}, {"Endpoint", "ops@example.com"}}},
      {"GetTopicAttributes", {}},
      {"SetTopicAttributes", {{"AttributeName", "DisplayName"}, {"AttributeValue", "x"}}},
      {"DeleteTopic", {}},
      {"ListSubscriptionsByTopic", {}},
      {"ConfirmSubscription", {{"Token", "abc"}}},
      {"PublishBatch", {{"PublishBatchRequestEntries.member.1.Id", "a"},
                        {"PublishBatchRequestEntries.member.1.Message", "m"}}}};
  for (const auto& [action, params] : actions) {
    auto with = [&, action = action, params = params](const std::string& topic) {
      auto p = params;
      p["TopicArn"] = topic;
      return call_error(action, p);
    };
    auto short_arn = with("foo");
    EXPECT_EQ(short_arn.status, 400) << action;
    EXPECT_EQ(short_arn.code, "InvalidParameter") << action;
    EXPECT_STREQ(short_arn.what(), "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1")
        << action;
    for (const std::string bad : {"arn:aws:sqs:ap-northeast-1:123456789012:SSM-Ping",
                                  "arn:aws:sns:ap-northeast-1:1234:SSM-Ping",
                                  "arn:aws:sns:ap-northeast-1:123456789012:bad name",
                                  "arn:aws:sns:us-east-1:123456789012:SSM-Ping"}) {   // another region's topic
      auto e = with(bad);
      EXPECT_EQ(e.code, "InvalidParameter") << action << " " << bad;
      EXPECT_STREQ(e.what(), "Invalid parameter: TopicArn") << action << " " << bad;
    }
    if (action == "DeleteTopic") continue;   // deleting a missing topic is not an error on AWS
    auto missing = with(arn + "-gone");
    EXPECT_EQ(missing.status, 404) << action;
    EXPECT_EQ(missing.code, "NotFound") << action;
    EXPECT_STREQ(missing.what(), "Topic does not exist") << action;
  }
  auto target = call_error("Publish", {{"TargetArn", "not-an-arn"}, {"Message", "m"}});
  EXPECT_STREQ(target.what(), "Invalid parameter: TargetArn Reason: An ARN must have at least 6 elements, not 1");
}

TEST_F(SnsTest, EmailSubscriptionIsPendingUntilItsSubscribeUrlIsUsed) {
  context.auto_confirm = false;
  context.endpoint_url = "http://127.0.0.1:4599";
  const std::string arn = create_topic("SSM-Ping");
  EXPECT_EQ(subscribe(arn, "email", "ops@example.com"), "pending confirmation");
  // ReturnSubscriptionArn=true: the ARN even while pending; subscribing again sends the confirmation again.
  const std::string sub = between(call("Subscribe", {{"TopicArn", arn}, {"Protocol", "email"},
                                                     {"Endpoint", "ops@example.com"},
                                                     {"ReturnSubscriptionArn", "true"}}).body, "SubscriptionArn");
  ASSERT_EQ(sub.rfind(arn + ":", 0), 0u) << sub;
  const std::string attrs = call("GetSubscriptionAttributes", {{"SubscriptionArn", sub}}).body;
  EXPECT_NE(attrs.find("<key>PendingConfirmation</key><value>true</value>"), std::string::npos) << attrs;
  EXPECT_NE(call("ListSubscriptions", {}).body.find("<SubscriptionArn>PendingConfirmation</SubscriptionArn>"),
            std::string::npos);
  EXPECT_NE(call("GetTopicAttributes", {{"TopicArn", arn}}).body.find(
                "<key>SubscriptionsPending</key><value>1</value>"), std::string::npos);
  call("Publish", {{"TopicArn", arn}, {"Message", "not for the unconfirmed"}});
  auto messages = delivered();
  ASSERT_EQ(messages.size(), 2u);   // two confirmation requests, no notification
  for (const auto& m : messages) EXPECT_EQ(m["type"], "SubscriptionConfirmation");
  const std::string url = messages[1]["subscribe_url"];
  EXPECT_EQ(url.rfind("http://127.0.0.1:4599/?Action=ConfirmSubscription&TopicArn=" + arn + "&Token=", 0), 0u) << url;
  // The mail links the same URL.
  std::ifstream in(messages[1]["file"].get<std::string>(), std::ios::binary);
  std::stringstream eml;
  eml << in.rdbuf();
  EXPECT_NE(eml.str().find("Subject: AWS Notification - Subscription Confirmation\r\n"), std::string::npos);
  EXPECT_NE(eml.str().find("\r\n" + url + "\r\n"), std::string::npos) << eml.str();
  const std::string token = url.substr(url.find("&Token=") + 7);
  EXPECT_EQ(token, messages[0]["subscribe_url"].get<std::string>().substr(url.find("&Token=") + 7));

  // What a visit to the URL does: an unsigned ConfirmSubscription (no access key on the request).
  access_key.clear();
  EXPECT_EQ(between(call("ConfirmSubscription", {{"TopicArn", arn}, {"Token", token}}).body, "SubscriptionArn"), sub);
  access_key = "test";
  const std::string confirmed = call("GetSubscriptionAttributes", {{"SubscriptionArn", sub}}).body;
  EXPECT_NE(confirmed.find("<key>PendingConfirmation</key><value>false</value>"), std::string::npos);
  EXPECT_NE(confirmed.find("<key>ConfirmationWasAuthenticated</key><value>false</value>"), std::string::npos);
  EXPECT_NE(call("ListSubscriptions", {}).body.find("<SubscriptionArn>" + sub + "</SubscriptionArn>"), std::string::npos);
  call("Publish", {{"TopicArn", arn}, {"Message", "now delivered"}});
  messages = delivered();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[2]["type"], "Notification");
  EXPECT_EQ(messages[2]["body"].get<std::string>().rfind("now delivered\n", 0), 0u);
}

TEST_F(SnsTest, HttpSubscriberGetsTheSubscriptionConfirmationPost) {
  context.auto_confirm = false;
  context.endpoint_url = "http://127.0.0.1:4599";
  httplib::Server receiver;
  std::mutex mutex;
  std::vector<httplib::Request> received;
  receiver.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    received.push_back(req);
    res.status = 200;
  });
  const int port = receiver.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread server([&] { receiver.listen_after_bind(); });
  const std::string arn = create_topic("Hooks");
  EXPECT_EQ(subscribe(arn, "http", "http://127.0.0.1:" + std::to_string(port) + "/hook"), "pending confirmation");
  call("Publish", {{"TopicArn", arn}, {"Message", "not yet"}});
  delivered();
  receiver.stop();
  server.join();
  std::lock_guard lock(mutex);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].get_header_value("x-amz-sns-message-type"), "SubscriptionConfirmation");
  EXPECT_EQ(received[0].get_header_value("x-amz-sns-topic-arn"), arn);
  EXPECT_FALSE(received[0].has_header("x-amz-sns-subscription-arn"));
  auto envelope = nlohmann::ordered_json::parse(received[0].body);
  std::vector<std::string> keys;
  for (auto& [k, v] : envelope.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL",
                                            "Timestamp", "SignatureVersion", "Signature", "SigningCertURL"}));
  EXPECT_EQ(envelope["Message"], "You have chosen to subscribe to the topic " + arn +
                                     ".\nTo confirm the subscription, visit the SubscribeURL included in this message.");
  EXPECT_EQ(envelope["SubscribeURL"], "http://127.0.0.1:4599/?Action=ConfirmSubscription&TopicArn=" + arn +
                                          "&Token=" + envelope["Token"].get<std::string>());
}
