// The local stack as an AWS Organization: who is in it, which member roles exist and whom they trust (STS's
// AssumeRole refusals with AWS's text), and the organizations service's rules (who may list, paging, errors).
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "local/organizations/organization.h"
#include "local/organizations/organizations_service.h"
#include "local/sts/sts_service.h"
#include "sts_fixture.h"

namespace pingwatch::local {
namespace {

constexpr char kHome[] = "123456789012";

std::shared_ptr<const Organization> organization(std::size_t members, const std::string& role = "PingwatchMember") {
  OrganizationOptions o;
  o.member_accounts = members;
  o.member_role = role;
  o.created_at = 1712910600;
  return std::make_shared<const Organization>(o);
}

TEST(OrganizationTest, MembersHaveDeterministicIdsAfterTheManagementAccount) {
  const auto org = organization(12);
  ASSERT_EQ(org->accounts().size(), 13u);
  EXPECT_EQ(org->accounts()[0].id, kHome);
  EXPECT_TRUE(org->accounts()[0].management);
  EXPECT_EQ(org->accounts()[1].id, "100000000001");
  EXPECT_EQ(org->accounts()[12].id, "100000000012");
  EXPECT_EQ(org->accounts()[12].name, "Member 12");
  EXPECT_TRUE(org->is_member("100000000012"));
  EXPECT_FALSE(org->is_member("100000000013"));   // past N
  EXPECT_FALSE(org->is_member("100000000000"));
  EXPECT_FALSE(org->is_member(kHome));
  EXPECT_TRUE(org->contains(kHome));
  EXPECT_FALSE(org->contains("999999999999"));
  EXPECT_EQ(org->id(), organization(3)->id());   // from the management account, not N
  EXPECT_TRUE(org->id().starts_with("o-") && org->id().size() == 12) << org->id();
  EXPECT_EQ(org->account_arn("100000000001"), "arn:aws:organizations::123456789012:account/" + org->id() + "/100000000001");
}

TEST(OrganizationTest, WithoutMembersThereIsNoOrganization) {
  const auto org = organization(0);
  EXPECT_FALSE(org->exists());
  EXPECT_FALSE(org->contains(kHome));
  EXPECT_THROW(organization(1, "bad/name"), std::invalid_argument);
  EXPECT_THROW(organization(Organization::kMaxMembers + 1), std::invalid_argument);
}

TEST(OrganizationRoleDirectoryTest, AMemberHasOnlyTheMemberRoleTrustedByTheOrganization) {
  const OrganizationRoleDirectory roles(organization(3, "Watcher"));
  const auto find = [&](const std::string& arn) { return roles.find(*sts::parse_role_arn(arn)); };
  const auto member = find("arn:aws:iam::100000000002:role/Watcher");
  ASSERT_TRUE(member);
  EXPECT_EQ(member->account_id, "100000000002");
  EXPECT_FALSE(find("arn:aws:iam::100000000002:role/PingwatchMember"));   // --member-role renamed it
  EXPECT_FALSE(find("arn:aws:iam::100000000002:role/team/Watcher"));      // another path is another role
  EXPECT_FALSE(find("arn:aws:iam::100000000004:role/Watcher"));           // not a member
  EXPECT_FALSE(find("arn:aws:iam::999999999999:role/Watcher"));
  EXPECT_TRUE(find("arn:aws:iam::123456789012:role/AnythingAtHome"));     // the stack has no IAM for its own account
  EXPECT_TRUE(roles.trusts(*member, kHome));
  EXPECT_TRUE(roles.trusts(*member, "100000000003"));
  EXPECT_FALSE(roles.trusts(*member, "999999999999"));
}

class OrganizationStsTest : public sts::StsFixture {
 protected:
  OrganizationStsTest() {
    keys_.add({"OUTSIDER", "secret", "999999999999"});
    service_ = std::make_unique<sts::StsService>(context_, keys_,
                                                 std::make_shared<OrganizationRoleDirectory>(organization(3)));
  }
  // "" when AssumeRole succeeds, else "Code: message"; the account of the new credentials in `account`.
  std::string assume(const std::string& role_arn, const std::string& key, std::string* account = nullptr) {
    try {
      const Response reply =
          service_->handle(request("AssumeRole", {{"RoleArn", role_arn}, {"RoleSessionName", "watch"}}, key));
      pugi::xml_document doc;
      doc.load_string(reply.body.c_str());
      const std::string id =
          doc.child("AssumeRoleResponse").child("AssumeRoleResult").child("Credentials").child_value("AccessKeyId");
      if (account) *account = keys_.find(id)->account_id;
      return "";
    } catch (const ServiceError& e) {
      return e.code + ": " + e.what();
    }
  }
};

TEST_F(OrganizationStsTest, TheMemberRoleGivesCredentialsOfThatAccount) {
  std::string account;
  EXPECT_EQ(assume("arn:aws:iam::100000000003:role/PingwatchMember", "test", &account), "");
  EXPECT_EQ(account, "100000000003");
}

TEST_F(OrganizationStsTest, AMissingRoleOrAnOutsideCallerIsAccessDeniedWithAwsText) {
  EXPECT_EQ(assume("arn:aws:iam::100000000003:role/Missing", "test"),
            "AccessDenied: User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on "
            "resource: arn:aws:iam::100000000003:role/Missing");
  EXPECT_EQ(assume("arn:aws:iam::100000000003:role/PingwatchMember", "OUTSIDER"),
            "AccessDenied: User: arn:aws:iam::999999999999:root is not authorized to perform: sts:AssumeRole on "
            "resource: arn:aws:iam::100000000003:role/PingwatchMember");
  EXPECT_EQ(assume("arn:aws:iam::100000000009:role/PingwatchMember", "test").substr(0, 13), "AccessDenied:");
}

class OrganizationsServiceTest : public ::testing::Test {
 protected:
  void use(std::size_t members) { service_ = std::make_unique<OrganizationsService>(organization(members)); }
  Response call(const std::string& op, nlohmann::json input, const std::string& account = kHome) {
    Request r = routed_request("organizations", op, WireProtocol::Json11);
    r.json = std::move(input);
    r.account_id = account;
    return service_->handle(r);
  }
  static nlohmann::json body(const Response& r) { return nlohmann::json::parse(r.body); }
  std::unique_ptr<OrganizationsService> service_;
};

TEST_F(OrganizationsServiceTest, ListAccountsPagesTwentyAtMostAndEveryAccountOnce) {
  use(44);   // 45 accounts: 20 + 20 + 5 by default
  std::vector<std::string> ids;
  nlohmann::json input = nlohmann::json::object();
  int pages = 0;
  for (;; ++pages) {
    const auto page = body(call("ListAccounts", input));
    EXPECT_LE(page["Accounts"].size(), 20u);
    for (const auto& a : page["Accounts"]) {
      ids.push_back(a["Id"]);
      EXPECT_EQ(a["Status"], "ACTIVE");
      EXPECT_EQ(a["State"], "ACTIVE");
    }
    if (!page.contains("NextToken")) break;
    input["NextToken"] = page["NextToken"];
  }
  EXPECT_EQ(pages + 1, 3);
  ASSERT_EQ(ids.size(), 45u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 45u);
  EXPECT_EQ(body(call("ListAccounts", {{"MaxResults", 1}}))["Accounts"].size(), 1u);
}

TEST_F(OrganizationsServiceTest, MaxResultsOutsideTheModelRangeAndForgedTokensAreInvalidInput) {
  use(2);
  for (const auto& [input, reason] : std::vector<std::pair<nlohmann::json, std::string>>{
           {{{"MaxResults", 21}}, "MAX_VALUE_EXCEEDED"},
           {{{"MaxResults", 0}}, "MIN_VALUE_EXCEEDED"},
           {{{"NextToken", "pwacct1-100000000009"}}, "INVALID_PAGINATION_TOKEN"},
           {{{"NextToken", "garbage"}}, "INVALID_PAGINATION_TOKEN"}}) {
    const Response r = call("ListAccounts", input);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(body(r)["__type"], "InvalidInputException") << input;
    EXPECT_EQ(body(r)["Reason"], reason) << input;
  }
}

TEST_F(OrganizationsServiceTest, OnlyTheManagementAccountListsAndDescribesAccounts) {
  use(2);
  for (const std::string op : {"ListAccounts", "DescribeAccount"}) {
    const Response r = call(op, {{"AccountId", "100000000001"}}, "100000000002");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(body(r)["__type"], "AccessDeniedException") << op;
    EXPECT_EQ(body(r)["Message"], "You don't have permissions to access this resource.");
  }
  // Any account of the organization may describe it.
  const auto org = body(call("DescribeOrganization", nlohmann::json::object(), "100000000002"));
  EXPECT_EQ(org["Organization"]["MasterAccountId"], kHome);
  EXPECT_EQ(org["Organization"]["FeatureSet"], "ALL");
  EXPECT_EQ(body(call("DescribeAccount", {{"AccountId", "100000000002"}}))["Account"]["Name"], "Member 2");
  EXPECT_EQ(body(call("DescribeAccount", {{"AccountId", "100000000003"}}))["__type"], "AccountNotFoundException");
}

TEST_F(OrganizationsServiceTest, AnAccountOutsideAnyOrganizationGetsNotInUse) {
  use(0);
  for (const std::string op : {"ListAccounts", "DescribeOrganization", "DescribeAccount"}) {
    const auto r = body(call(op, {{"AccountId", kHome}}));
    EXPECT_EQ(r["__type"], "AWSOrganizationsNotInUseException") << op;
    EXPECT_EQ(r["Message"], "Your account is not a member of an organization.");
  }
  use(2);
  EXPECT_EQ(body(call("ListAccounts", nlohmann::json::object(), "999999999999"))["__type"],
            "AWSOrganizationsNotInUseException");
}

}  // namespace
}  // namespace pingwatch::local
