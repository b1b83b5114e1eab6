#include "core/shard.h"

#include <charconv>

#include <fmt/format.h>

namespace pingwatch::core {

namespace {

std::optional<int> whole_number(std::string_view text) {
  int value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Shard> parse_shard(std::string_view text, std::string* why) {
  const auto slash = text.find('/');
  std::optional<int> k, n;
  if (slash != std::string_view::npos) {
    k = whole_number(text.substr(0, slash));
    n = whole_number(text.substr(slash + 1));
  }
  if (!k || !n || *k < 1 || *n < 1 || *k > *n || *n > kMaxShards) {
    if (why) {
      *why = fmt::format("use k/N with 1 <= k <= N <= {} (k counts from 1: shards 1/3, 2/3 and 3/3 together watch "
                         "every account-region), e.g. 1/1 for a single shard",
                         kMaxShards);
    }
    return std::nullopt;
  }
  return Shard{*k, *n};
}

std::string to_string(const Shard& shard) { return fmt::format("{}/{}", shard.index, shard.count); }

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;   // FNV offset basis
  for (const unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;                    // FNV prime
  }
  return hash;
}

int shard_of(std::string_view account, std::string_view region, int count) {
  std::string key;
  key.reserve(account.size() + 1 + region.size());
  key.append(account).append("/").append(region);
  // FNV-1a's low bits depend only on the low bits of each byte (its last step is a multiplication): MurmurHash3's
  // finalizer mixes the high bits in, so N = 2, 4, 8, 16 split as evenly as the other counts.
  std::uint64_t h = fnv1a64(key);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<int>(h % static_cast<std::uint64_t>(count)) + 1;
}

bool in_shard(std::string_view account, std::string_view region, const Shard& shard) {
  return shard_of(account, region, shard.count) == shard.index;
}

}  // namespace pingwatch::core
