// watch.accounts: assumed-role credentials are refreshed before they expire for as long as the process lives
// (daemon, warm Lambda), and the account of default credentials is learnt once from sts:GetCallerIdentity.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "aws/http_date.h"
#include "aws/ssm_client.h"
#include "aws/sts_client.h"
#include "core/notice.h"
#include "monitor/watch_job.h"

using namespace pingwatch;
using namespace std::chrono_literals;

namespace {

std::string iso8601(aws::SystemTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// One endpoint answering STS (awsQuery: AssumeRole with 1-hour credentials, GetCallerIdentity) and SSM
// (DescribeInstanceInformation, refusing any request signed with credentials that have expired).
class FakeStsAndSsm : public aws::HttpClient {
 public:
  explicit FakeStsAndSsm(const aws::SystemTime* now) : now_(now) {}

  aws::HttpResponse send(const aws::HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    if (request.body.rfind("Action=AssumeRole&", 0) == 0) return assume_role();
    if (request.body.rfind("Action=GetCallerIdentity", 0) == 0) return caller_identity();
    return describe(request);
  }

  int assume_calls = 0;
  int identity_calls = 0;
  int ssm_calls = 0;
  int expired_uses = 0;
  bool identity_fails = false;

 private:
  aws::HttpResponse xml(int status, const std::string& body) {
    return aws::HttpResponse{status, {{"Content-Type", "text/xml"}, {"Date", aws::format_http_date(*now_)}}, body};
  }

  aws::HttpResponse assume_role() {
    const std::string key = "ASIA" + std::to_string(++assume_calls);
    expiry_[key] = *now_ + 1h;   // STS's default DurationSeconds
    return xml(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>" + key +
                        "</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>" +
                        iso8601(expiry_[key]) + "</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111111111111:"
                        "assumed-role/pingwatch/pingwatch-watch</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>"
                        "</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>");
  }

  aws::HttpResponse caller_identity() {
    ++identity_calls;
    if (identity_fails) {
      return xml(403, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error>"
                      "<RequestId>r</RequestId></ErrorResponse>");
    }
    return xml(200, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::222222222222:user/ops</Arn>"
                    "<UserId>AIDA</UserId><Account>222222222222</Account></GetCallerIdentityResult><ResponseMetadata>"
                    "<RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>");
  }

  aws::HttpResponse describe(const aws::HttpRequest& request) {
    ++ssm_calls;
    const std::string* auth = aws::find_header(request.headers, "Authorization");
    const auto start = auth ? auth->find("Credential=") : std::string::npos;
    const std::string key = start == std::string::npos ? "" : auth->substr(start + 11, auth->find('/', start) - start - 11);
    auto it = expiry_.find(key);
    if (it == expiry_.end() || *now_ >= it->second) {
      ++expired_uses;
      return aws::HttpResponse{400, {{"Content-Type", "application/x-amz-json-1.1"}},
                               R"({"__type":"ExpiredTokenException","message":"The security token included in the request is expired"})"};
    }
    return aws::HttpResponse{200, {{"Content-Type", "application/x-amz-json-1.1"}}, R"({"InstanceInformationList":[]})"};
  }

  const aws::SystemTime* now_;
  std::mutex mutex_;
  std::map<std::string, aws::SystemTime> expiry_;
};

struct Rig {
  aws::SystemTime now = std::chrono::system_clock::from_time_t(1712910420);
  std::shared_ptr<FakeStsAndSsm> http = std::make_shared<FakeStsAndSsm>(&now);

  aws::ClientConfig config(const std::string& endpoint) {
    aws::ClientConfig c;
    c.region = "us-east-1";
    c.endpoint = endpoint;
    c.credentials = aws::make_static_credentials({"AKIDHOME", "secret", "", std::nullopt, "test"});
    c.http = http;
    c.retry.max_attempts = 1;
    c.clock = [this] { return now; };
    c.sleep = [](std::chrono::milliseconds) {};
    return c;
  }
};

}  // namespace

TEST(WatchAccounts, AssumedRoleCredentialsAreRefreshedBeforeTheyExpireForHours) {
  Rig rig;
  const auto home_sts = rig.config("http://sts.refresh-test.invalid");
  const std::string role = "arn:aws:iam::111111111111:role/pingwatch-refresh-test";
  // Every cycle builds its clients afresh, as run_pair does; the provider must outlive them.
  for (int minute = 0; minute <= 180; ++minute) {
    auto member = rig.config("http://ssm.refresh-test.invalid");
    member.credentials = monitor::assumed_role_credentials(home_sts, role);
    aws::SsmClient ssm(member);
    aws::DescribeInstanceInformationRequest request;
    request.max_results = 50;
    EXPECT_NO_THROW(ssm.describe_instance_information(request)) << "minute " << minute;
    rig.now += 1min;
  }
  EXPECT_EQ(rig.http->ssm_calls, 181);
  EXPECT_EQ(rig.http->expired_uses, 0) << "a request was signed with expired credentials";
  // 1-hour credentials renewed 5 minutes before expiry: at 0, 55, 110 and 165 minutes.
  EXPECT_EQ(rig.http->assume_calls, 4);
  EXPECT_EQ(monitor::assumed_role_credentials(home_sts, role), monitor::assumed_role_credentials(home_sts, role));
}

TEST(WatchAccounts, CallerAccountIsAskedOnceAndShownInNotices) {
  Rig rig;
  aws::StsClient sts(rig.config("http://sts.identity-test.invalid"));
  EXPECT_EQ(monitor::caller_account("identity-test", sts), "222222222222");
  EXPECT_EQ(monitor::caller_account("identity-test", sts), "222222222222");
  EXPECT_EQ(rig.http->identity_calls, 1);

  core::Transition t;
  t.kind = core::TransitionKind::Lost;
  t.instance_id = "i-0572676272d863124";
  t.from = core::Condition::Healthy;
  t.to = core::Condition::Lost;
  t.notify = true;
  const core::Notice n = core::single_notice(t, {monitor::caller_account("identity-test", sts), "ap-northeast-1", "Asia Pacific (Tokyo)"});
  EXPECT_NE(n.subject.find("222222222222/ap-northeast-1"), std::string::npos) << n.subject;
  EXPECT_NE(n.body.find("Account/Region: 222222222222 ap-northeast-1"), std::string::npos) << n.body;
}

TEST(WatchAccounts, UnknownAccountFallsBackToADashWithoutFailing) {
  Rig rig;
  rig.http->identity_fails = true;
  aws::StsClient sts(rig.config("http://sts.identity-fail-test.invalid"));
  EXPECT_EQ(monitor::caller_account("identity-fail-test", sts), "");
  EXPECT_EQ(monitor::caller_account("identity-fail-test", sts), "");   // asked again, logged once
  EXPECT_EQ(rig.http->identity_calls, 2);
  rig.http->identity_fails = false;
  EXPECT_EQ(monitor::caller_account("identity-fail-test", sts), "222222222222");   // learnt once it answers
}
