#pragma once
// awsJson1_0 / awsJson1_1 codec pieces: body encoding, reply decoding, timestamps, checked field readers.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/credentials.h"
#include "aws/service_client.h"

namespace pingwatch::aws::json_protocol {

std::string content_type(Protocol protocol);   // application/x-amz-json-1.0 | -1.1

// Serialises the input; invalid UTF-8 in a string throws std::invalid_argument naming the operation.
std::string encode_body(const nlohmann::json& input, const std::string& operation);

// Empty body -> {}. Not JSON or not an object -> DecodeError saying what was wrong.
nlohmann::json decode_body(const std::string& body);

// JSON protocols send timestamps as epoch seconds (fractions allowed).
double to_epoch_seconds(SystemTime t);
SystemTime from_epoch_seconds(double seconds);

// Checked readers: absent/null -> default; present with the wrong type -> DecodeError naming the field.
std::string get_string(const nlohmann::json& object, std::string_view field);
std::optional<std::string> get_optional_string(const nlohmann::json& object, std::string_view field);
std::optional<double> get_number(const nlohmann::json& object, std::string_view field);
std::optional<long long> get_integer(const nlohmann::json& object, std::string_view field);
std::optional<bool> get_bool(const nlohmann::json& object, std::string_view field);
// Timestamps: epoch-seconds numbers (JSON protocols); ISO-8601 strings are accepted too.
std::optional<SystemTime> get_timestamp(const nlohmann::json& object, std::string_view field);
std::vector<std::string> get_string_list(const nlohmann::json& object, std::string_view field);
// An array field (empty json array when absent); DecodeError when present and not an array.
const nlohmann::json& get_array(const nlohmann::json& object, std::string_view field);

}  // namespace pingwatch::aws::json_protocol
