#include "local/sts/validation.h"

#include <cctype>
#include <memory>
#include <regex>

#include "local/service.h"

namespace pingwatch::local::sts {

Pattern Pattern::regex(const std::string& pattern) {
  auto compiled = std::make_shared<std::regex>(pattern);
  return Pattern{pattern, [compiled](const std::string& value) { return std::regex_match(value, *compiled); }};
}

std::string member_name(const std::string& wire_name) {
  std::string out = wire_name;
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

void InputCheck::violation(const std::string& name, const std::optional<std::string>& value,
                           const std::string& constraint) {
  errors_.push_back("Value " + (value ? "'" + *value + "'" : std::string("null")) + " at '" + member_name(name) +
                    "' failed to satisfy constraint: Member must " + constraint);
}

std::optional<std::string> InputCheck::text(const std::string& name, bool required, std::size_t min, std::size_t max,
                                            const std::optional<Pattern>& pattern) {
  const auto it = params_.find(name);
  if (it == params_.end()) {
    if (required) violation(name, std::nullopt, "not be null");
    return std::nullopt;
  }
  const std::string& value = it->second;
  if (value.size() < min) {
    violation(name, value, "have length greater than or equal to " + std::to_string(min));
  } else if (value.size() > max) {
    violation(name, value, "have length less than or equal to " + std::to_string(max));
  } else if (pattern && !pattern->matches(value)) {
    violation(name, value, "satisfy regular expression pattern: " + pattern->shown);
  }
  return value;
}

std::optional<long long> InputCheck::integer(const std::string& name, long long min, long long max) {
  const auto it = params_.find(name);
  if (it == params_.end()) return std::nullopt;
  const std::string& value = it->second;
  std::size_t used = 0;
  long long number = 0;
  try {
    number = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size()) {
    violation(name, value, "be a number");
    return std::nullopt;
  }
  if (number < min) violation(name, value, "have value greater than or equal to " + std::to_string(min));
  else if (number > max) violation(name, value, "have value less than or equal to " + std::to_string(max));
  return number;
}

void InputCheck::throw_if_invalid() const {
  if (errors_.empty()) return;
  std::string message = std::to_string(errors_.size()) + (errors_.size() == 1 ? " validation error" : " validation errors") +
                        " detected: ";
  for (std::size_t i = 0; i < errors_.size(); ++i) message += (i ? "; " : "") + errors_[i];
  throw ServiceError(400, "ValidationError", message);
}

}  // namespace pingwatch::local::sts
