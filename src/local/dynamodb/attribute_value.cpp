#include "local/dynamodb/attribute_value.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "local/service.h"

namespace pingwatch::local::dynamodb {

namespace {

[[noreturn]] void invalid(const std::string& message) { throw ServiceError(400, "com.amazonaws.dynamodb.v20120810#ValidationException", message); }

const std::set<std::string>& known_types() {
  static const std::set<std::string> t{"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};
  return t;
}

struct Decimal {   // sign, digits without leading zeros, exponent: value = digits * 10^exp
  bool negative = false;
  std::string digits;
  long exp = 0;
};

Decimal parse_decimal(const std::string& text) {
  Decimal d;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) d.negative = text[i++] == '-';
  bool any = false, dot = false;
  long frac = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      d.digits += c;
      any = true;
      if (dot) ++frac;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  long e = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) eneg = text[i++] == '-';
    if (i >= text.size()) invalid("A value provided cannot be converted into a number");
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) e = e * 10 + (text[i] - '0');
    if (eneg) e = -e;
  }
  if (!any || i != text.size()) invalid("A value provided cannot be converted into a number");
  d.exp = e - frac;
  const auto first = d.digits.find_first_not_of('0');
  if (first == std::string::npos) return Decimal{false, "0", 0};
  d.digits.erase(0, first);
  while (d.digits.size() > 1 && d.digits.back() == '0') {
    d.digits.pop_back();
    ++d.exp;
  }
  if (d.digits.size() > 38) invalid("Attempting to store more than 38 significant digits in a Number");
  return d;
}

std::string render(const Decimal& d) {
  if (d.digits == "0") return "0";
  std::string s;
  if (d.exp >= 0) {
    s = d.digits + std::string(static_cast<std::size_t>(d.exp), '0');
  } else {
    const long point = static_cast<long>(d.digits.size()) + d.exp;
    if (point > 0) s = d.digits.substr(0, static_cast<std::size_t>(point)) + "." + d.digits.substr(static_cast<std::size_t>(point));
    else s = "0." + std::string(static_cast<std::size_t>(-point), '0') + d.digits;
  }
  return d.negative ? "-" + s : s;
}

// Compare magnitudes of two normalised decimals.
int compare_magnitude(const Decimal& a, const Decimal& b) {
  if (a.digits == "0" || b.digits == "0") return a.digits == "0" ? (b.digits == "0" ? 0 : -1) : 1;
  const long ea = static_cast<long>(a.digits.size()) + a.exp, eb = static_cast<long>(b.digits.size()) + b.exp;
  if (ea != eb) return ea < eb ? -1 : 1;
  const std::size_t n = std::max(a.digits.size(), b.digits.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char ca = i < a.digits.size() ? a.digits[i] : '0', cb = i < b.digits.size() ? b.digits[i] : '0';
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  return 0;
}

int compare_decimal(const Decimal& a, const Decimal& b) {
  const bool za = a.digits == "0", zb = b.digits == "0";
  const int sa = za ? 0 : (a.negative ? -1 : 1), sb = zb ? 0 : (b.negative ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  const int m = compare_magnitude(a, b);
  return sa < 0 ? -m : m;
}

// Align two decimals to the same exponent and add/subtract digit strings.
std::string digits_add(const std::string& a, const std::string& b) {
  std::string r;
  int carry = 0;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int s = carry;
    if (i < a.size()) s += a[a.size() - 1 - i] - '0';
    if (i < b.size()) s += b[b.size() - 1 - i] - '0';
    r += static_cast<char>('0' + s % 10);
    carry = s / 10;
  }
  std::reverse(r.begin(), r.end());
  return r;
}

std::string digits_sub(const std::string& a, const std::string& b) {   // a >= b
  std::string r;
  int borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    int s = (a[a.size() - 1 - i] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
    borrow = s < 0;
    if (s < 0) s += 10;
    r += static_cast<char>('0' + s);
  }
  std::reverse(r.begin(), r.end());
  return r;
}

}  // namespace

std::string normalize_number(const std::string& text) { return render(parse_decimal(text)); }

std::string add_numbers(const std::string& a_text, const std::string& b_text, bool subtract) {
  Decimal a = parse_decimal(a_text), b = parse_decimal(b_text);
  if (subtract && b.digits != "0") b.negative = !b.negative;
  const long e = std::min(a.exp, b.exp);
  std::string da = a.digits + std::string(static_cast<std::size_t>(a.exp - e), '0');
  std::string db = b.digits + std::string(static_cast<std::size_t>(b.exp - e), '0');
  Decimal r;
  r.exp = e;
  if (a.negative == b.negative || a.digits == "0" || b.digits == "0") {
    r.digits = digits_add(da, db);
    r.negative = a.digits == "0" ? b.negative : a.negative;
  } else {
    Decimal ma{false, da, 0}, mb{false, db, 0};
    ma.digits.erase(0, std::min(ma.digits.find_first_not_of('0'), ma.digits.size() - 1));
    mb.digits.erase(0, std::min(mb.digits.find_first_not_of('0'), mb.digits.size() - 1));
    if (compare_magnitude(ma, mb) >= 0) {
      r.digits = digits_sub(da.size() >= db.size() ? da : std::string(db.size() - da.size(), '0') + da, db);
      r.negative = a.negative;
    } else {
      r.digits = digits_sub(db.size() >= da.size() ? db : std::string(da.size() - db.size(), '0') + db, da);
      r.negative = b.negative;
    }
  }
  return normalize_number(render(r));
}

