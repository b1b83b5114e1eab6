#pragma once
// GET /_local/mailbox: what the local SNS has delivered, for tests, the demo and curious humans.
#include <chrono>

#include <nlohmann/json.hpp>

#include "local/service.h"

namespace pingwatch::local::sns {

// {"messages": [{"message_id", "type", "topic_arn", "subscription_arn", "protocol", "endpoint", "subject", "body",
//   "timestamp", "delivered", "file"?, "error"?, "subscribe_url"? (SubscriptionConfirmation)}, ...]} oldest first. Throws std::invalid_argument when `service`
// is not the SNS service made by make_sns_service.
nlohmann::json mailbox_json(const Service& service);

// Waits until every queued SNS delivery is done; false on timeout. Same precondition.
bool wait_for_deliveries(Service& service, std::chrono::milliseconds timeout);

}  // namespace pingwatch::local::sns
