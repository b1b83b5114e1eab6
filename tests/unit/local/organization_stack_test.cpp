// The organization through the whole stack (HTTP, signature check, router): each account's requests reach that
// account's own instances (fleet per region, alarms, topics, tables, rules) with ARNs of that account; faults find
// any account's node by id; state saved per account comes back after a restart.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include "local/stack.h"
#include "stack_requests.h"

namespace pingwatch::local {
namespace {

using stack_test::Reply;

const aws::Credentials kHomeKey{"test", "test", "", std::nullopt, "test"};

StackOptions org_options(const std::string& state_file = "") {
  StackOptions o;
  o.port = 0;
  o.quiet = true;
  o.fleet.nodes = 2;
  o.organization.member_accounts = 3;
  o.regions = {"us-east-1", "ap-northeast-1"};
  o.state_file = state_file;
  return o;
}

class OrganizationStackTest : public ::testing::Test {
 protected:
  void start(StackOptions options) {
    stack_ = std::make_unique<LocalStack>(std::move(options));
    stack_->start();
  }
  Reply query(const std::string& service, const std::string& body, const aws::Credentials& creds,
              const std::string& region = "us-east-1") {
    return stack_test::post_query(*stack_, service, region, body, &creds);
  }
  Reply json(const std::string& service, const std::string& target, const std::string& body,
             const aws::Credentials& creds, const std::string& region = "us-east-1") {
    return stack_test::post_json(*stack_, service, region, target, body, &creds);
  }
  aws::Credentials member(const std::string& account) {
    return stack_test::assumed_credentials(query("sts", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A" +
                                                            account + "%3Arole%2FPingwatchMember&RoleSessionName=s1",
                                                 kHomeKey));
  }
  std::set<std::string> ssm_ids(const aws::Credentials& creds, const std::string& region) {
    const Reply r = json("ssm", "AmazonSSM.DescribeInstanceInformation", "{}", creds, region);
    EXPECT_EQ(r.status, 200) << r.body;
    std::set<std::string> ids;
    const auto reply = nlohmann::json::parse(r.body);   // named: a range over a temporary's member would dangle
    for (const auto& node : reply["InstanceInformationList"]) ids.insert(node["InstanceId"].get<std::string>());
    return ids;
  }
  std::set<std::string> fleet_ids(const std::string& account, const std::string& region) {
    for (const auto& place : stack_->accounts().fleets()) {
      if (place.account != account || place.region != region) continue;
      std::set<std::string> ids;
      for (const auto& node : place.fleet->nodes()) ids.insert(node.id);
      return ids;
    }
    return {};
  }
  std::unique_ptr<LocalStack> stack_;
};

TEST_F(OrganizationStackTest, EveryAccountHasItsOwnNodesInEveryRegionWithIdsUniqueAcrossTheOrganization) {
  start(org_options());
  EXPECT_EQ(stack_->accounts().node_count(), 4u * 2u * 2u);
  std::set<std::string> all;
  for (const auto& place : stack_->accounts().fleets()) {
    EXPECT_EQ(place.fleet->nodes().size(), 2u) << place.account << " " << place.region;
    for (const auto& node : place.fleet->nodes()) EXPECT_TRUE(all.insert(node.id).second) << node.id;
  }
  EXPECT_EQ(all.size(), 16u);
  const aws::Credentials m2 = member("100000000002");
  EXPECT_EQ(ssm_ids(m2, "us-east-1"), fleet_ids("100000000002", "us-east-1"));
  EXPECT_EQ(ssm_ids(m2, "ap-northeast-1"), fleet_ids("100000000002", "ap-northeast-1"));
  EXPECT_TRUE(ssm_ids(m2, "eu-west-1").empty());
  EXPECT_EQ(ssm_ids(kHomeKey, "us-east-1"), fleet_ids("123456789012", "us-east-1"));
  // The management account's home fleet is the one --nodes/--fleet-seed always described.
  EXPECT_EQ(&stack_->fleet(), stack_->accounts().fleet_of(*fleet_ids("123456789012", "us-east-1").begin()).get());
}

TEST_F(OrganizationStackTest, ServicesKeepDataPerAccountAndRenderTheirArns) {
  start(org_options());
  const aws::Credentials m1 = member("100000000001");
  const Reply alarm = query("monitoring",
                            "Action=PutMetricAlarm&Version=2010-08-01&AlarmName=a1&MetricName=Status&Namespace=SSM%20Agent"
                            "&Statistic=Maximum&Period=60&EvaluationPeriods=1&Threshold=1"
                            "&ComparisonOperator=GreaterThanOrEqualToThreshold", m1);
  ASSERT_EQ(alarm.status, 200) << alarm.body;
  const Reply mine = query("monitoring", "Action=DescribeAlarms&Version=2010-08-01", m1);
  EXPECT_NE(mine.body.find("arn:aws:cloudwatch:us-east-1:100000000001:alarm:a1"), std::string::npos) << mine.body;
  // The alarm's ARN, not "a1" anywhere: the reply's random RequestId may contain those two characters.
  EXPECT_EQ(query("monitoring", "Action=DescribeAlarms&Version=2010-08-01", kHomeKey).body.find(":alarm:a1"), std::string::npos);

  const Reply topic = query("sns", "Action=CreateTopic&Version=2010-03-31&Name=SSM-Ping", m1);
  EXPECT_NE(topic.body.find("arn:aws:sns:us-east-1:100000000001:SSM-Ping"), std::string::npos) << topic.body;
  EXPECT_EQ(query("sns", "Action=ListTopics&Version=2010-03-31", kHomeKey).body.find("SSM-Ping"), std::string::npos);
  EXPECT_EQ(query("sns", "Action=ListTopics&Version=2010-03-31", member("100000000002")).body.find("SSM-Ping"),
            std::string::npos);

  const Reply table = json("dynamodb", "DynamoDB_20120810.CreateTable",
                           R"({"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],)"
                           R"("KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})", m1);
  EXPECT_NE(table.body.find("arn:aws:dynamodb:us-east-1:100000000001:table/tbl"), std::string::npos) << table.body;
  EXPECT_EQ(nlohmann::json::parse(json("dynamodb", "DynamoDB_20120810.ListTables", "{}", kHomeKey).body)["TableNames"].size(), 0u);

  const Reply rule = json("events", "AWSEvents.PutRule", R"j({"Name":"r","ScheduleExpression":"rate(1 minute)"})j", m1);
  EXPECT_NE(rule.body.find("arn:aws:events:us-east-1:100000000001:rule/r"), std::string::npos) << rule.body;
  EXPECT_EQ(nlohmann::json::parse(json("events", "AWSEvents.ListRules", "{}", kHomeKey).body)["Rules"].size(), 0u);

  const auto stats = stack_->stats().to_json();
  EXPECT_EQ(stats["accounts"]["100000000001"]["services"]["dynamodb"], 1);
}

