#include "aws/error_parse.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "aws/query_protocol.h"

namespace pingwatch::aws {

std::string request_id_from_headers(const Headers& headers) {
  for (const char* name : {"x-amzn-RequestId", "x-amz-request-id", "x-amzn-request-id"}) {
    if (const std::string* v = find_header(headers, name); v != nullptr && !v->empty()) return *v;
  }
  return {};
}

std::string sanitize_error_code(std::string code) {
  // smithy awsJson: take what precedes ':' (a URL may follow), then what follows the last '#' (namespace).
  if (const auto colon = code.find(':'); colon != std::string::npos) code.erase(colon);
  if (const auto hash = code.rfind('#'); hash != std::string::npos) code.erase(0, hash + 1);
  // Trim stray whitespace some proxies add.
  const auto first = code.find_first_not_of(" \t");
  const auto last = code.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : code.substr(first, last - first + 1);
}

AwsError malformed_response(const std::string& service, const std::string& operation, const std::string& what) {
  AwsError e("MalformedResponse", service + " " + operation + ": " + what, 0, {}, service, operation);
  // Only replies the service accepted (2xx) are decoded: the operation happened, whatever the body says.
  e.outcome = Outcome::Unknown;
  return e;
}

namespace {

std::string excerpt(const std::string& body) {
  std::string out = body.substr(0, 160);
  std::replace_if(out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  if (body.size() > 160) out += "...";
  return out;
}

std::string status_code_text(int status) { return std::to_string(status); }

struct Parsed {
  std::string code;
  std::string message;
  std::string request_id;
  bool body_understood = false;
};

Parsed parse_json_error(const HttpResponse& response, bool query_compatible) {
  Parsed p;
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_discarded() && body.is_object()) {
    p.body_understood = true;
    for (const char* key : {"code", "__type", "Code"}) {
      auto it = body.find(key);
      if (it != body.end() && it->is_string()) {
        p.code = it->get<std::string>();
        break;
      }
    }
    for (const char* key : {"message", "Message", "errorMessage"}) {
      auto it = body.find(key);
      if (it != body.end() && it->is_string()) {
        p.message = it->get<std::string>();
        break;
      }
    }
  }
  // The header names the error even when the body does not; it wins over the body as in the SDKs.
  if (const std::string* h = find_header(response.headers, "x-amzn-ErrorType"); h != nullptr && !h->empty()) {
    p.code = *h;
  }
  p.code = sanitize_error_code(p.code);
  // awsQueryCompatible (CloudWatch JSON): "Code;Sender" carries the query-protocol code.
  if (query_compatible || find_header(response.headers, "x-amzn-query-error") != nullptr) {
    if (const std::string* q = find_header(response.headers, "x-amzn-query-error"); q != nullptr && !q->empty()) {
      const auto semi = q->find(';');
      std::string code = q->substr(0, semi);
      if (!code.empty()) p.code = code;
    }
  }
  return p;
}

Parsed parse_xml_error(const HttpResponse& response) {
  Parsed p;
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) return p;
  pugi::xml_node root = doc.document_element();
  pugi::xml_node error;
  std::string root_name = root.name();
  if (root_name == "ErrorResponse") {
    error = root.child("Error");
    p.request_id = query_protocol::child_text(root, "RequestId");
  } else if (root_name == "Response") {   // EC2
    error = root.child("Errors").child("Error");
    p.request_id = query_protocol::child_text(root, "RequestID");
  } else if (root_name == "Error") {       // some S3-style replies
    error = root;
    p.request_id = query_protocol::child_text(root, "RequestId");
  }
  if (!error) return p;
  p.body_understood = true;
  p.code = query_protocol::child_text(error, "Code");
  p.message = query_protocol::child_text(error, "Message");
  if (p.request_id.empty()) p.request_id = query_protocol::child_text(error, "RequestId");
  return p;
}

}  // namespace

AwsError parse_error_response(Protocol protocol, const HttpResponse& response, const std::string& service,
                              const std::string& operation) {
  Parsed p = protocol == Protocol::Query ? parse_xml_error(response) : parse_json_error(response, false);
  std::string request_id = request_id_from_headers(response.headers);
  if (request_id.empty()) request_id = p.request_id;
  if (p.code.empty()) {
    // No code anywhere (a proxy's HTML page, an empty 5xx): name the status, show what came back.
    p.code = status_code_text(response.status);
    if (p.message.empty()) {
      p.message = response.body.empty() ? std::string("empty reply body")
                                        : "reply is not an AWS error document: " + excerpt(response.body);
    }
  }
  return AwsError(p.code, p.message, response.status, request_id, service, operation);
}

}  // namespace pingwatch::aws
