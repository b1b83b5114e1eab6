#pragma once
// Input constraints as AWS's query services check them (botocore's sts model: min/max/pattern), reported the
// way STS reports them: ValidationError "1 validation error detected: Value '899' at 'durationSeconds' failed to
// satisfy constraint: Member must have value greater than or equal to 900" (several joined by "; ").
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pingwatch::local::sts {

// A model pattern: the text AWS shows in its message, and the test of a whole value against it.
struct Pattern {
  std::string shown;
  std::function<bool(const std::string&)> matches;
  static Pattern regex(const std::string& pattern);   // a pattern std::regex can check as written
};

class InputCheck {
 public:
  explicit InputCheck(const std::map<std::string, std::string>& params) : params_(params) {}
  // A string member: `name` is the wire name (RoleSessionName), its message name is lowerCamel (roleSessionName).
  // `pattern` is the model's pattern, matched against the whole value. Returns the value if present.
  std::optional<std::string> text(const std::string& name, bool required, std::size_t min, std::size_t max,
                                  const std::optional<Pattern>& pattern = std::nullopt);
  // An integer member with the model's range; a value that is not an integer is reported too.
  std::optional<long long> integer(const std::string& name, long long min, long long max);
  // Throws ServiceError 400 ValidationError listing every violation found so far, if any.
  void throw_if_invalid() const;
 private:
  void violation(const std::string& name, const std::optional<std::string>& value, const std::string& constraint);
  const std::map<std::string, std::string>& params_;
  std::vector<std::string> errors_;
};

std::string member_name(const std::string& wire_name);   // RoleSessionName -> roleSessionName

}  // namespace pingwatch::local::sts
