#include "local/router.h"

#include <spdlog/spdlog.h>

#include "aws/http_date.h"
#include "aws/url_parts.h"
#include "local/chaos.h"
#include "local/content_encoding.h"
#include "local/protocol_render.h"

namespace pingwatch::local {

namespace {

// X-Amz-Target prefixes of the JSON services and their signing names.
const std::map<std::string, std::pair<std::string, WireProtocol>>& target_prefixes() {
  static const std::map<std::string, std::pair<std::string, WireProtocol>> map = {
      {"AmazonSSM", {"ssm", WireProtocol::Json11}},
      {"GraniteServiceVersion20100801", {"monitoring", WireProtocol::Json10}},
      {"AWSEvents", {"events", WireProtocol::Json11}},
      {"DynamoDB_20120810", {"dynamodb", WireProtocol::Json10}},
      {"AWSOrganizationsV20161128", {"organizations", WireProtocol::Json11}},
  };
  return map;
}

// Query-protocol API versions and their signing names.
std::string service_of_version(const std::string& version) {
  if (version == "2010-08-01") return "monitoring";
  if (version == "2010-03-31") return "sns";
  if (version == "2016-11-15") return "ec2";
  if (version == "2011-06-15") return "sts";
  return "";
}

// What protocol a service speaks when the request itself does not say (for rendering early errors).
WireProtocol default_protocol(const std::string& service) {
  if (service == "sns" || service == "ec2" || service == "sts") return WireProtocol::Query;
  if (service == "monitoring" || service == "dynamodb") return WireProtocol::Json10;
  if (service == "lambda") return WireProtocol::RestJson;
  return WireProtocol::Json11;
}

// Lambda's REST routes (API version 2015-03-31) to operation names.
std::string lambda_operation(const std::string& method, const std::string& path) {
  const std::string prefix = "/2015-03-31/functions";
  if (!path.starts_with(prefix)) {
    if (path.starts_with("/2014-11-13/functions/") && path.ends_with("/invoke-async/")) return "InvokeAsync";
    return "";
  }
  std::string rest = path.substr(prefix.size());
  if (rest.empty() || rest == "/") return method == "POST" ? "CreateFunction" : method == "GET" ? "ListFunctions" : "";
  rest = rest.substr(1);
  const auto slash = rest.find('/');
  const std::string tail = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (tail.empty() || tail == "/") {
    if (method == "GET") return "GetFunction";
    if (method == "DELETE") return "DeleteFunction";
    return "";
  }
  if (tail.starts_with("invocations")) return method == "POST" ? "Invoke" : "";
  if (tail.starts_with("code")) return method == "PUT" ? "UpdateFunctionCode" : "";
  if (tail.starts_with("configuration")) {
    return method == "PUT" ? "UpdateFunctionConfiguration" : method == "GET" ? "GetFunctionConfiguration" : "";
  }
  if (tail.starts_with("policy")) {
    if (method == "POST") return "AddPermission";
    if (method == "GET") return "GetPolicy";
    if (method == "DELETE") return "RemovePermission";
  }
  return "";
}

struct AuthErrorCode {
  int status;
  std::string code;
  std::string message;
};

AuthErrorCode auth_error(AuthFailure::Kind kind, WireProtocol protocol, const std::string& message) {
  const bool query = protocol == WireProtocol::Query;
  const bool rest = protocol == WireProtocol::RestJson;
  const int json_status = rest ? 403 : 400;
  switch (kind) {
    case AuthFailure::Kind::MissingToken:
      return query ? AuthErrorCode{403, "MissingAuthenticationToken", "Request is missing Authentication Token"}
                   : AuthErrorCode{rest ? 403 : 400, "MissingAuthenticationTokenException", "Missing Authentication Token"};
    case AuthFailure::Kind::Incomplete:
      return {400, query ? "IncompleteSignature" : "IncompleteSignatureException", message};
    case AuthFailure::Kind::UnknownKey:
      return query ? AuthErrorCode{403, "InvalidClientTokenId", message}
                   : AuthErrorCode{json_status, "UnrecognizedClientException", message};
    case AuthFailure::Kind::BadSignature:
    case AuthFailure::Kind::Expired:
      return query ? AuthErrorCode{403, "SignatureDoesNotMatch", message}
                   : AuthErrorCode{json_status, "InvalidSignatureException", message};
    case AuthFailure::Kind::ExpiredToken:
      // AWS's common errors: ExpiredTokenException, HTTP 403; query services (STS, SNS) name it ExpiredToken.
      return {403, query ? "ExpiredToken" : "ExpiredTokenException", message};
  }
  return {400, "InvalidSignatureException", message};
}

// STS's AssumeRoleWithWebIdentity needs no signature (the web identity token is the proof), and SDKs send it
// unsigned; a signed one is still verified.
bool unsigned_by_design(const Request& request, const SignedRequest& signed_request) {
  return request.service == "sts" && request.operation == "AssumeRoleWithWebIdentity" &&
         !aws::find_header(signed_request.headers, "authorization") && !credential_scope_of(signed_request);
}

bool is_form(const aws::Headers& headers) {
  const std::string* type = aws::find_header(headers, "content-type");
  return type != nullptr && type->find("application/x-www-form-urlencoded") != std::string::npos;
}

}  // namespace

std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  for (const aws::QueryPiece& piece : aws::query_pieces(body)) {
    out[aws::form_decode(piece.name)] = aws::form_decode(piece.value);   // the last of a repeated name wins
  }
  return out;
}

