#include "aws/service_client.h"

#include <thread>

#include "aws/error_parse.h"
#include "aws/http_date.h"
#include "aws/json_protocol.h"
#include "aws/query_protocol.h"
#include "aws/request_observer.h"
#include "aws/sigv4.h"

namespace pingwatch::aws {

namespace {

// The URL every operation of these protocols posts to: the endpoint with "/" when it has no path.
std::string operation_url(const std::string& endpoint) {
  const auto scheme = endpoint.find("://");
  const auto host_start = scheme == std::string::npos ? 0 : scheme + 3;
  if (endpoint.find('/', host_start) == std::string::npos) return endpoint + "/";
  return endpoint;
}

const char* transport_code(TransportError::Kind kind) {
  switch (kind) {
    case TransportError::Kind::Connect: return "EndpointConnectionError";
    case TransportError::Kind::Timeout: return "ReadTimeoutError";
    case TransportError::Kind::Reset: return "ConnectionResetError";
    case TransportError::Kind::Other: break;
  }
  return "NetworkingError";
}

void classify(AwsError& error) {
  classify_error(error);
  if (error.http_status == 0) error.retryable = true;   // transport failures are retried by the standard mode
}

}  // namespace

ServiceClient::ServiceClient(ServiceInfo service, ProtocolInfo protocol, ClientConfig config)
    : service_(std::move(service)), protocol_(std::move(protocol)), config_(std::move(config)) {
  if (!config_.clock) config_.clock = [] { return std::chrono::system_clock::now(); };
  if (!config_.sleep) config_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (!config_.retry_quota) config_.retry_quota = std::make_shared<RetryQuota>();
  if (config_.retry.max_attempts < 1) config_.retry.max_attempts = 1;
}

ServiceClient::JsonReply ServiceClient::call_json(const std::string& operation, const nlohmann::json& input) {
  if (protocol_.protocol == Protocol::Query) {
    throw std::logic_error(service_.signing_name + " speaks awsQuery; call_json(" + operation + ") is a programming error");
  }
  HttpRequest request;
  request.method = "POST";
  request.url = operation_url(config_.endpoint);
  request.body = json_protocol::encode_body(input, operation);
  set_header(request.headers, "Content-Type", json_protocol::content_type(protocol_.protocol));
  set_header(request.headers, "X-Amz-Target", protocol_.target_prefix + "." + operation);
  if (protocol_.query_mode_header) set_header(request.headers, "x-amzn-query-mode", "true");

  HttpResponse response = send_with_retries(operation, std::move(request));
  JsonReply reply;
  reply.body = decode_reply(service_.signing_name, operation, [&] { return json_protocol::decode_body(response.body); });
  const std::string* date = find_header(response.headers, "Date");
  auto server = date != nullptr ? parse_http_date(*date) : std::nullopt;
  reply.server_time = server ? *server : config_.clock() + clock_skew();
  reply.request_id = request_id_from_headers(response.headers);
  return reply;
}

ServiceClient::QueryReply ServiceClient::call_query(const std::string& operation, const QueryParams& params) {
  if (protocol_.protocol != Protocol::Query) {
    throw std::logic_error(service_.signing_name + " speaks JSON; call_query(" + operation + ") is a programming error");
  }
  HttpRequest request;
  request.method = "POST";
  request.url = operation_url(config_.endpoint);
  request.body = query_protocol::encode_body(operation, protocol_.api_version, params);
  set_header(request.headers, "Content-Type", query_protocol::kContentType);

  HttpResponse response = send_with_retries(operation, std::move(request));
  QueryReply reply;
  reply.document = std::make_shared<pugi::xml_document>();
  decode_reply(service_.signing_name, operation, [&] {
    const pugi::xml_parse_result parsed = reply.document->load_buffer(response.body.data(), response.body.size());
    if (!parsed) {
      throw DecodeError(std::string("reply body is not valid XML (") + parsed.description() + " at byte " +
                        std::to_string(parsed.offset) + ")");
    }
    pugi::xml_node root = reply.document->document_element();
    const std::string expected_root = operation + "Response";
    if (std::string(root.name()) != expected_root) {
      throw DecodeError("reply root element is <" + std::string(root.name()) + ">, expected <" + expected_root + ">");
    }
    // awsQuery wraps the output in <OpResult>; EC2's variant puts it straight under the root.
    pugi::xml_node result = root.child((operation + "Result").c_str());
    reply.result = result ? result : root;
    reply.request_id = query_protocol::child_text(root.child("ResponseMetadata"), "RequestId");
    if (reply.request_id.empty()) reply.request_id = query_protocol::child_text(root, "requestId");
    return 0;
  });
  if (std::string header_id = request_id_from_headers(response.headers); !header_id.empty()) {
    reply.request_id = header_id;
  }
  const std::string* date = find_header(response.headers, "Date");
  auto server = date != nullptr ? parse_http_date(*date) : std::nullopt;
  reply.server_time = server ? *server : config_.clock() + clock_skew();
  return reply;
}

HttpResponse ServiceClient::send_with_retries(const std::string& operation, HttpRequest request) {
  if (!config_.http) throw std::logic_error("ClientConfig.http is not set for " + service_.signing_name);
  if (!config_.credentials) throw std::logic_error("ClientConfig.credentials is not set for " + service_.signing_name);
  stats_.calls.fetch_add(1);
  set_header(request.headers, "User-Agent", config_.user_agent);
  // At-most-once calls must not be resent by libcurl either (see HttpRequest::fresh_connection).
  if (!config_.retry.retry_unknown_outcome) request.fresh_connection = true;
  const int max_attempts = config_.retry.max_attempts;
  // Once one attempt may have reached the service unanswered, the call's outcome stays unknown whatever the
  // later attempts say: a retried Publish refused with a 4xx may still have been published by the first.
  Outcome outcome = Outcome::NotDone;

  for (int attempt = 1;; ++attempt) {
    // Every attempt is signed afresh: a retried request must carry a current X-Amz-Date (and the learnt skew).
    HttpRequest signed_request = request;
    set_header(signed_request.headers, "amz-sdk-request",
               "attempt=" + std::to_string(attempt) + "; max=" + std::to_string(max_attempts));
    const Credentials credentials = config_.credentials->get();
    const SystemTime now = config_.clock();
    sigv4::sign_request(signed_request, credentials,
                        sigv4::SigningParams{config_.region, service_.signing_name, now + clock_skew()});
    stats_.attempts.fetch_add(1);

    HttpResponse response;
    try {
      response = config_.http->send(signed_request);
    } catch (const TransportError& e) {
      // A failed connect never sent the request; a timeout or reset may have come after the service acted.
      if (e.kind != TransportError::Kind::Connect) outcome = Outcome::Unknown;
      NoResponseError error(transport_code(e.kind), std::string(e.what()) + " (endpoint " + config_.endpoint + ")", 0, {},
                            service_.signing_name, operation);
      classify(error);
      error.outcome = outcome;
      const auto delay = retry_delay(outcome, attempt, nullptr, e.kind == TransportError::Kind::Timeout);
      notify_request_observer(service_.signing_name, operation, delay ? AttemptOutcome::Retried : AttemptOutcome::Error);
      if (!delay) throw error;
      stats_.retries.fetch_add(1);
      config_.sleep(*delay);
      continue;
    }

    if (response.status >= 200 && response.status < 300) {
      config_.retry_quota->on_success();
      notify_request_observer(service_.signing_name, operation, AttemptOutcome::Ok);
      return response;
    }

    AwsError error = parse_error_response(protocol_.protocol, response, service_.signing_name, operation);
    classify(error);
    if (outcome_of_status(response.status) == Outcome::Unknown) outcome = Outcome::Unknown;
    error.outcome = outcome;
    learn_clock_skew(error, response);
    const auto delay = retry_delay(outcome, attempt, &error, false);
    notify_request_observer(service_.signing_name, operation,
                            error.throttling ? AttemptOutcome::Throttled
                                             : (delay ? AttemptOutcome::Retried : AttemptOutcome::Error));
    if (!delay) throw error;
    stats_.retries.fetch_add(1);
    config_.sleep(*delay);
  }
}

std::optional<std::chrono::milliseconds> ServiceClient::retry_delay(Outcome outcome_so_far, int attempt,
                                                                    const AwsError* error, bool timeout) {
  if (!may_retry(outcome_so_far)) return std::nullopt;
  const RetryDecision decision =
      decide_retry(config_.retry, *config_.retry_quota, attempt, error, error == nullptr, timeout);
  if (!decision.retry || attempt >= config_.retry.max_attempts) return std::nullopt;
  return decision.delay;
}

bool ServiceClient::may_retry(Outcome outcome_so_far) const {
  return outcome_so_far == Outcome::NotDone || config_.retry.retry_unknown_outcome;
}

void ServiceClient::learn_clock_skew(const AwsError& error, const HttpResponse& response) {
  if (!is_clock_skew_error_code(error.code)) return;
  // Learn server-minus-local from the reply's Date header, as botocore does, so the retry signs correctly.
  if (const std::string* date = find_header(response.headers, "Date"); date != nullptr) {
    if (auto server = parse_http_date(*date)) {
      const auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(*server - config_.clock());
      skew_ms_.store(skew.count());
    }
  }
}

}  // namespace pingwatch::aws
