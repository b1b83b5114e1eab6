#include "aws/organizations_client.h"

#include <set>

#include "aws/error_parse.h"
#include "aws/json_protocol.h"

namespace pingwatch::aws {

using nlohmann::json;
namespace jp = json_protocol;

ServiceInfo OrganizationsClient::service_info() {
  return ServiceInfo{"organizations", "organizations", "ORGANIZATIONS", "organizations", true};
}

ProtocolInfo OrganizationsClient::protocol_info() {
  return ProtocolInfo{Protocol::Json11, "AWSOrganizationsV20161128", "2016-11-28", "", false};
}

OrganizationAccount decode_organization_account(const json& item) {
  if (!item.is_object()) throw DecodeError(std::string("Accounts item is ") + item.type_name());
  OrganizationAccount a;
  a.id = jp::get_string(item, "Id");
  if (a.id.empty()) throw DecodeError("Accounts item has no Id");
  a.arn = jp::get_string(item, "Arn");
  a.name = jp::get_string(item, "Name");
  a.email = jp::get_string(item, "Email");
  a.state = jp::get_string(item, "State");
  if (a.state.empty()) a.state = jp::get_string(item, "Status");
  return a;
}

ListAccountsPage OrganizationsClient::list_accounts(const std::string& next_token, int max_results) {
  static const std::string op = "ListAccounts";
  json input = json::object();
  if (max_results > 0) input["MaxResults"] = max_results;
  if (!next_token.empty()) input["NextToken"] = next_token;
  auto reply = client_->call_json(op, input);
  return decode_reply("organizations", op, [&] {
    ListAccountsPage page;
    for (const auto& item : jp::get_array(reply.body, "Accounts")) page.accounts.push_back(decode_organization_account(item));
    page.next_token = jp::get_string(reply.body, "NextToken");
    return page;
  });
}

std::vector<OrganizationAccount> OrganizationsClient::list_all_accounts() {
  std::vector<OrganizationAccount> all;
  std::set<std::string> seen_tokens;
  std::string token;
  for (int pages = 1;; ++pages) {
    auto page = list_accounts(token);
    for (auto& a : page.accounts) all.push_back(std::move(a));
    if (page.next_token.empty()) return all;
    if (!seen_tokens.insert(page.next_token).second) {   // a server repeating a token would page forever
      throw AwsError("MalformedResponse",
                     "organizations ListAccounts: NextToken repeated after " + std::to_string(pages) + " pages", 0, "",
                     "organizations", "ListAccounts");
    }
    token = page.next_token;
  }
}

}  // namespace pingwatch::aws