Request request_for(const RawRequest& raw, const std::string& account_id, const std::string& region) {
  Request request;
  request.method = raw.method;
  request.path = raw.path;
  request.query = raw.query;
  request.headers = raw.headers;
  request.account_id = account_id;
  request.region = region;
  return request;
}

Router::Router(StackContext& context, const CredentialStore& keys, Stats& stats, RouterLimits limits)
    : context_(context), keys_(keys), stats_(stats), limits_(limits) {}

void Router::add_service(const std::string& signing_name, Service* service) { services_[signing_name] = service; }

Router::Shape Router::classify(const RawRequest& raw, const std::map<std::string, std::string>& form) {
  Shape shape;
  if (raw.path.starts_with("/2018-06-01/runtime/")) {
    shape.service_hint = "lambda";
    shape.operation = "RuntimeApi";
    shape.protocol = WireProtocol::RestJson;
    shape.protocol_known = true;
    shape.unsigned_local = true;
    return shape;
  }
  if (const std::string* target = aws::find_header(raw.headers, "x-amz-target")) {
    const auto dot = target->find('.');
    const std::string prefix = target->substr(0, dot);
    shape.operation = dot == std::string::npos ? "" : target->substr(dot + 1);
    auto it = target_prefixes().find(prefix);
    if (it != target_prefixes().end()) {
      shape.service_hint = it->second.first;
      shape.protocol = it->second.second;
    }
    const std::string* type = aws::find_header(raw.headers, "content-type");
    if (type && type->find("application/x-amz-json-1.0") != std::string::npos) shape.protocol = WireProtocol::Json10;
    else if (type && type->find("application/x-amz-json-1.1") != std::string::npos) shape.protocol = WireProtocol::Json11;
    shape.protocol_known = true;
    return shape;
  }
  if (std::string op = lambda_operation(raw.method, raw.path); !op.empty() || raw.path.starts_with("/2015-03-31/")) {
    shape.service_hint = "lambda";
    shape.operation = op;
    shape.protocol = WireProtocol::RestJson;
    shape.protocol_known = true;
    return shape;
  }
  auto action = form.find("Action");
  if (action != form.end()) {
    shape.operation = action->second;
    shape.protocol = WireProtocol::Query;
    shape.protocol_known = true;
    auto version = form.find("Version");
    if (version != form.end()) shape.service_hint = service_of_version(version->second);
    // SNS's SubscribeURL (GET /?Action=ConfirmSubscription&TopicArn=...&Token=...) is followed from a mail client
    // or by an http subscriber, without a signature; AWS serves it so, and the token is the credential.
    if (shape.operation == "ConfirmSubscription" && !aws::find_header(raw.headers, "authorization") &&
        !raw.query.count("X-Amz-Signature")) {
      shape.service_hint = "sns";
      shape.unsigned_local = true;
    }
  }
  return shape;
}

Response Router::finish(Request& request, Response response) {
  aws::set_header(response.headers, "x-amzn-RequestId", request.request_id);
  const double sim = context_.clock->now();
  aws::set_header(response.headers, "Date",
                  aws::format_http_date(std::chrono::system_clock::time_point(
                      std::chrono::seconds(static_cast<long long>(sim)))));
  if (chaos_ && request.operation != "RuntimeApi") chaos_->after(request, response);
  stats_.record(request.service, request.operation, response.status, request.account_id);
  return response;
}

void Router::authenticate(Request& request, const SignedRequest& signed_request) const {
  try {
    const Identity id = verify_signature(signed_request, keys_, SimClock::wall_now(), context_.clock->now());
    request.access_key_id = id.access_key_id;
    request.account_id = id.account_id;   // a temporary key runs as its role's account
    request.region = id.region;
    request.service = id.service;
  } catch (const AuthFailure& failure) {
    if (request.service == "ec2" && failure.kind == AuthFailure::Kind::UnknownKey) {
      // EC2 has its own code for an unknown access key.
      throw ServiceError(401, "AuthFailure", "AWS was not able to validate the provided access credentials");
    }
    if (request.service == "ec2" && failure.kind == AuthFailure::Kind::ExpiredToken) {
      // EC2's error codes: RequestExpired also covers expired temporary security credentials.
      throw ServiceError(400, "RequestExpired", "Request has expired.");
    }
    const auto e = auth_error(failure.kind, request.protocol, failure.what());
    throw ServiceError(e.status, e.code, e.message);
  }
}

