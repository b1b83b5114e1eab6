#include "aws/error.h"

#include <utility>

namespace pingwatch::aws {

namespace {
std::string describe(const std::string& code, const std::string& message, int status) {
  std::string text = code.empty() ? "AWS error" : code;
  if (status != 0) text += " (HTTP " + std::to_string(status) + ")";
  if (!message.empty()) text += ": " + message;
  return text;
}
}  // namespace

AwsError::AwsError(std::string code_, std::string message_, int http_status_, std::string request_id_,
                   std::string service_, std::string operation_)
    : std::runtime_error(describe(code_, message_, http_status_)),
      code(std::move(code_)),
      message(std::move(message_)),
      http_status(http_status_),
      request_id(std::move(request_id_)),
      service(std::move(service_)),
      operation(std::move(operation_)) {}

}  // namespace pingwatch::aws

namespace pingwatch::aws {

Outcome outcome_of_status(int http_status) {
  return http_status >= 500 ? Outcome::Unknown : Outcome::NotDone;
}

}  // namespace pingwatch::aws
