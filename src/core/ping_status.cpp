#include "core/ping_status.h"

namespace pingwatch::core {

PingStatus parse_ping_status(std::string_view text) {
  if (text == "Online") return PingStatus::Online;
  if (text == "ConnectionLost") return PingStatus::ConnectionLost;
  if (text == "Inactive") return PingStatus::Inactive;
  return PingStatus::Unknown;
}

std::string_view to_string(PingStatus status) {
  switch (status) {
    case PingStatus::Online: return "Online";
    case PingStatus::ConnectionLost: return "ConnectionLost";
    case PingStatus::Inactive: return "Inactive";
    case PingStatus::Unknown: break;
  }
  return "Unknown";
}

std::optional<double> post_metric_value(PingStatus status) {
  switch (status) {
    case PingStatus::Online: return 0.0;
    case PingStatus::ConnectionLost: return 1.0;
    case PingStatus::Inactive: return 2.0;
    case PingStatus::Unknown: break;
  }
  return std::nullopt;
}

}  // namespace pingwatch::core
