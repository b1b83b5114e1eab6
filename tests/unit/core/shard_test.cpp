// watch.shard "k/N" (core/shard.h): parsing, a hash that is the same on every build, and shards that split any
// set of account-regions exactly (no pair in two shards, none in no shard) for every N the template allows.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/shard.h"

using namespace pingwatch::core;

namespace {

// 100 accounts x 2 regions: the pairs an Organization-wide watch visits.
std::vector<std::pair<std::string, std::string>> two_hundred_pairs() {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int a = 0; a < 100; ++a) {
    const std::string account = std::to_string(111111110000LL + a * 7919LL);
    for (const char* region : {"us-east-1", "ap-northeast-1"}) pairs.emplace_back(account, region);
  }
  return pairs;
}

}  // namespace

TEST(Shard, ParsesKOfNCountingFromOne) {
  EXPECT_EQ(parse_shard("1/1"), (Shard{1, 1}));
  EXPECT_EQ(parse_shard("3/3"), (Shard{3, 3}));
  EXPECT_EQ(parse_shard("20/20"), (Shard{20, 20}));
  EXPECT_EQ(to_string(Shard{2, 5}), "2/5");
  for (const char* bad : {"", "0/3", "4/3", "1/21", "21/21", "3", "/3", "1/", "a/3", "1/b", " 1/3", "1/3 ", "-1/3",
                          "1/-3", "1/3/3", "1.0/3", "+1/3"}) {
    std::string why;
    EXPECT_FALSE(parse_shard(bad, &why).has_value()) << bad;
    EXPECT_NE(why.find("1 <= k <= N <= 20"), std::string::npos) << bad << ": " << why;
  }
}

TEST(Shard, HashIsFnv1aAndStable) {
  // FNV-1a 64-bit test vectors (Fowler/Noll/Vo reference): a std::hash would differ between builds.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
  // Pinned assignments, computed apart (a few lines of Python: FNV-1a 64, MurmurHash3's fmix64, % N, + 1). A
  // change here moves the pairs of running deployments between shards.
  EXPECT_EQ(shard_of("123456789012", "us-east-1", 20), 9);
  EXPECT_EQ(shard_of("default", "ap-northeast-1", 7), 7);
}

TEST(Shard, EveryCountSplitsThePairsWithoutOverlapOrGap) {
  const auto pairs = two_hundred_pairs();
  for (int n = 1; n <= kMaxShards; ++n) {
    std::map<int, int> per_shard;
    for (const auto& [account, region] : pairs) {
      int holders = 0;
      for (int k = 1; k <= n; ++k) {
        if (in_shard(account, region, Shard{k, n})) {
          ++holders;
          ++per_shard[k];
        }
      }
      EXPECT_EQ(holders, 1) << account << "/" << region << " is in " << holders << " of " << n << " shards";
    }
    // Balanced enough to be worth it: every shard has work, none has more than twice its share.
    EXPECT_EQ(per_shard.size(), static_cast<std::size_t>(n)) << "N=" << n << ": a shard has no pair";
    for (const auto& [k, count] : per_shard) {
      EXPECT_LE(count, 2 * static_cast<int>(pairs.size()) / n + 2) << "N=" << n << " shard " << k;
    }
  }
}
