#pragma once
// watch.shard = "k/N": N watch invocations (one EventBridge rule each) split the (account, region) pairs
// between them by a stable hash, so each pair is watched by exactly one shard. k counts from 1 ("1/3", "2/3",
// "3/3"), as the template numbers its rules. The hash is FNV-1a (64-bit) of "<account>/<region>", mixed by
// MurmurHash3's 64-bit finalizer, modulo N: the same on every build, compiler and machine (std::hash is not),
// so the N invocations agree on the split whatever built them.
// A pair's state is keyed by that same "<account>/<region>", never by k/N: changing N moves pairs between
// shards and their state goes with them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pingwatch::core {

inline constexpr int kMaxShards = 20;

struct Shard {
  int index = 1;   // k, 1..count
  int count = 1;   // N, 1..kMaxShards
  bool operator==(const Shard&) const = default;
};

// "k/N" -> Shard. Malformed or out of range: nullopt, and *why (when given) says what is allowed.
std::optional<Shard> parse_shard(std::string_view text, std::string* why = nullptr);
std::string to_string(const Shard& shard);   // "k/N"

std::uint64_t fnv1a64(std::string_view bytes);
// The shard (1..count) that watches the pair.
int shard_of(std::string_view account, std::string_view region, int count);
bool in_shard(std::string_view account, std::string_view region, const Shard& shard);

}  // namespace pingwatch::core
