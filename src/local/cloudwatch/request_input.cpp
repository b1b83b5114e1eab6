#include "local/cloudwatch/request_input.h"

#include <cmath>
#include <cstdlib>
#include <string_view>

#include "local/cloudwatch/formatting.h"
#include "local/service.h"

namespace pingwatch::local::cloudwatch {
namespace {

const Json& empty_object() {
  static const Json value = Json::object();
  return value;
}

std::vector<std::string> split_dots(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

[[noreturn]] void validation(const std::string& message) { throw ServiceError(400, "ValidationError", message); }

}  // namespace

Json query_params_to_json(const std::map<std::string, std::string>& params) {
  Json root = Json::object();
  for (const auto& [key, value] : params) {
    if (key == "Action" || key == "Version") continue;
    auto parts = split_dots(key);
    Json* node = &root;
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string& part = parts[i];
      bool last = i + 1 == parts.size();
      bool list_marker = (part == "member" || part == "entry") && i + 1 < parts.size() && all_digits(parts[i + 1]);
      if (list_marker) {
        // node is a list; the next part is the 1-based index.
        if (!node->is_array()) *node = Json::array();
        size_t index = std::strtoul(parts[i + 1].c_str(), nullptr, 10);
        if (index == 0 || index > 100000) break;   // not a list position a client sends
        while (node->size() < index) node->push_back(nullptr);
        node = &(*node)[index - 1];
        ++i;
        if (i + 1 == parts.size()) *node = value;   // list of scalars
        else if (!node->is_object()) *node = Json::object();
        continue;
      }
      if (!node->is_object()) *node = Json::object();
      if (last) {
        // "AlarmNames=" with an empty value is how query spells an empty list; keep it as "".
        if (!node->contains(part)) (*node)[part] = value;
      } else {
        node = &(*node)[part];
      }
    }
  }
  return root;
}

std::optional<double> parse_number(const Json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  std::string text = value.get<std::string>();
  if (text == "NaN" || text == "nan") return std::nan("");
  if (text == "Infinity" || text == "inf" || text == "+Infinity") return HUGE_VAL;
  if (text == "-Infinity" || text == "-inf") return -HUGE_VAL;
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return number;
}

InputObject::InputObject(const Json& object, std::string where_prefix)
    : object_(object.is_object() ? &object : &empty_object()), prefix_(std::move(where_prefix)) {}

const Json* InputObject::field(const std::string& key) const {
  auto it = object_->find(key);
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

std::string InputObject::path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

std::string InputObject::list_path(const std::string& key, size_t index0) const {
  return path(key) + ".member." + std::to_string(index0 + 1);
}

bool InputObject::has(const std::string& key) const { return field(key) != nullptr; }

std::optional<std::string> InputObject::string(const std::string& key) const {
  const Json* v = field(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number() || v->is_boolean()) return v->dump();
  validation("1 validation error detected: Value at '" + path(key) + "' failed to satisfy constraint: Member must be a string");
}

std::optional<double> InputObject::number(const std::string& key) const {
  const Json* v = field(key);
  if (!v) return std::nullopt;
  auto n = parse_number(*v);
  if (!n) throw ServiceError(400, "InvalidParameterValue", "The value " + (v->is_string() ? v->get<std::string>() : v->dump()) + " for parameter " + path(key) + " is invalid.");
  return n;
}

std::optional<long long> InputObject::integer(const std::string& key) const {
  const Json* v = field(key);
  if (!v) return std::nullopt;
  auto n = parse_number(*v);
  if (!n || !std::isfinite(*n) || std::floor(*n) != *n || std::fabs(*n) > 9.2e18)
    throw ServiceError(400, "InvalidParameterValue", "The value " + (v->is_string() ? v->get<std::string>() : v->dump()) + " for parameter " + path(key) + " is invalid.");
  return static_cast<long long>(*n);
}

std::optional<bool> InputObject::boolean(const std::string& key) const {
  const Json* v = field(key);
  if (!v) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) {
    auto s = v->get<std::string>();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  throw ServiceError(400, "InvalidParameterValue", "The value " + (v->is_string() ? v->get<std::string>() : v->dump()) + " for parameter " + path(key) + " is invalid.");
}

std::optional<double> InputObject::timestamp(const std::string& key) const {
  const Json* v = field(key);
  if (!v) return std::nullopt;
  std::optional<double> t;
  if (v->is_number()) t = v->get<double>();
  else if (v->is_string()) t = parse_timestamp(v->get<std::string>());
  if (!t) throw ServiceError(400, "InvalidParameterValue", "The value " + (v->is_string() ? v->get<std::string>() : v->dump()) + " for parameter " + path(key) + " is invalid.");
  return t;
}

bool InputObject::list_present(const std::string& key) const { return field(key) != nullptr; }

size_t InputObject::list_size(const std::string& key) const {
  const Json* v = field(key);
  if (!v || !v->is_array()) return 0;
  return v->size();
}

std::vector<InputObject> InputObject::objects(const std::string& key) const {
  std::vector<InputObject> out;
  const Json* v = field(key);
  if (!v || !v->is_array()) return out;
  for (size_t i = 0; i < v->size(); ++i) out.emplace_back((*v)[i], list_path(key, i));
  return out;
}

std::vector<std::string> InputObject::strings(const std::string& key) const {
  std::vector<std::string> out;
  const Json* v = field(key);
  if (!v || !v->is_array()) return out;
  for (const auto& item : *v) {
    if (item.is_string()) out.push_back(item.get<std::string>());
    else if (!item.is_null()) out.push_back(item.dump());
  }
  return out;
}

std::vector<double> InputObject::numbers(const std::string& key) const {
  std::vector<double> out;
  const Json* v = field(key);
  if (!v || !v->is_array()) return out;
  for (size_t i = 0; i < v->size(); ++i) {
    auto n = parse_number((*v)[i]);
    if (!n) throw ServiceError(400, "InvalidParameterValue", "The value " + (*v)[i].dump() + " for parameter " + list_path(key, i) + " is invalid.");
    out.push_back(*n);
  }
  return out;
}

InputObject InputObject::object(const std::string& key) const {
  const Json* v = field(key);
  return InputObject(v ? *v : empty_object(), path(key));
}

std::optional<double> newest_timestamp(const InputObject& in, const std::string& list, const std::string& field) {
  std::optional<double> newest;
  for (const auto& member : in.objects(list))
    if (auto t = member.timestamp(field); t && (!newest || *t > *newest)) newest = t;
  return newest;
}

}  // namespace pingwatch::local::cloudwatch
