#pragma once
// awsQuery codec pieces: the form body, list/map flattening, ISO-8601 timestamps, XML reply readers.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "aws/credentials.h"
#include "aws/service_client.h"

namespace pingwatch::aws::query_protocol {

inline constexpr const char* kContentType = "application/x-www-form-urlencoded; charset=utf-8";

// "Action=<op>&Version=<v>&k=v&..." with keys and values percent-encoded (aws::uri_encode: RFC 3986).
std::string encode_body(const std::string& operation, const std::string& version, const QueryParams& params);
// Inverse of encode_body (order kept). For tests and the local stack.
QueryParams decode_form(std::string_view body);

// ISO-8601 UTC as botocore sends it: 2024-04-12T08:27:00Z, or with .mmm when the time has milliseconds.
std::string format_iso8601(SystemTime t);
// Accepts 2024-04-12T08:27:00Z, 2024-04-12T08:27:00.123Z, 2024-04-12T08:27:00.123+00:00.
std::optional<SystemTime> parse_iso8601(std::string_view text);
// Double as the SDKs write it into a form: shortest text that round-trips ("1", "0.5", "1e+300").
std::string format_double(double value);

// Builds flattened params: prefix "Dimensions.member" + index (1-based).
class ParamsBuilder {
 public:
  ParamsBuilder& add(std::string key, std::string value);
  ParamsBuilder& add_if(std::string key, const std::string& value);   // skipped when empty
  ParamsBuilder& add_int(std::string key, long long value);
  ParamsBuilder& add_bool(std::string key, bool value);               // "true" | "false"
  // key.member.1=..., key.member.2=...; an empty list is sent as "key=" (an explicit empty list, as botocore does).
  ParamsBuilder& add_list(const std::string& key, const std::vector<std::string>& values);
  QueryParams& params() { return params_; }
  QueryParams take() { return std::move(params_); }
 private:
  QueryParams params_;
};

// XML readers (namespace-agnostic by local name). Missing child -> empty / nullopt.
std::string child_text(const pugi::xml_node& node, const char* name);
std::optional<double> child_double(const pugi::xml_node& node, const char* name);   // DecodeError if not a number
std::optional<long long> child_int(const pugi::xml_node& node, const char* name);
std::optional<bool> child_bool(const pugi::xml_node& node, const char* name);
std::optional<SystemTime> child_time(const pugi::xml_node& node, const char* name);
// <name><member>..</member>...</name>: the member nodes (also EC2's <item>).
std::vector<pugi::xml_node> members(const pugi::xml_node& node, const char* name, const char* member = "member");
std::vector<std::string> member_texts(const pugi::xml_node& node, const char* name, const char* member = "member");
// <name><entry><key/><value/></entry>...</name>
std::map<std::string, std::string> entry_map(const pugi::xml_node& node, const char* name);

}  // namespace pingwatch::aws::query_protocol
