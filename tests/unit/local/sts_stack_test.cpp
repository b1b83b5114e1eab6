// STS through the whole stack (HTTP, router, signature check): credentials from AssumeRole sign requests to
// other services as the role's account until they expire on the simulated clock; then each protocol answers
// with its own code for an expired token.
#include <gtest/gtest.h>
#include <httplib.h>
#include <pugixml.hpp>

#include <thread>

#include "aws/sigv4.h"
#include "local/stack.h"

namespace pingwatch::local {
namespace {

struct Reply {
  int status = 0;
  std::string body;
};

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
  Reply send(const std::string& service, aws::Headers headers, const std::string& body,
             const aws::Credentials* creds) {
    aws::HttpRequest r;
    r.method = "POST";
    r.url = stack_->endpoint_url() + "/";
    r.headers = std::move(headers);
    r.body = body;
    if (creds) aws::sigv4::sign_request(r, *creds, {"us-east-1", service, std::chrono::system_clock::now()});
    httplib::Headers h;
    std::string type;
    for (const auto& [k, v] : r.headers) {
      if (k == "Content-Type") type = v;
      else if (k != "Host") h.emplace(k, v);
    }
    auto result = httplib::Client("127.0.0.1", stack_->port()).Post("/", h, body, type.c_str());
    EXPECT_TRUE(result);
    return result ? Reply{result->status, result->body} : Reply{};
  }
  Reply query(const std::string& service, const std::string& body, const aws::Credentials* creds) {
    return send(service, {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, body, creds);
  }
  Reply ssm(const aws::Credentials& creds) {
    return send("ssm", {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"}},
                "{}", &creds);
  }
  aws::Credentials assume(const std::string& duration) {
    const aws::Credentials root{"test", "test", "", std::nullopt, "test"};
    const Reply r = query("sts",
                          "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321%3Arole%2FR"
                          "&RoleSessionName=s1&DurationSeconds=" + duration, &root);
    EXPECT_EQ(r.status, 200) << r.body;
    pugi::xml_document doc;
    doc.load_string(r.body.c_str());
    const auto c = doc.child("AssumeRoleResponse").child("AssumeRoleResult").child("Credentials");
    return aws::Credentials{c.child_value("AccessKeyId"), c.child_value("SecretAccessKey"), c.child_value("SessionToken"),
                            std::nullopt, "sts"};
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
