#include "aws/query_protocol.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>

#include "aws/error_parse.h"
#include "core/civil_time.h"
#include "aws/url_parts.h"

namespace pingwatch::aws::query_protocol {

std::string encode_body(const std::string& operation, const std::string& version, const QueryParams& params) {
  std::string body;
  body.reserve(64 + params.size() * 48);
  body += "Action=";
  body += uri_encode(operation);
  body += "&Version=";
  body += uri_encode(version);
  for (const auto& [key, value] : params) {
    body += '&';
    body += uri_encode(key);
    body += '=';
    body += uri_encode(value);
  }
  return body;
}

QueryParams decode_form(std::string_view body) {
  QueryParams out;
  for (const QueryPiece& piece : query_pieces(body)) {
    out.emplace_back(form_decode(piece.name), form_decode(piece.value));
  }
  return out;
}

std::string format_iso8601(SystemTime t) {
  const auto ms_total = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  long long secs = ms_total / 1000;
  long long ms = ms_total % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  if (ms == 0) {
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  } else {
    char base[32];
    std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf, sizeof buf, "%s.%03lldZ", base, ms);
  }
  return buf;
}

std::optional<SystemTime> parse_iso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff...][Z|+hh:mm|-hh:mm]
  if (text.size() < 19) return std::nullopt;
  auto num = [&](size_t pos, size_t len, int& out) {
    const char* b = text.data() + pos;
    auto [p, ec] = std::from_chars(b, b + len, out);
    return ec == std::errc() && p == b + len;
  };
  int year, mon, day, hour, min, sec;
  if (!num(0, 4, year) || text[4] != '-' || !num(5, 2, mon) || text[7] != '-' || !num(8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !num(11, 2, hour) || text[13] != ':' ||
      !num(14, 2, min) || text[16] != ':' || !num(17, 2, sec)) {
    return std::nullopt;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return std::nullopt;
  size_t pos = 19;
  long long micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int d = digits; d < 6; ++d) micros *= 10;
  }
  long long offset_seconds = 0;
  if (pos < text.size()) {
    if (text[pos] == 'Z' || text[pos] == 'z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      const int sign = text[pos] == '-' ? -1 : 1;
      int oh = 0, om = 0;
      if (pos + 6 > text.size() || !num(pos + 1, 2, oh) || text[pos + 3] != ':' || !num(pos + 4, 2, om)) {
        if (pos + 5 <= text.size() && num(pos + 1, 2, oh) && num(pos + 3, 2, om)) {
          pos += 5;
        } else {
          return std::nullopt;
        }
      } else {
        pos += 6;
      }
      offset_seconds = sign * (oh * 3600LL + om * 60LL);
    }
  }
  if (pos != text.size()) return std::nullopt;
  const long long epoch = core::utc_epoch_seconds(year, mon, day, hour, min, sec) - offset_seconds;
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::seconds(epoch) +
                                                                     std::chrono::microseconds(micros)));
}

std::string format_double(double value) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buf, p);
}

ParamsBuilder& ParamsBuilder::add(std::string key, std::string value) {
  params_.emplace_back(std::move(key), std::move(value));
  return *this;
}
ParamsBuilder& ParamsBuilder::add_if(std::string key, const std::string& value) {
  if (!value.empty()) params_.emplace_back(std::move(key), value);
  return *this;
}
ParamsBuilder& ParamsBuilder::add_int(std::string key, long long value) {
  return add(std::move(key), std::to_string(value));
}
ParamsBuilder& ParamsBuilder::add_bool(std::string key, bool value) {
  return add(std::move(key), value ? "true" : "false");
}
ParamsBuilder& ParamsBuilder::add_list(const std::string& key, const std::vector<std::string>& values) {
  if (values.empty()) return add(key, "");
  for (size_t i = 0; i < values.size(); ++i) add(key + ".member." + std::to_string(i + 1), values[i]);
  return *this;
}

namespace {
pugi::xml_node child_named(const pugi::xml_node& node, const char* name) {
  // Services send a default xmlns, so names are unprefixed; compare local names to be safe with prefixes too.
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const char* n = c.name();
    const char* colon = std::strchr(n, ':');
    if (std::strcmp(colon != nullptr ? colon + 1 : n, name) == 0) return c;
  }
  return {};
}
}  // namespace

std::string child_text(const pugi::xml_node& node, const char* name) {
  return child_named(node, name).text().as_string();
}

std::optional<double> child_double(const pugi::xml_node& node, const char* name) {
  pugi::xml_node c = child_named(node, name);
  if (!c) return std::nullopt;
  const std::string text = c.text().as_string();
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
    if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
      return text == "NaN" ? std::numeric_limits<double>::quiet_NaN()
                           : (text[0] == '-' ? -std::numeric_limits<double>::infinity()
                                             : std::numeric_limits<double>::infinity());
    }
    throw DecodeError(std::string("element ") + name + " is not a number: \"" + text + "\"");
  }
  return v;
}

std::optional<long long> child_int(const pugi::xml_node& node, const char* name) {
  pugi::xml_node c = child_named(node, name);
  if (!c) return std::nullopt;
  const std::string text = c.text().as_string();
  long long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
    throw DecodeError(std::string("element ") + name + " is not an integer: \"" + text + "\"");
  }
  return v;
}

std::optional<bool> child_bool(const pugi::xml_node& node, const char* name) {
  pugi::xml_node c = child_named(node, name);
  if (!c) return std::nullopt;
  const std::string text = c.text().as_string();
  if (text == "true") return true;
  if (text == "false") return false;
  throw DecodeError(std::string("element ") + name + " is not a boolean: \"" + text + "\"");
}

std::optional<SystemTime> child_time(const pugi::xml_node& node, const char* name) {
  pugi::xml_node c = child_named(node, name);
  if (!c) return std::nullopt;
  const std::string text = c.text().as_string();
  auto t = parse_iso8601(text);
  if (!t) throw DecodeError(std::string("element ") + name + " is not an ISO-8601 timestamp: \"" + text + "\"");
  return t;
}

std::vector<pugi::xml_node> members(const pugi::xml_node& node, const char* name, const char* member) {
  std::vector<pugi::xml_node> out;
  pugi::xml_node list = child_named(node, name);
  if (!list) return out;
  for (pugi::xml_node c = list.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const char* n = c.name();
    const char* colon = std::strchr(n, ':');
    if (std::strcmp(colon != nullptr ? colon + 1 : n, member) == 0) out.push_back(c);
  }
  return out;
}

std::vector<std::string> member_texts(const pugi::xml_node& node, const char* name, const char* member) {
  std::vector<std::string> out;
  for (const auto& m : members(node, name, member)) out.emplace_back(m.text().as_string());
  return out;
}

std::map<std::string, std::string> entry_map(const pugi::xml_node& node, const char* name) {
  std::map<std::string, std::string> out;
  for (const auto& e : members(node, name, "entry")) out[child_text(e, "key")] = child_text(e, "value");
  return out;
}

}  // namespace pingwatch::aws::query_protocol