TEST_F(OrganizationStackTest, AMembersSubscriptionIsConfirmedThroughItsUnsignedSubscribeUrl) {
  start(org_options());
  const aws::Credentials m1 = member("100000000001");
  ASSERT_EQ(query("sns", "Action=CreateTopic&Version=2010-03-31&Name=Ping", m1).status, 200);
  const Reply sub = query("sns", "Action=Subscribe&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A100000000001"
                                 "%3APing&Protocol=email&Endpoint=ops%40example.com", m1);
  ASSERT_EQ(sub.status, 200) << sub.body;
  httplib::Client client("127.0.0.1", stack_->port());
  std::string url;
  for (int i = 0; i < 100 && url.empty(); ++i) {   // delivery is asynchronous
    auto box = client.Get("/_local/mailbox?account=100000000001");
    ASSERT_TRUE(box);
    const auto mail = nlohmann::json::parse(box->body);
    for (const auto& m : mail.is_array() ? mail : mail.value("messages", nlohmann::json::array())) {
      if (m.contains("subscribe_url")) url = m["subscribe_url"].get<std::string>();
    }
    if (url.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // The member's own mailbox has it, with the stack's URL (accounts built before start() learn the URL too).
  ASSERT_TRUE(url.starts_with(stack_->endpoint_url() + "/?Action=ConfirmSubscription")) << url;
  EXPECT_EQ(client.Get("/_local/mailbox")->body.find("subscribe_url"), std::string::npos);
  auto confirmed = client.Get(url.substr(stack_->endpoint_url().size()));
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->status, 200) << confirmed->body;
  const Reply subs = query("sns", "Action=ListSubscriptions&Version=2010-03-31", m1);
  EXPECT_EQ(subs.body.find("PendingConfirmation"), std::string::npos) << subs.body;
}

TEST_F(OrganizationStackTest, AFaultByIdReachesAMembersNode) {
  start(org_options());
  const std::string victim = *fleet_ids("100000000003", "ap-northeast-1").begin();
  auto reply = httplib::Client("127.0.0.1", stack_->port())
                   .Post("/_local/fleet/faults", nlohmann::json{{"instance_id", victim}, {"fault", "deregister"}}.dump(),
                         "application/json");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200) << reply->body;
  const aws::Credentials m3 = member("100000000003");
  EXPECT_EQ(ssm_ids(m3, "ap-northeast-1").count(victim), 0u);   // deregistered: no longer listed
  EXPECT_EQ(ssm_ids(m3, "ap-northeast-1").size(), 1u);
  EXPECT_EQ(ssm_ids(m3, "us-east-1").size(), 2u);
}

