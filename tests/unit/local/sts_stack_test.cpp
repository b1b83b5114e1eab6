// STS through the whole stack (HTTP, router, signature check): credentials from AssumeRole sign requests to
// other services as the role's account until they expire on the simulated clock; then each protocol answers
// with its own code for an expired token.
#include <gtest/gtest.h>

#include <thread>

#include "local/stack.h"
#include "stack_requests.h"

namespace pingwatch::local {
namespace {

using stack_test::Reply;

class StsStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StackOptions o;
    o.port = 0;
    o.quiet = true;
    o.fleet.nodes = 3;
    o.time_scale = 3600;   // a 900 s session lasts a quarter of a wall second
    stack_ = std::make_unique<LocalStack>(o);
    stack_->start();
  }
  Reply query(const std::string& service, const std::string& body, const aws::Credentials* creds) {
    return stack_test::post_query(*stack_, service, "us-east-1", body, creds);
  }
  Reply ssm(const aws::Credentials& creds) {
    return stack_test::post_json(*stack_, "ssm", "us-east-1", "AmazonSSM.DescribeInstanceInformation", "{}", &creds);
  }
  aws::Credentials assume(const std::string& duration) {
    const aws::Credentials root{"test", "test", "", std::nullopt, "test"};
    return stack_test::assumed_credentials(
        query("sts",
              "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321%3Arole%2FR"
              "&RoleSessionName=s1&DurationSeconds=" + duration, &root));
  }
  std::unique_ptr<LocalStack> stack_;
};

TEST_F(StsStackTest, AssumedCredentialsActAsTheRoleAccountUntilTheyExpire) {
  const aws::Credentials creds = assume("43200");
  const Reply who = query("sts", "Action=GetCallerIdentity&Version=2011-06-15", &creds);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_NE(who.body.find("<Account>210987654321</Account>"), std::string::npos) << who.body;
  EXPECT_NE(who.body.find("<Arn>arn:aws:sts::210987654321:assumed-role/R/s1</Arn>"), std::string::npos);
  EXPECT_EQ(ssm(creds).status, 200);
  // Without the session token the key is not valid.
  aws::Credentials no_token = creds;
  no_token.session_token.clear();
  const Reply bad = ssm(no_token);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("UnrecognizedClientException"), std::string::npos) << bad.body;
}

TEST_F(StsStackTest, ExpiredSessionAnswersEachProtocolsExpiredTokenCode) {
  const aws::Credentials creds = assume("900");
  EXPECT_EQ(ssm(creds).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));   // 1,440 simulated seconds
  const Reply json = ssm(creds);
  EXPECT_EQ(json.status, 403);
  EXPECT_EQ(nlohmann::json::parse(json.body)["__type"], "ExpiredTokenException") << json.body;
  EXPECT_EQ(nlohmann::json::parse(json.body)["message"], "The security token included in the request is expired");
  const Reply sts = query("sts", "Action=GetCallerIdentity&Version=2011-06-15", &creds);
  EXPECT_EQ(sts.status, 403);
  EXPECT_NE(sts.body.find("<Code>ExpiredToken</Code>"), std::string::npos) << sts.body;
  const Reply ec2 = query("ec2", "Action=DescribeInstances&Version=2016-11-15", &creds);
  EXPECT_EQ(ec2.status, 400);
  EXPECT_NE(ec2.body.find("<Code>RequestExpired</Code>"), std::string::npos) << ec2.body;
}

TEST_F(StsStackTest, OnlyAssumeRoleWithWebIdentityMayBeUnsigned) {
  const std::string jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhcHAiLCJhdWQiOiJzdHMifQ.c2ln";   // {"sub":"app","aud":"sts"}
  const Reply web = query("sts",
                          "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321"
                          "%3Arole%2FW&RoleSessionName=pod&WebIdentityToken=" + jwt, nullptr);
  EXPECT_EQ(web.status, 200) << web.body;
  EXPECT_NE(web.body.find("<SubjectFromWebIdentityToken>app</SubjectFromWebIdentityToken>"), std::string::npos);
  const Reply who = query("sts", "Action=GetCallerIdentity&Version=2011-06-15", nullptr);
  EXPECT_EQ(who.status, 403);
  EXPECT_NE(who.body.find("<Code>MissingAuthenticationToken</Code>"), std::string::npos) << who.body;
}

}  // namespace
}  // namespace pingwatch::local
