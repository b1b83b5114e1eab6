#pragma once
// PingStatus as SSM reports it. Unknown values are kept (raw text) and never crash: AWS may add one.
#include <optional>
#include <string>
#include <string_view>

namespace pingwatch::core {

enum class PingStatus { Online, ConnectionLost, Inactive, Unknown };

PingStatus parse_ping_status(std::string_view text);     // never throws; unrecognised -> Unknown
std::string_view to_string(PingStatus status);             // "Online", ..., "Unknown"
// The post's metric value: Online=0, ConnectionLost=1, Inactive=2; Unknown -> nullopt (caller decides).
std::optional<double> post_metric_value(PingStatus status);

}  // namespace pingwatch::core
