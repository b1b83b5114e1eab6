#pragma once
// The local stack as an AWS Organization (`pingwatch local --accounts N`): who is in it and which IAM roles its
// member accounts have. The stack's own account is the management account; members are numbered 1..N with
// deterministic ids (member_account_id). Every member has one role, `--member-role` (default PingwatchMember),
// which trusts every principal of the organization, as a role whose trust policy allows the organization
// through an aws:PrincipalOrgID condition does. Without --accounts there is no organization (size 0): the
// account is standalone, as an AWS account that never created or joined one.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "local/sts/roles.h"

namespace pingwatch::local {

struct OrganizationOptions {
  std::size_t member_accounts = 0;                 // --accounts; 0 = no organization
  std::string member_role = "PingwatchMember";     // --member-role
  std::string management_account = "123456789012";
  double created_at = 0;                           // simulated epoch seconds: every account's JoinedTimestamp
};

struct OrganizationAccount {
  std::string id;
  std::string name;    // "Management" or "Member 1".."Member N"
  std::string email;
  bool management = false;
};

class Organization {
 public:
  static constexpr std::size_t kMaxMembers = 9999;
  explicit Organization(OrganizationOptions options);   // throws std::invalid_argument on a bad option

  bool exists() const { return options_.member_accounts > 0; }
  const OrganizationOptions& options() const { return options_; }
  const std::string& management_account() const { return options_.management_account; }
  const std::vector<OrganizationAccount>& accounts() const { return accounts_; }   // management first, then by number
  const OrganizationAccount* find(const std::string& account_id) const;
  bool contains(const std::string& account_id) const { return exists() && find(account_id) != nullptr; }
  bool is_member(const std::string& account_id) const;   // in the organization, not its management account

  std::string id() const;                                 // o-<10 lowercase letters/digits>, from the management account
  std::string arn() const;                                // arn:aws:organizations::MGMT:organization/o-…
  std::string account_arn(const std::string& account_id) const;   // arn:aws:organizations::MGMT:account/o-…/ID
  std::string member_role_arn(const std::string& account_id) const;

  // Member n (1-based) of any organization the stack builds: 100000000000 + n, 12 digits ("100000000001").
  static std::string member_account_id(std::size_t number);

 private:
  OrganizationOptions options_;
  std::vector<OrganizationAccount> accounts_;
};

// STS's view of IAM in an organization: the management account keeps the stack's former rule (any role exists
// and trusts anyone, since the stack has no IAM for its own account); a member account has exactly the member role
// (path "/"), trusted by callers of the organization only; any other account has no role at all.
class OrganizationRoleDirectory : public sts::RoleDirectory {
 public:
  explicit OrganizationRoleDirectory(std::shared_ptr<const Organization> organization)
      : organization_(std::move(organization)) {}
  std::optional<sts::RoleInfo> find(const sts::RoleArn& arn) const override;
  bool trusts(const sts::RoleInfo& role, const std::string& caller_account) const override;

 private:
  std::shared_ptr<const Organization> organization_;
};

}  // namespace pingwatch::local
