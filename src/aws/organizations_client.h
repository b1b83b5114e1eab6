#pragma once
// AWS Organizations (awsJson1_1, X-Amz-Target AWSOrganizationsV20161128.<Op>): the organization's accounts.
// One endpoint per partition (organizations.us-east-1.amazonaws.com in aws, signed for us-east-1): endpoints.h.
#include <memory>
#include <string>
#include <vector>

#include "aws/service_client.h"

namespace pingwatch::aws {

struct OrganizationAccount {
  std::string id;
  std::string arn;
  std::string name;
  std::string email;
  // State (PENDING_ACTIVATION | ACTIVE | SUSPENDED | PENDING_CLOSURE | CLOSED) when the reply has it, else the
  // older Status (ACTIVE | SUSPENDED | PENDING_CLOSURE), which AWS retires on 9 September 2026.
  std::string state;
  bool active() const { return state == "ACTIVE"; }
};

struct ListAccountsPage {
  std::vector<OrganizationAccount> accounts;
  std::string next_token;   // empty on the last page
};

class OrganizationsClient : public ClientOf<OrganizationsClient> {
 public:
  static ServiceInfo service_info();     // organizations / AWS_ENDPOINT_URL_ORGANIZATIONS, partition-global
  static ProtocolInfo protocol_info();   // Json11, AWSOrganizationsV20161128

  using ClientOf::ClientOf;

  // One page; max_results 1..20 (the model's MaxResults), 0 = the service's default.
  ListAccountsPage list_accounts(const std::string& next_token = {}, int max_results = 20);
  // Every account of the organization, in the order listed (all states). Throws AwsError if the server
  // repeats a NextToken.
  std::vector<OrganizationAccount> list_all_accounts();
};

OrganizationAccount decode_organization_account(const nlohmann::json& item);   // throws DecodeError

}  // namespace pingwatch::aws
