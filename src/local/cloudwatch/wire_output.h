#pragma once
// Renders an operation's output (an ordered JSON tree with timestamps as epoch seconds) in the
// protocol the request came in: JSON 1.0 (timestamps stay epoch seconds) or awsQuery XML
// (<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>…), timestamps ISO 8601, lists as <member>).
#include <string>

#include <nlohmann/json.hpp>

#include "local/service.h"

namespace pingwatch::local::cloudwatch {

inline constexpr const char* kXmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";

// output: null for operations without an output shape (no <OpResult> element in XML, {} in JSON).
Response render_output(const Request& request, const nlohmann::ordered_json& output);
std::string output_to_xml(const nlohmann::ordered_json& value, const std::string& key = {});

}  // namespace pingwatch::local::cloudwatch
