#include "local/cloudwatch/wire_output.h"

#include <set>

#include "local/cloudwatch/formatting.h"
#include "local/sns/wire_util.h"

namespace pingwatch::local::cloudwatch {
namespace {

// Output members whose numbers are timestamps (XML writes them as ISO 8601).
bool is_timestamp_key(const std::string& key) {
  static const std::set<std::string> keys = {"Timestamp", "Timestamps", "StateUpdatedTimestamp",
                                             "AlarmConfigurationUpdatedTimestamp", "StateTransitionedTimestamp"};
  return keys.count(key) > 0;
}

std::string scalar_text(const nlohmann::ordered_json& value, const std::string& key) {
  if (value.is_string()) return xml_escape(value.get<std::string>());
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (is_timestamp_key(key) && value.is_number()) return wire::iso8601_millis_z(value.get<double>());
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) return java_double(value.get<double>());
  return xml_escape(value.dump());
}

}  // namespace

std::string output_to_xml(const nlohmann::ordered_json& value, const std::string& key) {
  if (value.is_object()) {
    std::string out;
    for (const auto& [member, item] : value.items()) {
      if (item.is_null()) continue;
      out += "<" + member + ">" + output_to_xml(item, member) + "</" + member + ">";
    }
    return out;
  }
  if (value.is_array()) {
    std::string out;
    for (const auto& item : value) out += "<member>" + output_to_xml(item, key) + "</member>";
    return out;
  }
  return scalar_text(value, key);
}

Response render_output(const Request& request, const nlohmann::ordered_json& output) {
  Response response;
  response.status = 200;
  if (request.protocol == WireProtocol::Query) {
    const std::string& op = request.operation;
    std::string body = "<" + op + "Response xmlns=\"" + kXmlNamespace + "\">\n";
    if (!output.is_null()) body += "  <" + op + "Result>" + output_to_xml(output) + "</" + op + "Result>\n";
    body += "  <ResponseMetadata>\n    <RequestId>" + xml_escape(request.request_id) +
            "</RequestId>\n  </ResponseMetadata>\n</" + op + "Response>\n";
    response.body = std::move(body);
    aws::set_header(response.headers, "Content-Type", "text/xml");
  } else {
    response.body = output.is_null() ? "{}" : output.dump();
    aws::set_header(response.headers, "Content-Type", "application/x-amz-json-1.0");
  }
  aws::set_header(response.headers, "x-amzn-RequestId", request.request_id);
  return response;
}

}  // namespace pingwatch::local::cloudwatch
