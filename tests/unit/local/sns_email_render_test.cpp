// The .eml SNS email deliveries are written as: headers AWS sends, CRLF, the footer text of the post's mail.
#include <gtest/gtest.h>

#include "local/sns/email_render.h"

using namespace pingwatch::local::sns;

namespace {
EmailMessage sample() {
  EmailMessage m;
  m.to = "xxxxxxxxxxxx@gmail.com";
  m.subject = "ALARM: \"ssm-agent-i-0572676272d863124\" in Asia Pacific (Tokyo)";
  m.body = "line one\nline two";
  m.region = "ap-northeast-1";
  m.subscription_arn = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping:87654321-aaaa-bbbb-0987-1234567890ab";
  m.message_id = "0b6b1d52-7f3c-5e7a-9d2b-4f1f7f0a1c2d";
  m.sent_at = 1712910506.456;   // 2024-04-12T08:28:26.456Z
  return m;
}
}  // namespace

TEST(SnsEmailRender, FooterMatchesThePostsMail) {
  // From the post's notification (../seed), word for word.
  EXPECT_EQ(unsubscribe_footer("ap-northeast-1", sample().subscription_arn, "xxxxxxxxxxxx@gmail.com"),
            "--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to "
            "unsubscribe:\nhttps://sns.ap-northeast-1.amazonaws.com/unsubscribe.html?SubscriptionArn="
            "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping:87654321-aaaa-bbbb-0987-1234567890ab"
            "&Endpoint=xxxxxxxxxxxx@gmail.com\n\nPlease do not reply directly to this email. If you have any questions "
            "or comments regarding this email, please contact us at https://aws.amazon.com/support");
}

TEST(SnsEmailRender, HeadersAndCrlfLineEndings) {
  const std::string eml = render_eml(sample());
  EXPECT_EQ(eml.rfind("From: \"AWS Notifications\" <no-reply@sns.amazonaws.com>\r\nTo: xxxxxxxxxxxx@gmail.com\r\n", 0), 0u);
  EXPECT_NE(eml.find("Date: Fri, 12 Apr 2024 08:28:26 +0000\r\n"), std::string::npos);
  EXPECT_NE(eml.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(eml.find("\r\n\r\nline one\r\nline two\r\n\r\n--\r\n"), std::string::npos);
  // No bare LF anywhere.
  for (std::size_t i = 0; i < eml.size(); ++i) {
    if (eml[i] == '\n') {
      ASSERT_EQ(eml[i - 1], '\r') << "bare LF at " << i;
    }
  }
}

TEST(SnsEmailRender, DefaultSubjectDisplayNameAndNonAsciiSubjects) {
  EmailMessage m = sample();
  m.subject.clear();
  m.display_name = "Ops Alerts";
  std::string eml = render_eml(m);
  EXPECT_NE(eml.find("Subject: AWS Notification Message\r\n"), std::string::npos);
  EXPECT_NE(eml.find("From: \"Ops Alerts\" <no-reply@sns.amazonaws.com>\r\n"), std::string::npos);
  m.subject = "警告";
  eml = render_eml(m);
  EXPECT_NE(eml.find("Subject: =?UTF-8?B?6K2m5ZGK?=\r\n"), std::string::npos) << eml;
}
