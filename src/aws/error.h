#pragma once
// One typed error for every failed AWS call: parsed from __type, x-amzn-query-error or ErrorResponse.
#include <stdexcept>
#include <string>

namespace pingwatch::aws {

// Whether a failed call may still have taken effect on the service side. A caller that decides what to do
// next from a failure ("not published: send it again") must only do so for NotDone.
enum class Outcome {
  NotDone,   // the service answered with a refusal (4xx), or the request never left (connect failed)
  Unknown,   // no answer after sending (timeout, reset), a 5xx, or an undecodable 2xx: it may have happened
};

// Outcome of one HTTP status: 5xx may have been applied before the service failed; anything else answered.
Outcome outcome_of_status(int http_status);

struct AwsError : std::runtime_error {
  std::string code;         // e.g. ThrottlingException, AccessDeniedException
  std::string message;      // the service's message
  int http_status = 0;      // 0 when the call never got a response (transport)
  std::string request_id;
  std::string service;      // signing name
  std::string operation;
  bool retryable = false;   // after standard-mode classification
  bool throttling = false;
  Outcome outcome = Outcome::NotDone;   // set by the service client over every attempt of the call

  AwsError(std::string code_, std::string message_, int http_status_, std::string request_id_ = {},
           std::string service_ = {}, std::string operation_ = {});

  // Unknown outcome, or a 5xx however the error was made (a publisher double may throw one directly).
  bool outcome_unknown() const { return outcome == Outcome::Unknown || outcome_of_status(http_status) == Outcome::Unknown; }
};

// The call got no HTTP answer at all (its last attempt: timeout, reset, DNS, connect). http_status is 0;
// outcome says whether any attempt may have reached the service.
struct NoResponseError : AwsError {
  using AwsError::AwsError;
};

}  // namespace pingwatch::aws
