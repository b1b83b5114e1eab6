#pragma once
// DynamoDB attribute values ({"S": "x"}, {"N": "1.5"}, {"M": {...}}, ...) as nlohmann::json: type, ordering,
// number arithmetic and item size, as DynamoDB defines them.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace pingwatch::local::dynamodb {

using Item = nlohmann::json;   // {"attr": <AttributeValue>, ...}

// "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"; throws ServiceError(ValidationException) when malformed.
std::string av_type(const nlohmann::json& value);
void validate_av(const nlohmann::json& value, const std::string& where);
// Canonical number text as DynamoDB returns it ("10.50" -> "10.5", "-0" -> "0"); throws on a non-number.
std::string normalize_number(const std::string& text);
// Numbers and strings in canonical form throughout (numbers normalised, sets de-duplicated).
nlohmann::json canonical_av(const nlohmann::json& value);

bool av_equal(const nlohmann::json& a, const nlohmann::json& b);
// -1/0/1 for two scalars of the same ordered type (N, S, B); nullopt when not comparable.
std::optional<int> av_compare(const nlohmann::json& a, const nlohmann::json& b);
std::string add_numbers(const std::string& a, const std::string& b, bool subtract = false);
std::string base64_decode(const std::string& text);

// DynamoDB's item size: attribute names plus values (UTF-8 bytes, numbers ~ digits/2 + 1, overheads).
std::size_t item_size(const Item& item);
std::size_t av_size(const nlohmann::json& value);

}  // namespace pingwatch::local::dynamodb
