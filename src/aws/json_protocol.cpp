#include "aws/json_protocol.h"

#include <cmath>
#include <stdexcept>

#include "aws/error_parse.h"
#include "aws/query_protocol.h"

namespace pingwatch::aws::json_protocol {

using nlohmann::json;

std::string content_type(Protocol protocol) {
  return protocol == Protocol::Json10 ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
}

std::string encode_body(const json& input, const std::string& operation) {
  try {
    // Strict: a string that is not UTF-8 must not reach the wire (the signature would cover garbage).
    return input.is_null() ? std::string("{}") : input.dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::type_error& e) {
    throw std::invalid_argument(operation + ": request contains a string that is not valid UTF-8 (" + e.what() +
                                "); fix the input value");
  }
}

json decode_body(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    throw DecodeError("reply body is not valid JSON (first bytes: \"" + body.substr(0, 60) + "\")");
  }
  if (!parsed.is_object()) throw DecodeError(std::string("reply body is JSON ") + parsed.type_name() + ", not an object");
  return parsed;
}

double to_epoch_seconds(SystemTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return static_cast<double>(ms) / 1000.0;
}

SystemTime from_epoch_seconds(double seconds) {
  const auto ms = static_cast<long long>(std::llround(seconds * 1000.0));
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::milliseconds(ms)));
}

namespace {
const json* find_field(const json& object, std::string_view field) {
  if (!object.is_object()) throw DecodeError("expected a JSON object holding field " + std::string(field));
  auto it = object.find(std::string(field));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void wrong_type(std::string_view field, const char* expected, const json& value) {
  throw DecodeError("field " + std::string(field) + " should be " + expected + " but is " + value.type_name());
}
}  // namespace

std::string get_string(const json& object, std::string_view field) {
  return get_optional_string(object, field).value_or(std::string());
}

std::optional<std::string> get_optional_string(const json& object, std::string_view field) {
  const json* v = find_field(object, field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) wrong_type(field, "a string", *v);
  return v->get<std::string>();
}

std::optional<double> get_number(const json& object, std::string_view field) {
  const json* v = find_field(object, field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number()) wrong_type(field, "a number", *v);
  return v->get<double>();
}

std::optional<long long> get_integer(const json& object, std::string_view field) {
  const json* v = find_field(object, field);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<long long>();
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::trunc(d) == d) return static_cast<long long>(d);
  }
  wrong_type(field, "an integer", *v);
}

std::optional<bool> get_bool(const json& object, std::string_view field) {
  const json* v = find_field(object, field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) wrong_type(field, "a boolean", *v);
  return v->get<bool>();
}

std::optional<SystemTime> get_timestamp(const json& object, std::string_view field) {
  const json* v = find_field(object, field);
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) return from_epoch_seconds(v->get<double>());
  if (v->is_string()) {
    auto t = query_protocol::parse_iso8601(v->get_ref<const std::string&>());
    if (!t) throw DecodeError("field " + std::string(field) + " is not a timestamp: \"" + v->get<std::string>() + "\"");
    return t;
  }
  wrong_type(field, "a timestamp (epoch seconds)", *v);
}

std::vector<std::string> get_string_list(const json& object, std::string_view field) {
  std::vector<std::string> out;
  for (const auto& item : get_array(object, field)) {
    if (!item.is_string()) throw DecodeError("field " + std::string(field) + " should hold strings but holds " + item.type_name());
    out.push_back(item.get<std::string>());
  }
  return out;
}

const json& get_array(const json& object, std::string_view field) {
  static const json empty = json::array();
  const json* v = find_field(object, field);
  if (v == nullptr) return empty;
  if (!v->is_array()) wrong_type(field, "an array", *v);
  return *v;
}

}  // namespace pingwatch::aws::json_protocol
