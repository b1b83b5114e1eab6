#include "local/sns/email_render.h"
#include <cctype>

#include "local/sns/wire_util.h"

namespace pingwatch::local::sns {
namespace {

bool is_plain_ascii(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

std::string encode_header_text(const std::string& text) {
  if (is_plain_ascii(text)) return text;
  return "=?UTF-8?B?" + wire::base64_encode(text) + "?=";
}

// URL query value encoding for the unsubscribe link: AWS leaves ':' and '@' readable (see the post's mail).
std::string query_escape(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string to_crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out.push_back('\r');
    out.push_back(text[i]);
  }
  return out;
}

}  // namespace

std::string unsubscribe_footer(const std::string& region, const std::string& subscription_arn,
                               const std::string& endpoint) {
  return "--\n"
         "If you wish to stop receiving notifications from this topic, please click or visit the link below to "
         "unsubscribe:\n"
         "https://sns." + region + ".amazonaws.com/unsubscribe.html?SubscriptionArn=" + query_escape(subscription_arn) +
         "&Endpoint=" + query_escape(endpoint) + "\n"
         "\n"
         "Please do not reply directly to this email. If you have any questions or comments regarding this email, "
         "please contact us at https://aws.amazon.com/support";
}

std::string confirmation_email_body(const std::string& topic_arn, const std::string& confirm_url) {
  return "You have chosen to subscribe to the topic: \n" + topic_arn +
         "\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is "
         "necessary): \n" + confirm_url +
         "\n\nPlease do not reply directly to this email. If you wish to remove yourself from receiving all future SNS "
         "subscription confirmation requests please send an email to sns-opt-out";
}

std::string render_email_body(const EmailMessage& m) {
  if (m.confirmation) return m.body + "\n";
  return m.body + "\n\n" + unsubscribe_footer(m.region, m.subscription_arn, m.to) + "\n";
}

std::string render_eml(const EmailMessage& m) {
  const std::string subject = m.subject.empty() ? "AWS Notification Message" : m.subject;
  const std::string from_name = m.display_name.empty() ? "AWS Notifications" : m.display_name;
  std::string eml;
  eml += "From: \"" + encode_header_text(from_name) + "\" <no-reply@sns.amazonaws.com>\n";
  eml += "To: " + m.to + "\n";
  eml += "Subject: " + encode_header_text(subject) + "\n";
  eml += "Date: " + wire::rfc5322_date(m.sent_at) + "\n";
  eml += "Message-ID: <" + m.message_id + "@" + m.region + ".amazonses.com>\n";
  eml += "MIME-Version: 1.0\n";
  eml += "Content-Type: text/plain; charset=UTF-8\n";
  eml += "Content-Transfer-Encoding: 8bit\n";
  eml += "x-amz-sns-message-id: " + m.message_id + "\n";
  eml += "x-amz-sns-subscription-arn: " + m.subscription_arn + "\n";
  eml += "\n";
  eml += render_email_body(m);
  return to_crlf(eml);
}

}  // namespace pingwatch::local::sns
