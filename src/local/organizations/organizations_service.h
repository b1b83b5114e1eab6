#pragma once
// The local AWS Organizations (JSON 1.1, X-Amz-Target AWSOrganizationsV20161128.*, signing name organizations):
// ListAccounts (paged: MaxResults 1..20, NextToken), DescribeOrganization and DescribeAccount over the stack's
// Organization. Who may call what follows AWS: ListAccounts and DescribeAccount only from the management
// account (a member gets AccessDeniedException), DescribeOrganization from any account of the organization, and
// an account outside any organization (every account when the stack runs without --accounts) gets
// AWSOrganizationsNotInUseException.
#include <memory>
#include <optional>
#include <string>

#include "local/organizations/organization.h"
#include "local/service.h"

namespace pingwatch::local {

class OrganizationsService : public Service {
 public:
  explicit OrganizationsService(std::shared_ptr<const Organization> organization);
  std::string signing_name() const override { return "organizations"; }
  Response handle(const Request& request) override;

 private:
  nlohmann::json list_accounts(const Request& request) const;
  nlohmann::json describe_organization(const Request& request) const;
  nlohmann::json describe_account(const Request& request) const;
  nlohmann::json account_json(const OrganizationAccount& account) const;
  void require_organization(const Request& request) const;   // AWSOrganizationsNotInUseException
  void require_management(const Request& request) const;     // AccessDeniedException for members

  std::shared_ptr<const Organization> organization_;
};

// Exposed for tests: ListAccounts' NextToken names the next account to return.
std::string encode_accounts_token(const std::string& next_account_id);
std::optional<std::string> decode_accounts_token(const std::string& token);

}  // namespace pingwatch::local