TEST_F(OrganizationStackTest, EachAccountsStateComesBackAfterARestart) {
  const std::string path = ::testing::TempDir() + "/pw_org_state-" + std::to_string(::getpid()) + ".db";
  std::filesystem::remove(path);
  start(org_options(path));
  ASSERT_EQ(query("sns", "Action=CreateTopic&Version=2010-03-31&Name=Kept", member("100000000002")).status, 200);
  const std::string victim = *fleet_ids("100000000001", "ap-northeast-1").begin();
  stack_->accounts().fleet_of(victim)->apply_fault(victim, fleet::Fault::Deregister, stack_->clock().now());
  stack_->stop();
  stack_.reset();
  start(org_options(path));
  EXPECT_NE(query("sns", "Action=ListTopics&Version=2010-03-31", member("100000000002")).body.find(
                "arn:aws:sns:us-east-1:100000000002:Kept"), std::string::npos);
  EXPECT_EQ(query("sns", "Action=ListTopics&Version=2010-03-31", kHomeKey).body.find("Kept"), std::string::npos);
  EXPECT_EQ(ssm_ids(member("100000000001"), "ap-northeast-1").count(victim), 0u);
  stack_->stop();
  std::filesystem::remove(path);
}

TEST_F(OrganizationStackTest, WithoutAnOrganizationEveryAccountSharesTheOneSetOfServices) {
  StackOptions o;
  o.port = 0;
  o.quiet = true;
  o.fleet.nodes = 3;
  start(o);
  auto& accounts = stack_->accounts();
  EXPECT_EQ(accounts.resolve("sns", "210987654321", "eu-west-1"), accounts.resolve("sns", "123456789012", "us-east-1"));
  EXPECT_EQ(accounts.resolve("ssm", "210987654321", "eu-west-1"), accounts.resolve("ssm", "123456789012", "us-east-1"));
  EXPECT_EQ(accounts.node_count(), 3u);
  const Reply r = json("organizations", "AWSOrganizationsV20161128.ListAccounts", "{}", kHomeKey);
  EXPECT_EQ(nlohmann::json::parse(r.body)["__type"], "AWSOrganizationsNotInUseException") << r.body;
}

}  // namespace
}  // namespace pingwatch::local
