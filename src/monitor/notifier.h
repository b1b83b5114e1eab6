#pragma once
// Delivers the outbox: claim -> publish -> mark sent, one notice at a time (see state_store.h for the protocol).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aws/sns_client.h"
#include "core/notice.h"
#include "monitor/state_store.h"

namespace pingwatch::monitor {

class NoticePublisher {
 public:
  virtual ~NoticePublisher() = default;
  // Returns the MessageId. Throws aws::AwsError: outcome NotDone when SNS refused it (it was not published),
  // Unknown when it may have been (no answer, a 5xx). Any other exception also leaves the outcome unknown.
  virtual std::string publish(const core::Notice& notice) = 0;
};

// SNS Publish with MessageStructure=json (text for email, JSON for queues/functions), the notice's
// MessageAttributes, and on a FIFO topic MessageGroupId "pingwatch" + MessageDeduplicationId = notice id.
std::unique_ptr<NoticePublisher> make_sns_publisher(std::shared_ptr<aws::SnsClient> sns, std::string topic_arn);
// The same over a client built from `sns_config` whose retries honour watch.resend_in_doubt: with false the
// client never sends a Publish again once an attempt may have been accepted (at-most-once end to end).
std::unique_ptr<NoticePublisher> make_sns_publisher(aws::ClientConfig sns_config, std::string topic_arn, bool resend_in_doubt);
aws::PublishRequest sns_publish_request(const core::Notice& notice, const std::string& topic_arn);

struct DeliveryOptions {
  std::string owner = "pingwatch";       // who claims (host:pid or the Lambda request id)
  double lease_seconds = 120;            // a claim older than this is in doubt and may be taken over
  bool resend_in_doubt = true;           // at-least-once (true) or at-most-once (false) for in-doubt notices
  std::function<double()> now;           // server-aligned clock
  std::function<bool()> stop_requested;
  // Test hook, called after each step with "claimed" | "published" | "marked"; throwing simulates a crash.
  std::function<void(const std::string& step, const std::string& notice_id)> hook;
};

struct DeliveryReport {
  int sent = 0;
  int failed = 0;            // refused by SNS (outcome NotDone): back to pending, retried next cycle
  int in_doubt = 0;          // no answer or a 5xx (outcome Unknown): left claimed, in doubt after the lease
  int resent_in_doubt = 0;   // in-doubt notices published again this time (marked as possible duplicates)
  int dropped_in_doubt = 0;  // in-doubt notices held, never resent (resend_in_doubt = false); each reported in errors
  int skipped = 0;           // claimed by another run whose lease still runs
  int publish_calls = 0;
  std::vector<std::string> errors;
};

DeliveryReport deliver_outbox(StateStore& store, NoticePublisher& publisher, const DeliveryOptions& options);

}  // namespace pingwatch::monitor
