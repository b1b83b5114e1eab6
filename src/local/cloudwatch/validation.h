#pragma once
// CloudWatch's error codes and messages, as AWS writes them, in one place.
#include <string>
#include <vector>

#include "local/service.h"

namespace pingwatch::local::cloudwatch::errors {

[[noreturn]] inline void invalid_value(const std::string& message) {
  throw ServiceError(400, "InvalidParameterValue", message);
}
[[noreturn]] inline void invalid_combination(const std::string& message) {
  throw ServiceError(400, "InvalidParameterCombination", message);
}
[[noreturn]] inline void missing(const std::string& parameter) {
  throw ServiceError(400, "MissingParameter", "The parameter " + parameter + " is required.");
}
[[noreturn]] inline void validation(const std::string& message) { throw ServiceError(400, "ValidationError", message); }
[[noreturn]] inline void not_found(const std::string& message) { throw ServiceError(404, "ResourceNotFound", message); }

// Model-constraint failures are reported by the service framework as ValidationError, with the member
// named in lowerCamelCase: "1 validation error detected: Value '200' at 'maxRecords' failed to satisfy
// constraint: Member must have value less than or equal to 100".
[[noreturn]] inline void constraint(const std::string& value, const std::string& member, const std::string& constraint_text) {
  validation("1 validation error detected: Value '" + value + "' at '" + member + "' failed to satisfy constraint: " +
             constraint_text);
}

inline std::string list_text(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

inline std::string enum_text(const std::vector<std::string>& values) { return list_text(values); }

}  // namespace pingwatch::local::cloudwatch::errors
