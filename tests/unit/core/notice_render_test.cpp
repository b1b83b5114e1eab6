#include <gtest/gtest.h>

#include <cstdio>

#include "core/notice.h"

using namespace pingwatch::core;

namespace {

Transition lost(const std::string& id, double now = 1712910480) {
  Transition t;
  t.kind = TransitionKind::Lost;
  t.instance_id = id;
  t.from = Condition::Healthy;
  t.to = Condition::Lost;
  t.previous_status = "Online";
  t.status = "ConnectionLost";
  t.since = now - 60;
  t.observed_at = now;
  t.last_ping = now - 400;
  t.name_tag = "web-" + id;
  t.computer_name = "ip-10-0-0-1.ec2.internal";
  t.ip_address = "10.0.0.1";
  t.platform = "Amazon Linux 2023";
  t.agent_version = "3.3.0.0";
  t.key = stable_hash(id);
  t.notify = true;
  return t;
}

std::string fmt_id(int i) { char b[32]; std::snprintf(b, sizeof b, "i-%017x", i); return b; }

NoticeContext ctx() { return {"123456789012", "ap-northeast-1", "Asia Pacific (Tokyo)"}; }

}  // namespace

TEST(Notice, SingleHasEverythingAtAGlance) {
  auto n = single_notice(lost("i-0572676272d863124"), ctx());
  EXPECT_LT(n.subject.size(), 100u);
  EXPECT_EQ(n.subject, "[pingwatch] LOST: i-0572676272d863124 (web-i-0572676272d863124) in 123456789012/ap-northeast-1");
  for (const char* needle : {"i-0572676272d863124", "web-i-0572676272d863124", "ip-10-0-0-1.ec2.internal", "10.0.0.1",
                             "Amazon Linux 2023", "3.3.0.0", "Last ping:      2024-04-12 08:21:20 UTC (6 min ago)",
                             "Transition:     lost (healthy -> lost)", "Since:          2024-04-12 08:27:00 UTC (1 min ago)",
                             "https://ap-northeast-1.console.aws.amazon.com/systems-manager/fleet-manager/managed-nodes/"
                             "i-0572676272d863124/general?region=ap-northeast-1"}) {
    EXPECT_NE(n.body.find(needle), std::string::npos) << needle << "\n" << n.body;
  }
  EXPECT_EQ(n.attributes.at("pingwatch.transition"), "lost");
  EXPECT_EQ(n.attributes.at("pingwatch.notice_id"), n.id);
  EXPECT_LE(n.attributes.size(), 10u);
  EXPECT_EQ(n.json["transitions"][0]["instance_id"], "i-0572676272d863124");
  EXPECT_EQ(n.json["transitions"][0]["ping_status"], "ConnectionLost");
  // Deterministic.
  EXPECT_EQ(single_notice(lost("i-0572676272d863124"), ctx()).id, n.id);
}

TEST(Notice, SubjectIsSanitizedAndShort) {
  auto t = lost("i-0123456789abcdef0");
  t.name_tag = std::string(200, 'x') + "\xe3\x81\x82\n";
  auto n = single_notice(t, ctx());
  EXPECT_LT(n.subject.size(), 100u);
  EXPECT_EQ(n.subject.substr(n.subject.size() - 3), "...");
  for (unsigned char ch : n.subject) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f);
}

TEST(Notice, TenOrFewerAreSingleMoreIsOneDigestGroupedByKind) {
  WatchPolicy p;
  std::vector<Transition> ts;
  for (int i = 0; i < 10; ++i) ts.push_back(lost("i-" + std::to_string(100 + i)));
  EXPECT_EQ(build_notices(ts, ctx(), p).size(), 10u);
  auto r = lost("i-999");
  r.kind = TransitionKind::Recovered;
  ts.push_back(r);
  auto notices = build_notices(ts, ctx(), p);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_TRUE(notices[0].digest);
  EXPECT_EQ(notices[0].subject, "[pingwatch] 11 nodes changed in 123456789012/ap-northeast-1: 10 lost, 1 recovered");
  EXPECT_NE(notices[0].body.find("LOST (10):"), std::string::npos);
  EXPECT_NE(notices[0].body.find("RECOVERED (1):"), std::string::npos);
  EXPECT_EQ(notices[0].json["groups"]["lost"].size(), 10u);
  EXPECT_EQ(notices[0].transition_keys.size(), 11u);
}

TEST(Notice, SuppressedTransitionsAreNotSent) {
  WatchPolicy p;
  auto t = lost("i-1");
  t.notify = false;
  EXPECT_TRUE(build_notices({t}, ctx(), p).empty());
}

TEST(Notice, TwoThousandNodeOutageIsOneDigestUnderTheSnsLimit) {
  WatchPolicy p;
  std::vector<Transition> ts;
  for (int i = 0; i < 2000; ++i) ts.push_back(lost(fmt_id(i)));
  auto notices = build_notices(ts, ctx(), p);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_LE(sns_message_structure(notices[0]).size(), 256u * 1024);
  EXPECT_EQ(notices[0].json["count"], 2000);
}
