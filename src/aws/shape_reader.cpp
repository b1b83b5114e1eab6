#include "aws/shape_reader.h"

#include <charconv>

#include "aws/error_parse.h"
#include "aws/json_protocol.h"
#include "aws/query_protocol.h"

namespace pingwatch::aws {

namespace jp = json_protocol;
namespace qp = query_protocol;
using nlohmann::json;

namespace {
pugi::xml_node xml_child(pugi::xml_node node, const char* name) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && std::string_view(c.name()) == name) return c;
  }
  return {};
}

double parse_double(const std::string& text, const char* name) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) {
    throw DecodeError(std::string("element ") + name + " holds \"" + text + "\", not a number");
  }
  return v;
}
}  // namespace

std::string ShapeReader::str(const char* name) const {
  return json_ != nullptr ? jp::get_string(*json_, name) : qp::child_text(xml_, name);
}

std::optional<double> ShapeReader::num(const char* name) const {
  return json_ != nullptr ? jp::get_number(*json_, name) : qp::child_double(xml_, name);
}

std::optional<long long> ShapeReader::integer(const char* name) const {
  return json_ != nullptr ? jp::get_integer(*json_, name) : qp::child_int(xml_, name);
}

std::optional<bool> ShapeReader::boolean(const char* name) const {
  return json_ != nullptr ? jp::get_bool(*json_, name) : qp::child_bool(xml_, name);
}

std::optional<SystemTime> ShapeReader::time(const char* name) const {
  return json_ != nullptr ? jp::get_timestamp(*json_, name) : qp::child_time(xml_, name);
}

std::vector<ShapeReader> ShapeReader::list(const char* name) const {
  std::vector<ShapeReader> out;
  if (json_ != nullptr) {
    for (const auto& item : jp::get_array(*json_, name)) {
      if (!item.is_object()) throw DecodeError(std::string("field ") + name + " should hold objects but holds " + item.type_name());
      out.emplace_back(item);
    }
  } else {
    for (const auto& m : qp::members(xml_, name)) out.emplace_back(m);
  }
  return out;
}

std::vector<std::string> ShapeReader::strings(const char* name) const {
  return json_ != nullptr ? jp::get_string_list(*json_, name) : qp::member_texts(xml_, name);
}

std::vector<double> ShapeReader::numbers(const char* name) const {
  std::vector<double> out;
  if (json_ != nullptr) {
    for (const auto& v : jp::get_array(*json_, name)) {
      if (!v.is_number()) throw DecodeError(std::string("field ") + name + " should hold numbers but holds " + v.type_name());
      out.push_back(v.get<double>());
    }
  } else {
    for (const auto& text : qp::member_texts(xml_, name)) out.push_back(parse_double(text, name));
  }
  return out;
}

std::vector<SystemTime> ShapeReader::times(const char* name) const {
  std::vector<SystemTime> out;
  if (json_ != nullptr) {
    for (const auto& v : jp::get_array(*json_, name)) {
      json holder{{"t", v}};
      out.push_back(*jp::get_timestamp(holder, "t"));
    }
  } else {
    for (const auto& text : qp::member_texts(xml_, name)) {
      auto t = qp::parse_iso8601(text);
      if (!t) throw DecodeError(std::string("element ") + name + " holds \"" + text + "\", not a timestamp");
      out.push_back(*t);
    }
  }
  return out;
}

std::map<std::string, double> ShapeReader::number_map(const char* name) const {
  std::map<std::string, double> out;
  if (json_ != nullptr) {
    auto it = json_->find(name);
    if (it == json_->end() || it->is_null()) return out;
    if (!it->is_object()) throw DecodeError(std::string("field ") + name + " should be an object");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_number()) throw DecodeError(std::string("field ") + name + "." + k + " should be a number");
      out[k] = v.get<double>();
    }
  } else {
    for (const auto& [k, v] : qp::entry_map(xml_, name)) out[k] = parse_double(v, name);
  }
  return out;
}

std::optional<ShapeReader> ShapeReader::object(const char* name) const {
  if (json_ != nullptr) {
    auto it = json_->find(name);
    if (it == json_->end() || it->is_null()) return std::nullopt;
    if (!it->is_object()) throw DecodeError(std::string("field ") + name + " should be an object");
    return ShapeReader(*it);
  }
  pugi::xml_node c = xml_child(xml_, name);
  if (!c) return std::nullopt;
  return ShapeReader(c);
}

namespace {
void flatten(const json& value, const std::string& prefix, QueryParams& out) {
  switch (value.type()) {
    case json::value_t::object:
      for (const auto& [k, v] : value.items()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
      break;
    case json::value_t::array:
      if (value.empty()) {
        out.emplace_back(prefix, "");
      } else {
        for (size_t i = 0; i < value.size(); ++i) flatten(value[i], prefix + ".member." + std::to_string(i + 1), out);
      }
      break;
    case json::value_t::string: out.emplace_back(prefix, value.get<std::string>()); break;
    case json::value_t::boolean: out.emplace_back(prefix, value.get<bool>() ? "true" : "false"); break;
    case json::value_t::number_integer: out.emplace_back(prefix, std::to_string(value.get<long long>())); break;
    case json::value_t::number_unsigned: out.emplace_back(prefix, std::to_string(value.get<unsigned long long>())); break;
    case json::value_t::number_float: out.emplace_back(prefix, qp::format_double(value.get<double>())); break;
    case json::value_t::null:
    case json::value_t::binary:
    case json::value_t::discarded: break;
  }
}
}  // namespace

QueryParams flatten_query_input(const json& input) {
  QueryParams out;
  flatten(input, "", out);
  return out;
}

}  // namespace pingwatch::aws
