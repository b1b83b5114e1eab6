// watch.accounts = ["organization:ROLE_NAME@REGIONS"]: the organization's ACTIVE accounts are discovered (paged
// ListAccounts) from the home account, each member watched through its role and the home account with its own
// credentials, in every region; a member whose role is missing is reported every cycle, notified after
// watch.member_failure_cycles, and never stops the others; notices name the account and its name.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <unistd.h>

#include <fmt/format.h>

#include "monitor/watch_job.h"
#include "unit/monitor/fake_organization.h"

using namespace pingwatch;
using pingwatch::testing::FakeOrganization;

namespace {

const std::vector<std::string> kRegions{"us-east-1", "ap-northeast-1"};

std::string member_id(int i) { return fmt::format("2000000000{:02d}", i); }

struct OrgRig {
  std::shared_ptr<FakeOrganization> org = std::make_shared<FakeOrganization>();
  std::filesystem::path dir;
  std::string endpoint;
  monitor::Settings settings;
  monitor::WatchSettings watch;
  monitor::WatchRunOptions options;

  explicit OrgRig(const std::string& name) {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir = std::filesystem::temp_directory_path() / fmt::format("pingwatch-org-{}-{}-{}", name, test, getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    // One endpoint per test: the process-wide caches (organization listing, assumed-role providers) are per endpoint.
    endpoint = fmt::format("http://{}-{}-{}.invalid", name, test, getpid());
    settings.aws.region = "us-east-1";
    watch.state_path = (dir / "watch.db").string();
    watch.use_ec2 = false;
    watch.lookup_ignore_tag = false;   // FakeAws ignores Filters: a tag lookup would list (ignore) every node
    watch.publish_metrics = false;
    watch.member_failure_cycles = 3;
    options.owner = "test";
    options.client_config = [this](const aws::ServiceInfo&, const std::string& region) {
      aws::ClientConfig c;
      c.region = region.empty() ? "us-east-1" : region;
      c.endpoint = endpoint;
      c.credentials = aws::make_static_credentials({"AKIDHOME", "secret", "", std::nullopt, "test"});
      c.http = org;
      c.retry.max_attempts = 1;
      c.sleep = [](std::chrono::milliseconds) {};
      return c;
    };
  }
  ~OrgRig() { std::filesystem::remove_all(dir); }

  void organization(const std::string& role, const std::vector<std::string>& regions) {
    monitor::WatchAccount a;
    a.organization = true;
    a.member_role_name = role;
    a.regions = regions;
    watch.accounts = {a};
  }
  void add(const std::string& id, const std::string& name, int nodes, const std::vector<std::string>& regions,
           bool role = true, const std::string& state = "ACTIVE", bool legacy_status = false) {
    org->add_account({id, name, state, legacy_status}, regions, role);
    for (const auto& r : regions) org->fleet(id, r)->add_nodes("i-" + id.substr(8) + r.substr(0, 2), nodes);
  }
  monitor::WatchRunResult run() { return monitor::run_watch(settings, watch, options); }
};

std::set<std::string> scopes_of(const monitor::WatchRunResult& r) {
  std::set<std::string> out;
  for (const auto& c : r.cycles) out.insert(c.scope.substr(c.scope.find('(') + 1, c.scope.find(')') - c.scope.find('(') - 1));
  return out;
}

}  // namespace

TEST(WatchOrganization, DiscoversEveryActiveAccountInEveryRegionOverPagedListAccounts) {
  OrgRig rig("discover");
  rig.add(FakeOrganization::kHome, "Management", 2, kRegions);
  for (int i = 1; i <= 19; ++i) rig.add(member_id(i), fmt::format("Member {}", i), 3, kRegions, true, "ACTIVE", i == 7);
  rig.add("300000000001", "Closed", 3, kRegions, true, "SUSPENDED");
  rig.add("300000000002", "Excluded", 3, kRegions);
  rig.organization("PingwatchMember", kRegions);
  rig.watch.exclude_accounts = {"300000000002"};
  rig.watch.policy.full_inventory_every = 3;

  const auto r = rig.run();
  EXPECT_TRUE(r.failures.empty()) << r.to_json().dump(1);
  ASSERT_EQ(r.cycles.size(), 40u) << "20 ACTIVE accounts (home + 19 members) x 2 regions";
  std::set<std::string> want;
  for (const auto& region : kRegions) {
    want.insert(std::string(FakeOrganization::kHome) + "/" + region);
    for (int i = 1; i <= 19; ++i) want.insert(member_id(i) + "/" + region);
  }
  EXPECT_EQ(scopes_of(r), want);
  EXPECT_EQ(r.job.nodes_seen, 2 * 2 + 19 * 2 * 3);
  EXPECT_EQ(rig.org->list_accounts_calls(), 2) << "22 accounts at 20 a page";
  EXPECT_EQ(rig.org->assume_calls(FakeOrganization::kHome), 0) << "the home account is read with its own credentials";
  EXPECT_EQ(rig.org->assume_calls("300000000001"), 0) << "a SUSPENDED account is not watched";
  EXPECT_EQ(rig.org->assume_calls("300000000002"), 0) << "an excluded account is not watched";
  EXPECT_EQ(rig.org->assume_calls(member_id(3)), 1) << "one role session per member for both regions";

  // A new account is picked up when the listing is due again (every watch.full_every runs), not every cycle.
  rig.add(member_id(20), "Newcomer", 1, kRegions);
  EXPECT_EQ(rig.run().cycles.size(), 40u);
  EXPECT_EQ(rig.run().cycles.size(), 40u);
  EXPECT_EQ(rig.org->list_accounts_calls(), 2) << "the list is cached between inventories";
  const auto fourth = rig.run();
  EXPECT_EQ(rig.org->list_accounts_calls(), 4);
  EXPECT_EQ(fourth.cycles.size(), 42u);
  EXPECT_TRUE(scopes_of(fourth).count(member_id(20) + "/ap-northeast-1"));
}

TEST(WatchOrganization, MemberWithoutTheRoleIsReportedEveryCycleAndNotifiedAfterNCycles) {
  OrgRig rig("norole");
  rig.watch.topic_arn = "arn:aws:sns:us-east-1:123456789012:SSM-Ping";
  rig.add(FakeOrganization::kHome, "Management", 2, {"ap-northeast-1"});
  rig.add(member_id(1), "Payments", 2, {"ap-northeast-1"});
  rig.add(member_id(2), "Sandbox", 2, {"ap-northeast-1"}, /*role=*/false);
  rig.add(member_id(3), "Logs", 2, {"ap-northeast-1"});
  rig.organization("PingwatchMember", {"ap-northeast-1"});

  auto member_notices = [&] {
    int n = 0;
    for (const auto& p : rig.org->published()) n += p.subject.find("MEMBER UNREACHABLE") != std::string::npos;
    return n;
  };
  for (int cycle = 1; cycle <= 4; ++cycle) {
    const auto r = rig.run();
    EXPECT_EQ(r.cycles.size(), 3u) << "cycle " << cycle << ": the other accounts are watched";
    ASSERT_EQ(r.failures.size(), 1u) << r.to_json().dump(1);
    EXPECT_NE(r.failures[0].find(member_id(2) + "/ap-northeast-1"), std::string::npos) << r.failures[0];
    EXPECT_NE(r.failures[0].find("AccessDenied"), std::string::npos) << r.failures[0];
    ASSERT_EQ(r.member_failures.size(), 1u);
    EXPECT_EQ(r.member_failures[0].account_id, member_id(2));
    EXPECT_EQ(r.member_failures[0].account_name, "Sandbox");
    EXPECT_EQ(r.member_failures[0].consecutive_cycles, cycle);
    EXPECT_EQ(r.member_failures[0].notified, cycle == 3);
    const auto json = r.to_json();
    EXPECT_EQ(json["member_failures"][0]["consecutive_cycles"], cycle);
    EXPECT_EQ(member_notices(), cycle >= 3 ? 1 : 0) << "cycle " << cycle << ": one notice, when the streak reaches 3";
  }
  {
    const auto all = rig.org->published();
    auto it = std::find_if(all.begin(), all.end(), [](const auto& p) { return p.subject.find("MEMBER UNREACHABLE") != std::string::npos; });
    ASSERT_NE(it, all.end());
    EXPECT_NE(it->subject.find("Sandbox (" + member_id(2) + ")"), std::string::npos) << it->subject;
    EXPECT_NE(it->message.find("arn:aws:iam::" + member_id(2) + ":role/PingwatchMember"), std::string::npos) << it->message;
  }
  // The count lives in watch's state (as a Lambda's next invocation would find it), not only in this process.
  auto ledger = monitor::open_sqlite_state_store(rig.watch.state_path, "member/" + member_id(2));
  EXPECT_EQ(ledger->load().watch.cycle, 4);

  // Once the role exists, the member is watched and its streak ends; a new streak is notified anew.
  rig.org->set_role(member_id(2), true);
  auto healed = rig.run();
  EXPECT_TRUE(healed.failures.empty()) << healed.to_json().dump(1);
  EXPECT_EQ(healed.cycles.size(), 4u);
  EXPECT_EQ(ledger->load().watch.cycle, 0);
  // A role that exists but refuses (no ssm:DescribeInstanceInformation: AccessDeniedException) counts the same.
  rig.org->fleet(member_id(2), "ap-northeast-1")->fail_operation("DescribeInstanceInformation");
  for (int cycle = 1; cycle <= 3; ++cycle) {
    const auto r = rig.run();
    ASSERT_EQ(r.member_failures.size(), 1u);
    EXPECT_EQ(r.member_failures[0].consecutive_cycles, cycle);
    EXPECT_NE(r.member_failures[0].error.find("AccessDeniedException"), std::string::npos) << r.member_failures[0].error;
  }
  EXPECT_EQ(member_notices(), 2) << "a new streak is notified anew";
}

TEST(WatchOrganization, NodeNoticesNameTheMemberAccountAndItsName) {
  OrgRig rig("names");
  rig.watch.topic_arn = "arn:aws:sns:us-east-1:123456789012:SSM-Ping";
  rig.add(FakeOrganization::kHome, "Management", 1, {"ap-northeast-1"});
  rig.add(member_id(1), "Payments Prod", 0, {"ap-northeast-1"});
  rig.organization("PingwatchMember", {"ap-northeast-1"});
  auto fleet = rig.org->fleet(member_id(1), "ap-northeast-1");
  fleet->set_server_time(std::chrono::system_clock::from_time_t(1700000060));   // FakeAws's nodes pinged at 1.7e9
  fleet->set_nodes({{"i-0aaaaaaaaaaaaaaa1", "Online"}, {"i-0aaaaaaaaaaaaaaa2", "Online"}, {"i-0aaaaaaaaaaaaaaa3", "Online"}});
  ASSERT_TRUE(rig.run().failures.empty());
  fleet->set_nodes({{"i-0aaaaaaaaaaaaaaa1", "Online"}, {"i-0aaaaaaaaaaaaaaa2", "ConnectionLost"}, {"i-0aaaaaaaaaaaaaaa3", "Online"}});
  const auto r = rig.run();
  ASSERT_TRUE(r.failures.empty()) << r.to_json().dump(1);
  const auto all = rig.org->published();
  auto it = std::find_if(all.begin(), all.end(), [](const auto& p) {
    return p.subject.find("LOST: i-0aaaaaaaaaaaaaaa2") != std::string::npos;
  });
  ASSERT_NE(it, all.end()) << "no lost notice among " << all.size();
  EXPECT_NE(it->subject.find("Payments Prod (" + member_id(1) + ")/ap-northeast-1"), std::string::npos) << it->subject;
  EXPECT_NE(it->message.find("Account/Region: Payments Prod (" + member_id(1) + ") ap-northeast-1"), std::string::npos) << it->message;
}
