#pragma once
// SNS deliveries, done off the request path: Publish queues one job per confirmed subscription and
// returns; a worker thread writes email (.eml + console), POSTs http(s) envelopes and invokes Lambda.
// Every delivery, successful or not, is recorded for GET /_local/mailbox.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "local/service.h"

namespace pingwatch::local::sns {

struct DeliveryJob {
  std::string protocol;           // email, email-json, http, https, lambda, ...
  std::string endpoint;
  std::string subscription_arn;
  std::string topic_arn;
  std::string region;
  std::string display_name;       // topic DisplayName (email sender name)
  std::string message_id;
  std::string type = "Notification";   // or SubscriptionConfirmation
  std::string subject;            // may be empty
  std::string message;            // already the variant for this protocol
  std::string token;              // SubscriptionConfirmation only
  std::string service_url;        // SubscriptionConfirmation: the stack's endpoint; empty = https://sns.<region>.amazonaws.com
  nlohmann::json message_attributes = nlohmann::json::object();   // {"name": {"Type": "String", "Value": "..."}}
  double timestamp = 0;           // simulated epoch seconds of the publish
  bool raw = false;               // RawMessageDelivery: http/https get the bare message
};

// The JSON document SNS POSTs to http(s) endpoints and sends to email-json subscribers, in AWS's key order.
nlohmann::ordered_json notification_envelope(const DeliveryJob& job);
// Where a SubscriptionConfirmation sends the subscriber: <endpoint>/?Action=ConfirmSubscription&TopicArn=...&Token=...,
// served without a signature as AWS serves it. The local stack's own endpoint, so following it confirms here.
std::string subscribe_url(const DeliveryJob& job);
// The event SNS invokes a Lambda subscriber with: {"Records":[{"EventSource":"aws:sns",...}]}.
nlohmann::json lambda_event(const DeliveryJob& job);

// What GET /_local/mailbox keeps: the newest deliveries, at most this many and at most this many bytes of
// records (a 2,000-node digest is ~200 KB; 10,000 of them would otherwise hold 2 GB in a long run).
inline constexpr std::size_t kMailboxLimit = 10000;
inline constexpr std::size_t kMailboxBytes = 32u << 20;

class DeliveryWorker {
 public:
  explicit DeliveryWorker(StackContext& context);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void enqueue(DeliveryJob job);
  // Blocks until every queued job has been delivered (or the timeout passes); true when idle.
  bool wait_idle(std::chrono::milliseconds timeout);
  // Blocks until every job queued before this call has been delivered (or the timeout passes), whatever is queued
  // meanwhile; true when they have.
  bool wait_queued_before_now(std::chrono::milliseconds timeout);
  // Delivered messages, oldest first: {"messages": [...]} (the newest, within kMailboxLimit and kMailboxBytes).
  nlohmann::json mailbox() const;
  std::size_t mailbox_bytes() const;

 private:
  void run();
  nlohmann::json deliver(const DeliveryJob& job);   // returns the mailbox record
  nlohmann::json deliver_email(const DeliveryJob& job, bool as_json);
  nlohmann::json deliver_http(const DeliveryJob& job);
  nlohmann::json deliver_lambda(const DeliveryJob& job);

  StackContext& context_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<DeliveryJob> queue_;
  bool busy_ = false;
  std::uint64_t queued_total_ = 0, finished_total_ = 0;   // jobs ever queued / ever finished (delivered or dropped)
  bool stopping_ = false;
  std::deque<std::string> delivered_;   // records as compact JSON text: a third of a json object's footprint
  std::size_t delivered_bytes_ = 0;
  void record(nlohmann::json entry);   // call with mutex_ held
  std::thread thread_;
};

}  // namespace pingwatch::local::sns
