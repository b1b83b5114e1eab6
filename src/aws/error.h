#pragma once
// One typed error for every failed AWS call: parsed from __type, x-amzn-query-error or ErrorResponse.
#include <stdexcept>
#include <string>

namespace pingwatch::aws {

struct AwsError : std::runtime_error {
  std::string code;         // e.g. ThrottlingException, AccessDeniedException
  std::string message;      // the service's message
  int http_status = 0;      // 0 when the call never got a response (transport)
  std::string request_id;
  std::string service;      // signing name
  std::string operation;
  bool retryable = false;   // after standard-mode classification
  bool throttling = false;

  AwsError(std::string code_, std::string message_, int http_status_, std::string request_id_ = {},
           std::string service_ = {}, std::string operation_ = {});
};

}  // namespace pingwatch::aws
