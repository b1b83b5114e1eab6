#pragma once
// One input shape for both wire protocols. awsQuery parameters (MetricData.member.1.Dimensions.member.1.Name=…)
// become the same JSON tree the JSON 1.0 protocol sends ({"MetricData":[{"Dimensions":[{"Name":…}]}]}),
// so every operation reads its input once. Leaves from query stay strings; the typed readers below accept
// both spellings (1.0 or "1.0", epoch seconds or ISO 8601).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pingwatch::local::cloudwatch {

using Json = nlohmann::json;

// Query form parameters (Action/Version removed or not) into the JSON input tree.
Json query_params_to_json(const std::map<std::string, std::string>& params);

// Readers over one object of the input tree. `where` is the parameter's query-style path
// ("MetricData.member.1.Value"), used in error messages as AWS writes them.
class InputObject {
 public:
  InputObject(const Json& object, std::string where_prefix);
  bool has(const std::string& key) const;
  std::optional<std::string> string(const std::string& key) const;
  std::optional<double> number(const std::string& key) const;      // ValidationError when not a number
  std::optional<long long> integer(const std::string& key) const;  // ValidationError when not an integer
  std::optional<bool> boolean(const std::string& key) const;
  std::optional<double> timestamp(const std::string& key) const;   // epoch seconds, as the client sent it
  // List members; an absent list is empty (query sends "Key=" for an explicitly empty list).
  std::vector<InputObject> objects(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key) const;
  std::vector<double> numbers(const std::string& key) const;
  bool list_present(const std::string& key) const;
  size_t list_size(const std::string& key) const;
  InputObject object(const std::string& key) const;
  std::string path(const std::string& key) const;   // "MetricData.member.1.Value"
  std::string list_path(const std::string& key, size_t index0) const;  // "MetricData.member.3"
  const Json& raw() const { return *object_; }

 private:
  const Json* field(const std::string& key) const;
  const Json* object_;
  std::string prefix_;
};

// The newest `field` timestamp among the `list` members (PutMetricData's MetricData[].Timestamp): the one a
// request's clock is judged by (SimClock::client_times). Nothing when no member carries one.
std::optional<double> newest_timestamp(const InputObject& in, const std::string& list, const std::string& field);

// Parses a number the way both protocols may spell it: 1, 1.5, "1.5", "NaN", "Infinity", "-Infinity".
std::optional<double> parse_number(const Json& value);

}  // namespace pingwatch::local::cloudwatch
