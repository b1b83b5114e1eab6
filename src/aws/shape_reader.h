#pragma once
// One decoder for two wire formats: a read-only view over either a JSON object (awsJson replies) or an
// XML element (awsQuery replies), so a shape like MetricAlarm is decoded by one function for both
// CloudWatch protocols. Missing fields read as empty/nullopt; present-but-wrong fields throw DecodeError.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "aws/credentials.h"
#include "aws/service_client.h"

namespace pingwatch::aws {

class ShapeReader {
 public:
  explicit ShapeReader(const nlohmann::json& object) : json_(&object) {}
  explicit ShapeReader(pugi::xml_node node) : xml_(node) {}

  std::string str(const char* name) const;
  std::optional<double> num(const char* name) const;
  std::optional<long long> integer(const char* name) const;
  std::optional<bool> boolean(const char* name) const;
  std::optional<SystemTime> time(const char* name) const;
  std::vector<ShapeReader> list(const char* name) const;            // list of structures
  std::vector<std::string> strings(const char* name) const;
  std::vector<double> numbers(const char* name) const;
  std::vector<SystemTime> times(const char* name) const;
  std::map<std::string, double> number_map(const char* name) const;   // JSON object / XML entry key+value
  std::optional<ShapeReader> object(const char* name) const;

 private:
  const nlohmann::json* json_ = nullptr;
  pugi::xml_node xml_;
};

// Flattens an awsQuery input built as JSON (the same JSON the awsJson protocol would send, with timestamps
// already as ISO-8601 strings): objects -> "Key.Sub", lists -> "Key.member.N" (an empty list -> "Key="),
// booleans -> true/false, integers as integers, doubles in shortest round-trip form.
QueryParams flatten_query_input(const nlohmann::json& input);

}  // namespace pingwatch::aws