void Router::parse_body(Request& request, const RawRequest& raw, const std::string& body,
                        std::map<std::string, std::string> form) {
  switch (request.protocol) {
    case WireProtocol::Json10:
    case WireProtocol::Json11:
      if (request.operation.empty()) {
        throw ServiceError(400, "UnknownOperationException", "Missing or malformed X-Amz-Target header.");
      }
      if (body.empty()) {
        request.json = nlohmann::json::object();
      } else {
        request.json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
        if (request.json.is_discarded() || !request.json.is_object()) {
          throw ServiceError(400, "SerializationException", "Start of structure or map found where not expected.");
        }
      }
      break;
    case WireProtocol::RestJson: {
      request.json = nlohmann::json::object();
      const std::string* type = aws::find_header(raw.headers, "content-type");
      if (!body.empty() && request.operation != "Invoke" && request.operation != "RuntimeApi" &&
          (type == nullptr || type->find("json") != std::string::npos)) {
        request.json = nlohmann::json::parse(body, nullptr, false);
        if (request.json.is_discarded()) {
          throw ServiceError(400, "InvalidRequestContentException", "Could not parse request body into json.");
        }
      }
      break;
    }
    case WireProtocol::Query:
      if (request.operation.empty()) throw ServiceError(400, "MissingAction", "Missing Action");
      request.params = std::move(form);
      break;
  }
}

Response Router::route(const RawRequest& raw) {
  Request request = request_for(raw, context_.account_id, context_.default_region);
  request.request_id = new_request_id();
  try {
    // raw.body is what the client sent (and signed); a gzip body is parsed once inflated.
    if (is_form(raw.headers)) request.protocol = WireProtocol::Query;   // for an error before classification
    const std::string* encoding = aws::find_header(raw.headers, "content-encoding");
    const std::string body = encoding ? decode_request_body(*encoding, raw.body, limits_.max_body_bytes) : raw.body;
    // Query parameters come from the URL and, for form posts, the body.
    std::map<std::string, std::string> form;
    for (const auto& [k, v] : raw.query) form.emplace(k, v);
    if (is_form(raw.headers)) {
      for (auto& [k, v] : parse_form(body)) form[k] = std::move(v);
    }
    const Shape shape = classify(raw, form);
    SignedRequest signed_request{raw.method, raw.target, raw.headers, raw.body, shape.service_hint};
    const auto scope = credential_scope_of(signed_request);
    request.service = scope ? scope->first : shape.service_hint;
    if (request.service.empty() && !shape.service_hint.empty()) request.service = shape.service_hint;
    request.operation = shape.operation;
    request.protocol = shape.protocol_known ? shape.protocol : default_protocol(request.service);
    if (scope && !scope->second.empty()) request.region = scope->second;

    const std::size_t limit = request.service == "lambda" ? limits_.max_lambda_body_bytes : limits_.max_body_bytes;
    if (raw.body.size() > limit) {
      throw ServiceError(413, request.protocol == WireProtocol::Query ? "RequestEntityTooLarge" : "RequestEntityTooLargeException",
                         "Request must be smaller than " + std::to_string(limit) + " bytes for the " +
                             (request.operation.empty() ? std::string("requested") : request.operation) + " operation");
    }

    if (!shape.unsigned_local && !unsigned_by_design(request, signed_request)) authenticate(request, signed_request);

    auto service = services_.find(request.service);
    if (service == services_.end() || service->second == nullptr) {
      throw ServiceError(501, request.protocol == WireProtocol::Query ? "NotImplemented" : "NotImplementedException",
                         "The local stack does not implement the '" + request.service + "' service" +
                             (service == services_.end() ? "" : " yet") + ".",
                         false);
    }
    if (chaos_ && !shape.unsigned_local) {
      if (auto fault = chaos_->before(request)) throw *fault;
    }
    parse_body(request, raw, body, std::move(form));
    request.body = body;
    Service* target = resolver_ ? resolver_(request) : service->second;
    if (target == nullptr) throw std::runtime_error("no instance of " + request.service + " for account " + request.account_id);
    Response response = target->handle(request);
    return finish(request, std::move(response));
  } catch (const ServiceError& error) {
    return finish(request, render_error(request, error));
  } catch (const std::exception& e) {
    spdlog::error("local stack: {} {} ({}.{}) failed: {}", raw.method, raw.path, request.service, request.operation, e.what());
    return finish(request, render_error(request, ServiceError(500, "InternalFailure",
                                                              std::string("An internal error occurred: ") + e.what(),
                                                              false)));
  }
}

}  // namespace pingwatch::local
