// [watch] organization keys: accounts = ["organization:ROLE_NAME@REGIONS"], exclude_accounts,
// member_failure_cycles; each bad value is refused with the key, the value and the fix; typos are refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "monitor/watch.h"

namespace pingwatch::monitor {
namespace {

ConfigSource flags(std::map<std::string, std::string> f, std::optional<std::string> file = {}) {
  ConfigSource::Inputs in;
  in.flags = std::move(f);
  in.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  in.config_file = std::move(file);
  return ConfigSource::load(std::move(in));
}

std::string error_of(const ConfigSource& source) {
  try {
    load_watch_settings(source);
    source.reject_unknown_keys();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(WatchOrganizationConfig, OrganizationEntryExcludesAndThreshold) {
  const auto s = load_watch_settings(flags({{"watch.accounts", "organization:PingwatchMember@us-east-1+ap-northeast-1"},
                                            {"watch.exclude_accounts", "111111111111, 222222222222"},
                                            {"watch.member_failure_cycles", "3"}}));
  ASSERT_EQ(s.accounts.size(), 1u);
  EXPECT_TRUE(s.accounts[0].organization);
  EXPECT_EQ(s.accounts[0].member_role_name, "PingwatchMember");
  EXPECT_EQ(s.accounts[0].regions, (std::vector<std::string>{"us-east-1", "ap-northeast-1"}));
  EXPECT_TRUE(s.accounts[0].role_arn.empty());
  EXPECT_EQ(s.exclude_accounts, (std::vector<std::string>{"111111111111", "222222222222"}));
  EXPECT_EQ(s.member_failure_cycles, 3);
  EXPECT_EQ(load_watch_settings(flags({})).member_failure_cycles, 5);
  // The other forms still parse as before.
  const auto mixed = load_watch_settings(flags({{"watch.accounts", "arn:aws:iam::111111111111:role/pw@eu-west-1,default@us-east-1"}}));
  ASSERT_EQ(mixed.accounts.size(), 2u);
  EXPECT_FALSE(mixed.accounts[0].organization);
  EXPECT_EQ(mixed.accounts[0].role_arn, "arn:aws:iam::111111111111:role/pw");
  EXPECT_TRUE(mixed.accounts[1].role_arn.empty());
}

TEST(WatchOrganizationConfig, BadValuesNameTheKeyAndTheFix) {
  auto e = error_of(flags({{"watch.accounts", "organization:arn:aws:iam::111111111111:role/x@us-east-1"}}));
  EXPECT_NE(e.find("watch.accounts"), std::string::npos) << e;
  EXPECT_NE(e.find("member role's name"), std::string::npos) << e;
  e = error_of(flags({{"watch.accounts", "organization:PingwatchMember@us-east-1+tokyo"}}));
  EXPECT_NE(e.find("\"tokyo\" is not a region name"), std::string::npos) << e;
  e = error_of(flags({{"watch.accounts", "organization:A@us-east-1,organization:B@eu-west-1"}}));
  EXPECT_NE(e.find("one organization: entry"), std::string::npos) << e;
  e = error_of(flags({{"watch.accounts", "PingwatchMember@us-east-1"}}));
  EXPECT_NE(e.find("organization:ROLE_NAME@REGION"), std::string::npos) << e;
  e = error_of(flags({{"watch.exclude_accounts", "12345"}}));
  EXPECT_NE(e.find("watch.exclude_accounts[] = 12345"), std::string::npos) << e;
  EXPECT_NE(e.find("12-digit"), std::string::npos) << e;
  e = error_of(flags({{"watch.member_failure_cycles", "0"}}));
  EXPECT_NE(e.find("watch.member_failure_cycles = 0"), std::string::npos) << e;
}

TEST(WatchOrganizationConfig, TyposOfTheNewKeysAreRefused) {
  const auto path = std::filesystem::temp_directory_path() / ("pingwatch-orgcfg-" + std::to_string(getpid()) + ".toml");
  std::ofstream(path) << "[watch]\naccounts = [\"organization:PingwatchMember@us-east-1\"]\nexclude_account = [\"111111111111\"]\n";
  const auto e = error_of(flags({}, path.string()));
  std::filesystem::remove(path);
  EXPECT_NE(e.find("unknown key watch.exclude_account"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean watch.exclude_accounts?"), std::string::npos) << e;
}

}  // namespace pingwatch::monitor
