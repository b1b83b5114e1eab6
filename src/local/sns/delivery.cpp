#include "local/sns/delivery.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "local/sns/email_render.h"
#include "local/sns/wire_util.h"
#include "local/whole_file.h"

namespace pingwatch::local::sns {
namespace {

constexpr int kHttpAttempts = 3;   // AWS's default healthy retry policy tries 3 times; we do not wait 20 s between

std::string unsubscribe_url(const DeliveryJob& job) {
  return "https://sns." + job.region + ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + job.subscription_arn;
}

std::string signing_cert_url(const DeliveryJob& job) {
  return "https://sns." + job.region + ".amazonaws.com/SimpleNotificationService-local.pem";
}

// The local stack holds no AWS signing key. The value is a digest of the fields AWS signs, so it is stable and
// distinct per message, but it cannot be verified against an AWS certificate.
std::string local_signature(const DeliveryJob& job) {
  std::string canonical = "Message\n" + job.message + "\nMessageId\n" + job.message_id + "\n";
  if (!job.subject.empty()) canonical += "Subject\n" + job.subject + "\n";
  canonical += "Timestamp\n" + wire::iso8601_millis_z(job.timestamp) + "\nTopicArn\n" + job.topic_arn + "\nType\n" +
               job.type + "\n";
  return wire::base64_encode(wire::sha256_hex(canonical));
}

struct ParsedUrl {
  std::string scheme_host_port;   // http://host:port
  std::string path;               // /path?query
};

ParsedUrl parse_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::runtime_error("endpoint '" + url + "' is not an absolute URL");
  auto path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) return {url, "/"};
  return {url.substr(0, path_start), url.substr(path_start)};
}

}  // namespace

std::string subscribe_url(const DeliveryJob& job) {
  const std::string base = job.service_url.empty() ? "https://sns." + job.region + ".amazonaws.com" : job.service_url;
  // As in AWS's SubscribeURL, the ARN's ':' stay readable; ARNs and the hex token need no other escaping.
  return base + "/?Action=ConfirmSubscription&TopicArn=" + job.topic_arn + "&Token=" + job.token;
}

nlohmann::ordered_json notification_envelope(const DeliveryJob& job) {
  nlohmann::ordered_json envelope;
  envelope["Type"] = job.type;
  envelope["MessageId"] = job.message_id;
  if (job.type == "SubscriptionConfirmation") envelope["Token"] = job.token;
  envelope["TopicArn"] = job.topic_arn;
  if (!job.subject.empty()) envelope["Subject"] = job.subject;
  envelope["Message"] = job.message;
  if (job.type == "SubscriptionConfirmation") envelope["SubscribeURL"] = subscribe_url(job);
  envelope["Timestamp"] = wire::iso8601_millis_z(job.timestamp);
  envelope["SignatureVersion"] = "1";
  envelope["Signature"] = local_signature(job);
  envelope["SigningCertURL"] = signing_cert_url(job);
  if (job.type == "Notification") {
    envelope["UnsubscribeURL"] = unsubscribe_url(job);
    if (!job.message_attributes.empty()) envelope["MessageAttributes"] = job.message_attributes;
  }
  return envelope;
}

nlohmann::json lambda_event(const DeliveryJob& job) {
  nlohmann::ordered_json sns;
  sns["Type"] = job.type;
  sns["MessageId"] = job.message_id;
  sns["TopicArn"] = job.topic_arn;
  sns["Subject"] = job.subject.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(job.subject);
  sns["Message"] = job.message;
  sns["Timestamp"] = wire::iso8601_millis_z(job.timestamp);
  sns["SignatureVersion"] = "1";
  sns["Signature"] = local_signature(job);
  sns["SigningCertUrl"] = signing_cert_url(job);
  sns["UnsubscribeUrl"] = unsubscribe_url(job);
  sns["MessageAttributes"] = job.message_attributes;
  nlohmann::ordered_json record;
  record["EventSource"] = "aws:sns";
  record["EventVersion"] = "1.0";
  record["EventSubscriptionArn"] = job.subscription_arn;
  record["Sns"] = sns;
  return nlohmann::json::parse(nlohmann::ordered_json{{"Records", nlohmann::ordered_json::array({record})}}.dump());
}

DeliveryWorker::DeliveryWorker(StackContext& context) : context_(context), thread_([this] { run(); }) {}

DeliveryWorker::~DeliveryWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DeliveryWorker::enqueue(DeliveryJob job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
    ++queued_total_;
  }
  wake_.notify_one();
}

bool DeliveryWorker::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

bool DeliveryWorker::wait_queued_before_now(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto target = queued_total_;
  return idle_.wait_for(lock, timeout, [&] { return finished_total_ >= target || stopping_; });
}

nlohmann::json DeliveryWorker::mailbox() const {
  std::lock_guard lock(mutex_);
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& entry : delivered_) messages.push_back(nlohmann::json::parse(entry));
  return {{"messages", messages}};
}

std::size_t DeliveryWorker::mailbox_bytes() const {
  std::lock_guard lock(mutex_);
  return delivered_bytes_;
}

void DeliveryWorker::record(nlohmann::json entry) {
  std::string text = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  delivered_bytes_ += text.size();
  delivered_.push_back(std::move(text));
  // The newest record always stays, even one larger than the byte budget.
  while (delivered_.size() > 1 && (delivered_.size() > kMailboxLimit || delivered_bytes_ > kMailboxBytes)) {
    delivered_bytes_ -= delivered_.front().size();
    delivered_.pop_front();
  }
}

