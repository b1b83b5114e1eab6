// Notices name the account: its id and, from Organizations, its name, in subject, body, JSON and attributes.
#include <gtest/gtest.h>

#include "core/notice.h"

using namespace pingwatch::core;

namespace {

Transition lost() {
  Transition t;
  t.kind = TransitionKind::Lost;
  t.instance_id = "i-0572676272d863124";
  t.from = Condition::Healthy;
  t.to = Condition::Lost;
  t.status = "ConnectionLost";
  t.key = "lost|i-0572676272d863124|1712910000";
  t.notify = true;
  t.observed_at = 1712910420;
  t.since = 1712910000;
  return t;
}

}  // namespace

TEST(NoticeAccount, SingleAndDigestNameTheAccountAndItsName) {
  const NoticeContext c{"111111111111", "ap-northeast-1", "Asia Pacific (Tokyo)", "Payments Prod"};
  const Notice n = single_notice(lost(), c);
  EXPECT_NE(n.subject.find("in Payments Prod (111111111111)/ap-northeast-1"), std::string::npos) << n.subject;
  EXPECT_NE(n.body.find("Account/Region: Payments Prod (111111111111) ap-northeast-1"), std::string::npos) << n.body;
  EXPECT_EQ(n.json["account_name"], "Payments Prod");
  EXPECT_EQ(n.attributes.at("pingwatch.account_name"), "Payments Prod");
  EXPECT_EQ(n.id, single_notice(lost(), {"111111111111", "ap-northeast-1", "", ""}).id) << "a renamed account keeps ids";
  const Transition t = lost();
  const Notice d = digest_notice({&t}, c);
  EXPECT_NE(d.subject.find("Payments Prod (111111111111)/ap-northeast-1"), std::string::npos) << d.subject;
  // A long name is cut in the subject (SNS: under 100 characters), whole in the body.
  const std::string name(80, 'x');
  const Notice longer = single_notice(lost(), {"111111111111", "ap-northeast-1", "", name});
  EXPECT_LT(longer.subject.size(), 100u);
  EXPECT_NE(longer.subject.find("111111111111"), std::string::npos) << longer.subject;
  EXPECT_NE(longer.body.find(name), std::string::npos);
}

TEST(NoticeAccount, MemberFailureNoticeNamesTheAccountOncePerStreak) {
  MemberFailure f{"222222222222", "Sandbox", "arn:aws:iam::222222222222:role/PingwatchMember", {"us-east-1", "ap-northeast-1"},
                  5, "AccessDenied (HTTP 403): not authorized to perform sts:AssumeRole", 1712910000, 1712910300, 41};
  const Notice n = member_failure_notice(f);
  EXPECT_NE(n.subject.find("MEMBER UNREACHABLE: Sandbox (222222222222) for 5 cycles"), std::string::npos) << n.subject;
  EXPECT_NE(n.body.find("Account name:   Sandbox"), std::string::npos) << n.body;
  EXPECT_NE(n.body.find("arn:aws:iam::222222222222:role/PingwatchMember"), std::string::npos);
  EXPECT_NE(n.body.find("us-east-1, ap-northeast-1"), std::string::npos);
  EXPECT_NE(n.body.find("AccessDenied"), std::string::npos);
  EXPECT_EQ(n.json["kind"], "member-failure");
  EXPECT_EQ(n.attributes.at("pingwatch.account_id"), "222222222222");
  EXPECT_EQ(n.id, member_failure_notice(f).id) << "a recomputed cycle repeats the id";
  f.streak = 97;
  EXPECT_NE(n.id, member_failure_notice(f).id) << "a later streak is a new notice";
}
