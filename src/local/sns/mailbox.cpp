#include "local/sns/mailbox.h"

#include <stdexcept>

#include "local/sns/sns_service.h"

namespace pingwatch::local::sns {

nlohmann::json mailbox_json(const Service& service) {
  const auto* sns = dynamic_cast<const SnsService*>(&service);
  if (!sns) throw std::invalid_argument("mailbox_json: the service given is not SNS (pass the one for signing name sns)");
  return sns->mailbox();
}

bool wait_for_deliveries(Service& service, std::chrono::milliseconds timeout) {
  auto* sns = dynamic_cast<SnsService*>(&service);
  if (!sns) throw std::invalid_argument("wait_for_deliveries: the service given is not SNS");
  return sns->wait_for_deliveries(timeout);
}

}  // namespace pingwatch::local::sns
