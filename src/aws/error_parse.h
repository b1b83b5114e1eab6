#pragma once
// Turning an AWS error reply (any protocol) into AwsError, and the "MalformedResponse" error for
// replies that cannot be decoded. Pure functions of the HTTP response: unit-testable without a network.
#include <stdexcept>
#include <string>

#include "aws/error.h"
#include "aws/http.h"
#include "aws/service_client.h"

namespace pingwatch::aws {

// Request id as the services send it: x-amzn-RequestId, x-amz-request-id (header), else empty.
std::string request_id_from_headers(const Headers& headers);

// "com.amazonaws.ssm#InvalidNextToken:http://..." -> "InvalidNextToken" (smithy's sanitisation).
std::string sanitize_error_code(std::string code);

// Parses a non-2xx reply. JSON: x-amzn-query-error ("Code;Sender", when query-compatible) wins, then
// x-amzn-ErrorType, then body `code`/`__type`; message from `message`/`Message`. Query: <ErrorResponse>
// (or EC2's <Response><Errors>). An unparseable body still yields an AwsError (code = HTTP status).
AwsError parse_error_response(Protocol protocol, const HttpResponse& response, const std::string& service,
                              const std::string& operation);

// Thrown by decoders while reading a reply; the service client turns it into AwsError "MalformedResponse".
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// AwsError{code "MalformedResponse", message "<service> <operation>: <what>"}.
AwsError malformed_response(const std::string& service, const std::string& operation, const std::string& what);

// Runs a decoder; DecodeError and JSON type errors become malformed_response(...).
template <class F>
auto decode_reply(const std::string& service, const std::string& operation, F&& decode) -> decltype(decode()) {
  try {
    return decode();
  } catch (const DecodeError& e) {
    throw malformed_response(service, operation, e.what());
  } catch (const nlohmann::json::exception& e) {
    throw malformed_response(service, operation, e.what());
  }
}

}  // namespace pingwatch::aws
