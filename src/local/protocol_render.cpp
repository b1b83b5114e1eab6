#include "local/protocol_render.h"

#include "local/sns/wire_util.h"

namespace pingwatch::local {

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#xD;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string query_namespace(const std::string& signing_name) {
  if (signing_name == "monitoring") return "http://monitoring.amazonaws.com/doc/2010-08-01/";
  if (signing_name == "sns") return "http://sns.amazonaws.com/doc/2010-03-31/";
  if (signing_name == "sts") return "https://sts.amazonaws.com/doc/2011-06-15/";
  if (signing_name == "ec2") return "http://ec2.amazonaws.com/doc/2016-11-15/";
  return "";
}

std::string new_request_id() { return wire::uuid4(); }

namespace {
const char* json_content_type(WireProtocol protocol) {
  switch (protocol) {
    case WireProtocol::Json10: return "application/x-amz-json-1.0";
    case WireProtocol::Json11: return "application/x-amz-json-1.1";
    default: return "application/json";
  }
}
}  // namespace

Response json_reply(const Request& request, const nlohmann::json& body) {
  Response r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", json_content_type(request.protocol));
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response query_reply(const Request& request, const std::string& xml_namespace, const std::string& inner_xml) {
  const std::string& op = request.operation;
  Response r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", "text/xml");
  std::string body;
  body.reserve(inner_xml.size() + 256);
  body += "<" + op + "Response xmlns=\"" + xml_namespace + "\">\n";
  if (!inner_xml.empty()) body += "  <" + op + "Result>" + inner_xml + "</" + op + "Result>\n";
  body += "  <ResponseMetadata>\n    <RequestId>" + request.request_id + "</RequestId>\n  </ResponseMetadata>\n";
  body += "</" + op + "Response>\n";
  r.body = std::move(body);
  return r;
}

Response render_error(const Request& request, const ServiceError& error) {
  Response r;
  r.status = error.status;
  const std::string fault = error.sender_fault ? "Sender" : "Receiver";
  switch (request.protocol) {
    case WireProtocol::Json10:
    case WireProtocol::Json11: {
      r.headers.emplace_back("Content-Type", json_content_type(request.protocol));
      r.headers.emplace_back("x-amzn-ErrorType", error.code);
      if (request.protocol == WireProtocol::Json10 && aws::find_header(request.headers, "x-amzn-query-mode")) {
        r.headers.emplace_back("x-amzn-query-error", error.code + ";" + fault);
      }
      r.body = nlohmann::json{{"__type", error.code}, {"message", error.what()}}.dump();
      break;
    }
    case WireProtocol::RestJson: {
      r.headers.emplace_back("Content-Type", "application/json");
      r.headers.emplace_back("x-amzn-ErrorType", error.code);
      r.body = nlohmann::json{{"Type", error.sender_fault ? "User" : "Service"}, {"message", error.what()}}.dump();
      break;
    }
    case WireProtocol::Query: {
      r.headers.emplace_back("Content-Type", "text/xml");
      if (request.service == "ec2") {
        r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + xml_escape(error.code) +
                 "</Code><Message>" + xml_escape(error.what()) + "</Message></Error></Errors><RequestID>" +
                 request.request_id + "</RequestID></Response>";
      } else {
        r.body = "<ErrorResponse xmlns=\"" + query_namespace(request.service) + "\">\n  <Error>\n    <Type>" + fault +
                 "</Type>\n    <Code>" + xml_escape(error.code) + "</Code>\n    <Message>" + xml_escape(error.what()) +
                 "</Message>\n  </Error>\n  <RequestId>" + request.request_id + "</RequestId>\n</ErrorResponse>\n";
      }
      break;
    }
  }
  return r;
}

}  // namespace pingwatch::local
