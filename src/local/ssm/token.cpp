#include "local/ssm/token.h"

#include <cstdint>
#include <cstdio>

namespace pingwatch::local::ssm {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::string& in) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3f];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

std::optional<std::string> unbase64(const std::string& in) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    const char* p = std::char_traits<char>::find(kAlphabet, 64, in[i]);
    if (p == nullptr) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  for (; i < in.size(); ++i) {
    if (in[i] != '=') return std::nullopt;
  }
  return out;
}

std::string fingerprint_hex(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;   // FNV-1a: stable across runs and machines
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

constexpr char kPrefix[] = "pw1|";

}  // namespace

std::string encode_next_token(const std::string& last_id, const std::string& filter_fingerprint) {
  return base64(kPrefix + fingerprint_hex(filter_fingerprint) + "|" + last_id);
}

std::optional<std::string> decode_next_token(const std::string& token, const std::string& filter_fingerprint) {
  auto raw = unbase64(token);
  const std::string expected = kPrefix + fingerprint_hex(filter_fingerprint) + "|";
  if (!raw || !raw->starts_with(expected) || raw->size() == expected.size()) return std::nullopt;
  return raw->substr(expected.size());
}

}  // namespace pingwatch::local::ssm