std::string av_type(const nlohmann::json& value) {
  // An AttributeValue is a structure in the model: a JSON string or number where it belongs does not deserialize
  // (the awsJson protocols' SerializationException), while an object of the wrong shape is DynamoDB's own refusal.
  if (!value.is_object()) {
    throw ServiceError(400, "com.amazon.coral.service#SerializationException", "Unexpected value type in payload");
  }
  if (value.size() != 1) {
    invalid("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  const std::string t = value.begin().key();
  if (!known_types().count(t)) invalid("Supplied AttributeValue has an unknown data type: " + t);
  return t;
}

void validate_av(const nlohmann::json& value, const std::string& where) {
  const std::string t = av_type(value);
  const auto& v = value.begin().value();
  auto bad = [&] { invalid("One or more parameter values were invalid: " + where + " has an invalid " + t + " value"); };
  if (t == "S" || t == "B") {
    if (!v.is_string()) bad();
  } else if (t == "N") {
    if (!v.is_string()) bad();
    normalize_number(v.get<std::string>());
  } else if (t == "BOOL") {
    if (!v.is_boolean()) bad();
  } else if (t == "NULL") {
    if (!v.is_boolean() || !v.get<bool>()) invalid("One or more parameter values were invalid: Null attribute value types must have the value of true");
  } else if (t == "M") {
    if (!v.is_object()) bad();
    for (const auto& [k, x] : v.items()) validate_av(x, where + "." + k);
  } else if (t == "L") {
    if (!v.is_array()) bad();
    for (const auto& x : v) validate_av(x, where + "[]");
  } else {   // SS NS BS
    if (!v.is_array()) bad();
    if (v.empty()) invalid("One or more parameter values were invalid: An string set  may not be empty");
    std::set<std::string> seen;
    for (const auto& x : v) {
      if (!x.is_string()) bad();
      const std::string s = t == "NS" ? normalize_number(x.get<std::string>()) : x.get<std::string>();
      if (!seen.insert(s).second) invalid("One or more parameter values were invalid: Input collection " + v.dump() + " contains duplicates.");
    }
  }
}

nlohmann::json canonical_av(const nlohmann::json& value) {
  const std::string t = av_type(value);
  const auto& v = value.begin().value();
  if (t == "N") return {{"N", normalize_number(v.get<std::string>())}};
  if (t == "NS") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : v) out.push_back(normalize_number(x.get<std::string>()));
    return {{"NS", out}};
  }
  if (t == "M") {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, x] : v.items()) out[k] = canonical_av(x);
    return {{"M", out}};
  }
  if (t == "L") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& x : v) out.push_back(canonical_av(x));
    return {{"L", out}};
  }
  return value;
}

std::string base64_decode(const std::string& text) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (unsigned char c : text) {
    if (c == '=') break;
    const auto p = chars.find(static_cast<char>(c));
    if (p == std::string::npos) continue;
    val = (val << 6) + static_cast<int>(p);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

bool av_equal(const nlohmann::json& a, const nlohmann::json& b) {
  const std::string ta = av_type(a), tb = av_type(b);
  if (ta != tb) return false;
  const auto& va = a.begin().value();
  const auto& vb = b.begin().value();
  if (ta == "N") return compare_decimal(parse_decimal(va.get<std::string>()), parse_decimal(vb.get<std::string>())) == 0;
  if (ta == "SS" || ta == "BS" || ta == "NS") {
    auto norm = [&](const nlohmann::json& v) {
      std::set<std::string> s;
      for (const auto& x : v) s.insert(ta == "NS" ? normalize_number(x.get<std::string>()) : x.get<std::string>());
      return s;
    };
    return norm(va) == norm(vb);
  }
  if (ta == "M") {
    if (va.size() != vb.size()) return false;
    for (const auto& [k, x] : va.items()) {
      if (!vb.contains(k) || !av_equal(x, vb.at(k))) return false;
    }
    return true;
  }
  if (ta == "L") {
    if (va.size() != vb.size()) return false;
    for (std::size_t i = 0; i < va.size(); ++i) {
      if (!av_equal(va[i], vb[i])) return false;
    }
    return true;
  }
  return va == vb;
}

std::optional<int> av_compare(const nlohmann::json& a, const nlohmann::json& b) {
  const std::string ta = av_type(a), tb = av_type(b);
  if (ta != tb) return std::nullopt;
  const auto& va = a.begin().value();
  const auto& vb = b.begin().value();
  if (ta == "N") return compare_decimal(parse_decimal(va.get<std::string>()), parse_decimal(vb.get<std::string>()));
  if (ta == "S") {
    const int c = va.get<std::string>().compare(vb.get<std::string>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (ta == "B") {
    const std::string x = base64_decode(va.get<std::string>()), y = base64_decode(vb.get<std::string>());
    // Binary compares as unsigned bytes.
    const int c = std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end(),
                                               [](char p, char q) { return static_cast<unsigned char>(p) < static_cast<unsigned char>(q); })
                      ? -1
                      : (x == y ? 0 : 1);
    return c;
  }
  return std::nullopt;
}

std::size_t av_size(const nlohmann::json& value) {
  const std::string t = av_type(value);
  const auto& v = value.begin().value();
  if (t == "S") return v.get<std::string>().size();
  if (t == "B") return base64_decode(v.get<std::string>()).size();
  if (t == "N") return (v.get<std::string>().size() + 1) / 2 + 1;
  if (t == "BOOL" || t == "NULL") return 1;
  std::size_t n = 3;
  if (t == "M") {
    for (const auto& [k, x] : v.items()) n += k.size() + av_size(x) + 1;
  } else if (t == "L") {
    for (const auto& x : v) n += av_size(x) + 1;
  } else {
    for (const auto& x : v) n += x.get<std::string>().size();
  }
  return n;
}

std::size_t item_size(const Item& item) {
  std::size_t n = 0;
  for (const auto& [k, v] : item.items()) n += k.size() + av_size(v);
  return n;
}

}  // namespace pingwatch::local::dynamodb