void DeliveryWorker::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      // Shutting down: the services a delivery would call (Lambda) may already be gone, so what is still queued is
      // dropped, and said so.
      if (!queue_.empty()) spdlog::warn("sns: {} queued deliveries dropped at shutdown", queue_.size());
      finished_total_ += queue_.size();
      queue_.clear();
      idle_.notify_all();
      return;
    }
    DeliveryJob job = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    nlohmann::json entry = deliver(job);
    lock.lock();
    record(std::move(entry));
    busy_ = false;
    ++finished_total_;
    idle_.notify_all();   // wakes wait_idle (queue empty) and wait_queued_before_now (its job done)
  }
}

nlohmann::json DeliveryWorker::deliver(const DeliveryJob& job) {
  nlohmann::json entry;
  try {
    if (job.protocol == "email") entry = deliver_email(job, false);
    else if (job.protocol == "email-json") entry = deliver_email(job, true);
    else if (job.protocol == "http" || job.protocol == "https") entry = deliver_http(job);
    else if (job.protocol == "lambda") entry = deliver_lambda(job);
    else
      entry = {{"delivered", false},
               {"error", "the local stack does not deliver to protocol '" + job.protocol + "'"}};
  } catch (const std::exception& e) {
    entry = {{"delivered", false}, {"error", e.what()}};
  }
  if (!entry.value("delivered", false))
    spdlog::warn("sns: delivery of {} to {} {} failed: {}", job.message_id, job.protocol, job.endpoint,
                 entry.value("error", std::string("unknown")));
  entry["message_id"] = job.message_id;
  entry["type"] = job.type;
  entry["topic_arn"] = job.topic_arn;
  entry["subscription_arn"] = job.subscription_arn;
  entry["protocol"] = job.protocol;
  entry["endpoint"] = job.endpoint;
  if (!entry.contains("subject")) entry["subject"] = job.subject;
  if (!entry.contains("body")) entry["body"] = job.message;
  entry["timestamp"] = wire::iso8601_millis_z(job.timestamp);
  if (job.type == "SubscriptionConfirmation") entry["subscribe_url"] = subscribe_url(job);
  return entry;
}

nlohmann::json DeliveryWorker::deliver_email(const DeliveryJob& job, bool as_json) {
  EmailMessage mail;
  mail.to = job.endpoint;
  mail.subject = job.subject;
  mail.display_name = job.display_name;
  mail.body = as_json ? notification_envelope(job).dump() : job.message;
  mail.region = job.region;
  mail.subscription_arn = job.subscription_arn;
  mail.message_id = job.message_id;
  mail.sent_at = job.timestamp;
  if (job.type == "SubscriptionConfirmation") {
    mail.confirmation = true;
    mail.subject = "AWS Notification - Subscription Confirmation";
    // AWS's mail links its confirmation.html page, which visits the SubscribeURL; the stack links the SubscribeURL.
    if (!as_json) mail.body = confirmation_email_body(job.topic_arn, subscribe_url(job));
  }
  nlohmann::json entry = {{"delivered", true},
                          {"subject", mail.subject.empty() ? std::string("AWS Notification Message") : mail.subject},
                          {"body", render_email_body(mail)}};
  if (!context_.mailbox_dir.empty()) {
    std::filesystem::path dir(context_.mailbox_dir);
    std::filesystem::create_directories(dir);
    std::string suffix = job.subscription_arn.substr(job.subscription_arn.size() > 8 ? job.subscription_arn.size() - 8 : 0);
    auto file = dir / (wire::compact_utc(job.timestamp) + "-" + job.message_id + "-" + suffix + ".eml");
    write_whole_file(file, render_eml(mail));
    entry["file"] = file.string();
  }
  spdlog::info("sns: email to {}: {}", job.endpoint, entry["subject"].get<std::string>());
  return entry;
}

nlohmann::json DeliveryWorker::deliver_http(const DeliveryJob& job) {
  ParsedUrl url = parse_url(job.endpoint);
  httplib::Client client(url.scheme_host_port);
  client.set_connection_timeout(3, 0);
  client.set_read_timeout(15, 0);
  client.set_write_timeout(15, 0);
  httplib::Headers headers = {
      {"x-amz-sns-message-type", job.type},
      {"x-amz-sns-message-id", job.message_id},
      {"x-amz-sns-topic-arn", job.topic_arn},
      {"User-Agent", "Amazon Simple Notification Service Agent"},
  };
  if (job.type == "Notification") headers.emplace("x-amz-sns-subscription-arn", job.subscription_arn);
  if (job.raw) headers.emplace("x-amz-sns-rawdelivery", "true");
  const std::string body = job.raw && job.type == "Notification" ? job.message : notification_envelope(job).dump();
  std::string last_error;
  for (int attempt = 1; attempt <= kHttpAttempts; ++attempt) {
    auto result = client.Post(url.path, headers, body, "text/plain; charset=UTF-8");
    if (result && result->status >= 200 && result->status < 300)
      return {{"delivered", true}, {"http_status", result->status}, {"attempts", attempt}};
    last_error = result ? "HTTP " + std::to_string(result->status) : "transport error: " + httplib::to_string(result.error());
    if (attempt < kHttpAttempts) std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
  }
  return {{"delivered", false}, {"error", last_error}, {"attempts", kHttpAttempts}};
}

nlohmann::json DeliveryWorker::deliver_lambda(const DeliveryJob& job) {
  if (!context_.lambda) return {{"delivered", false}, {"error", "the stack has no Lambda service"}};
  context_.lambda->invoke(job.endpoint, lambda_event(job), /*async=*/true);
  return {{"delivered", true}};
}

}  // namespace pingwatch::local::sns
