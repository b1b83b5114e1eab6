#include "monitor/notifier.h"

#include <fmt/format.h>

#include "aws/error.h"

namespace pingwatch::monitor {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class SnsNoticePublisher : public NoticePublisher {
 public:
  SnsNoticePublisher(std::shared_ptr<aws::SnsClient> sns, std::string topic_arn)
      : sns_(std::move(sns)), topic_arn_(std::move(topic_arn)) {}
  std::string publish(const core::Notice& notice) override { return sns_->publish(sns_publish_request(notice, topic_arn_)); }

 private:
  std::shared_ptr<aws::SnsClient> sns_;
  std::string topic_arn_;
};

// No answer, or one that does not rule out publication: leave it claimed; it is in doubt after the lease.
void note_in_doubt(DeliveryReport& report, const std::string& id, const std::string& what) {
  ++report.in_doubt;
  report.errors.push_back(fmt::format("publish {} in doubt (may have been published): {}", id, what));
}

}  // namespace

aws::PublishRequest sns_publish_request(const core::Notice& notice, const std::string& topic_arn) {
  aws::PublishRequest r;
  r.topic_arn = topic_arn;
  r.subject = notice.subject;
  r.message = core::sns_message_structure(notice);
  r.message_structure = "json";
  for (const auto& [name, value] : notice.attributes) r.message_attributes[name] = {"String", value, ""};
  if (ends_with(topic_arn, ".fifo")) {
    // SNS FIFO drops a message whose deduplication id it saw in the last 5 minutes: a resend of an
    // in-doubt notice is then invisible to subscribers.
    r.message_group_id = "pingwatch";
    r.message_deduplication_id = notice.id;
  }
  return r;
}

std::unique_ptr<NoticePublisher> make_sns_publisher(std::shared_ptr<aws::SnsClient> sns, std::string topic_arn) {
  return std::make_unique<SnsNoticePublisher>(std::move(sns), std::move(topic_arn));
}

std::unique_ptr<NoticePublisher> make_sns_publisher(aws::ClientConfig sns_config, std::string topic_arn, bool resend_in_doubt) {
  sns_config.retry.retry_unknown_outcome = resend_in_doubt;
  return make_sns_publisher(std::make_shared<aws::SnsClient>(std::move(sns_config)), std::move(topic_arn));
}

DeliveryReport deliver_outbox(StateStore& store, NoticePublisher& publisher, const DeliveryOptions& options) {
  DeliveryReport report;
  const auto now = [&] { return options.now ? options.now() : 0.0; };
  for (const auto& entry : store.unsent()) {
    if (options.stop_requested && options.stop_requested()) break;
    const double t = now();
    const bool in_doubt = entry.status == OutboxStatus::Sending;
    if (in_doubt && entry.claimed_at > t - options.lease_seconds) {
      ++report.skipped;   // another run is publishing it right now
      continue;
    }
    if (!store.claim(entry.notice.id, options.owner, t, options.lease_seconds)) {
      ++report.skipped;
      continue;
    }
    if (options.hook) options.hook("claimed", entry.notice.id);
    if (in_doubt && !options.resend_in_doubt) {
      // At-most-once: an in-doubt notice is never sent again; it is closed and reported, not silently lost.
      store.mark_sent(entry.notice.id, "in-doubt-not-resent", t);
      ++report.dropped_in_doubt;
      report.errors.push_back(fmt::format("notice {} in doubt (it may or may not have been published): not resent "
                                          "(watch.resend_in_doubt = false)", entry.notice.id));
      continue;
    }
    std::string message_id;
    try {
      ++report.publish_calls;
      message_id = publisher.publish(in_doubt ? core::as_possible_duplicate(entry.notice) : entry.notice);
    } catch (const aws::AwsError& e) {
      if (e.outcome_unknown()) {
        note_in_doubt(report, entry.notice.id, e.what());
        continue;
      }
      // SNS answered with a refusal: certainly not published. Retry next cycle.
      store.release(entry.notice.id);
      ++report.failed;
      report.errors.push_back(fmt::format("publish {}: {} {}", entry.notice.id, e.code, e.message));
      continue;
    } catch (const std::exception& e) {
      note_in_doubt(report, entry.notice.id, e.what());
      continue;
    }
    if (options.hook) options.hook("published", entry.notice.id);
    store.mark_sent(entry.notice.id, message_id, now());
    if (options.hook) options.hook("marked", entry.notice.id);
    ++report.sent;
    if (in_doubt) ++report.resent_in_doubt;
  }
  return report;
}

}  // namespace pingwatch::monitor
