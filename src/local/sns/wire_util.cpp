#include "local/sns/wire_util.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cmath>
#include <ctime>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

namespace pingwatch::local::wire {
namespace {

// Whole milliseconds, so that 08:20:01.9996 is 08:20:02.000 and seconds roll over consistently.
long long epoch_milliseconds(double epoch_seconds) { return std::llround(epoch_seconds * 1000.0); }

int milliseconds_of(double epoch_seconds) {
  const long long ms = epoch_milliseconds(epoch_seconds) % 1000;
  return static_cast<int>(ms < 0 ? ms + 1000 : ms);
}

}  // namespace

std::string format_utc(double epoch_seconds, const char* format) {
  const long long ms = epoch_milliseconds(epoch_seconds);
  const auto whole = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buffer[96];
  const std::size_t n = std::strftime(buffer, sizeof buffer, format, &tm);
  return std::string(buffer, n);
}

std::string uuid4() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    // RAND_bytes only fails without an entropy source; fall back to the C++ engine rather than abort a request.
    std::random_device rd;
    for (auto& byte : b) byte = static_cast<unsigned char>(rd());
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                     b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                     b[15]);
}

namespace {

std::string random_text(std::size_t length, std::string_view alphabet) {
  std::string bytes(length, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(length)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  std::string out;
  out.reserve(length);
  for (unsigned char b : bytes) out += alphabet[b % alphabet.size()];
  return out;
}

}  // namespace

TemporaryKeys new_temporary_keys(std::size_t token_length) {
  constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return {"ASIA" + random_text(16, kBase32), random_text(40, kBase64), "IQoJb3JpZ2luX2VjE" + random_text(token_length, kBase64)};
}

std::string iso8601_millis_z(double epoch_seconds) {
  return format_utc(epoch_seconds, "%Y-%m-%dT%H:%M:%S") + fmt::format(".{:03d}Z", milliseconds_of(epoch_seconds));
}

std::string iso8601_seconds_z(double epoch_seconds) { return format_utc(epoch_seconds, "%Y-%m-%dT%H:%M:%SZ"); }

std::string iso8601_millis_offset(double epoch_seconds) {
  return format_utc(epoch_seconds, "%Y-%m-%dT%H:%M:%S") + fmt::format(".{:03d}+0000", milliseconds_of(epoch_seconds));
}

std::string rfc5322_date(double epoch_seconds) {
  // %a/%b are locale-dependent in theory; the C locale (the process default) gives the English names RFC 5322 wants.
  return format_utc(epoch_seconds, "%a, %d %b %Y %H:%M:%S +0000");
}

std::string compact_utc(double epoch_seconds) { return format_utc(epoch_seconds, "%Y%m%dT%H%M%SZ"); }

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string base64_decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text)
    if (c != '\n' && c != '\r' && c != ' ') clean.push_back(c);
  if (clean.size() % 4 != 0) throw std::invalid_argument("base64 text length is not a multiple of 4");
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) throw std::invalid_argument("text is not valid base64");
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t size = static_cast<std::size_t>(n);
  if (!clean.empty() && clean.back() == '=') --size;
  if (clean.size() >= 2 && clean[clean.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

std::string sha256_base64(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string out;
  for (unsigned char c : digest) out += fmt::format("{:02x}", c);
  return out;
}

}  // namespace pingwatch::local::wire
