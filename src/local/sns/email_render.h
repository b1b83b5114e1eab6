#pragma once
// How SNS renders a notification as an email, as a complete RFC 5322 message (.eml): AWS's sender,
// the topic's display name, the subject (or AWS's default), and the unsubscribe footer AWS appends.
#include <string>

namespace pingwatch::local::sns {

struct EmailMessage {
  std::string to;                    // the subscription endpoint
  std::string subject;               // empty = "AWS Notification Message", as SNS does
  std::string display_name;          // the topic's DisplayName; empty = "AWS Notifications"
  std::string body;                  // the "email" variant of the message, or the message
  std::string region;
  std::string subscription_arn;
  std::string message_id;            // SNS MessageId, also used for the Message-ID header
  double sent_at = 0;                // simulated epoch seconds
  bool confirmation = false;         // a subscription confirmation: the body is complete, no unsubscribe footer
};

// The body of the email SNS sends to a new email subscription when it is not confirmed at once.
std::string confirmation_email_body(const std::string& topic_arn, const std::string& confirm_url);

// The footer SNS appends to every email notification (no trailing newline).
std::string unsubscribe_footer(const std::string& region, const std::string& subscription_arn,
                               const std::string& endpoint);

// Whole message with CRLF line endings. Subjects that are not plain ASCII are RFC 2047-encoded.
std::string render_eml(const EmailMessage& message);

// The body as the recipient reads it: message, blank line, footer (LF line endings).
std::string render_email_body(const EmailMessage& message);

}  // namespace pingwatch::local::sns
