#include "local/organizations/organizations_service.h"

#include <algorithm>

namespace pingwatch::local {

namespace {

constexpr int kDefaultPageSize = 20;   // botocore's model: MaxResults 1..20
constexpr int kMaxPageSize = 20;
constexpr char kTokenPrefix[] = "pwacct1-";

// InvalidInputException carries a Reason (botocore's InvalidInputExceptionReason) beside its Message.
struct InvalidInput : ServiceError {
  std::string reason;
  InvalidInput(std::string reason_, const std::string& message)
      : ServiceError(400, "InvalidInputException", message), reason(std::move(reason_)) {}
};

Response error_reply(const ServiceError& error, const std::string& reason = "") {
  Response r;
  r.status = error.status;
  r.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  r.headers.emplace_back("x-amzn-ErrorType", error.code);
  nlohmann::json body = {{"__type", error.code}, {"Message", error.what()}};
  if (!reason.empty()) body["Reason"] = reason;
  r.body = body.dump();
  return r;
}

int page_size(const nlohmann::json& input) {
  if (!input.contains("MaxResults") || input["MaxResults"].is_null()) return kDefaultPageSize;
  if (!input["MaxResults"].is_number_integer()) {
    throw ServiceError(400, "SerializationException", "NUMBER_VALUE can not be converted to an Integer");
  }
  const long long value = input["MaxResults"].get<long long>();
  if (value < 1) throw InvalidInput("MIN_VALUE_EXCEEDED", "You provided a numeric parameter that has a smaller value than allowed.");
  if (value > kMaxPageSize) throw InvalidInput("MAX_VALUE_EXCEEDED", "You provided a numeric parameter that has a larger value than allowed.");
  return static_cast<int>(value);
}

}  // namespace

std::string encode_accounts_token(const std::string& next_account_id) { return kTokenPrefix + next_account_id; }

std::optional<std::string> decode_accounts_token(const std::string& token) {
  const std::string prefix = kTokenPrefix;
  if (!token.starts_with(prefix)) return std::nullopt;
  std::string id = token.substr(prefix.size());
  if (id.size() != 12 || id.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return id;
}

OrganizationsService::OrganizationsService(std::shared_ptr<const Organization> organization)
    : organization_(std::move(organization)) {}

Response OrganizationsService::handle(const Request& request) {
  try {
    const std::string& op = request.operation;
    if (op == "ListAccounts") return json_reply(request, list_accounts(request));
    if (op == "DescribeOrganization") return json_reply(request, describe_organization(request));
    if (op == "DescribeAccount") return json_reply(request, describe_account(request));
    throw ServiceError(400, "UnknownOperationException", "The operation " + op + " is not supported by the local stack.");
  } catch (const InvalidInput& e) {
    return error_reply(e, e.reason);
  } catch (const ServiceError& e) {
    return error_reply(e);
  }
}

void OrganizationsService::require_organization(const Request& request) const {
  if (!organization_->contains(request.account_id)) {
    throw ServiceError(400, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.");
  }
}

void OrganizationsService::require_management(const Request& request) const {
  require_organization(request);
  if (request.account_id != organization_->management_account()) {
    // What AWS answers a member account that is not a delegated administrator (the stack has none).
    throw ServiceError(400, "AccessDeniedException", "You don't have permissions to access this resource.");
  }
}

nlohmann::json OrganizationsService::account_json(const OrganizationAccount& account) const {
  return {{"Id", account.id},
          {"Arn", organization_->account_arn(account.id)},
          {"Email", account.email},
          {"Name", account.name},
          {"Status", "ACTIVE"},
          {"State", "ACTIVE"},
          // The management account created the organization and joined it by invitation to itself, as AWS shows.
          {"JoinedMethod", account.management ? "INVITED" : "CREATED"},
          {"JoinedTimestamp", organization_->options().created_at}};
}

nlohmann::json OrganizationsService::list_accounts(const Request& request) const {
  require_management(request);
  const int size = page_size(request.json);
  const auto& accounts = organization_->accounts();
  std::size_t start = 0;
  if (request.json.contains("NextToken") && !request.json["NextToken"].is_null()) {
    const auto& token = request.json["NextToken"];
    const auto next = token.is_string() ? decode_accounts_token(token.get<std::string>()) : std::nullopt;
    const auto it = next ? std::find_if(accounts.begin(), accounts.end(), [&](const auto& a) { return a.id == *next; })
                         : accounts.end();
    if (it == accounts.end()) throw InvalidInput("INVALID_PAGINATION_TOKEN", "You specified an invalid value for nextToken.");
    start = static_cast<std::size_t>(it - accounts.begin());
  }
  nlohmann::json page = nlohmann::json::array();
  const std::size_t end = std::min(accounts.size(), start + static_cast<std::size_t>(size));
  for (std::size_t i = start; i < end; ++i) page.push_back(account_json(accounts[i]));
  nlohmann::json out = {{"Accounts", page}};
  if (end < accounts.size()) out["NextToken"] = encode_accounts_token(accounts[end].id);
  return out;
}

nlohmann::json OrganizationsService::describe_organization(const Request& request) const {
  require_organization(request);
  const Organization& org = *organization_;
  return {{"Organization",
           {{"Id", org.id()},
            {"Arn", org.arn()},
            {"FeatureSet", "ALL"},
            {"MasterAccountArn", org.account_arn(org.management_account())},
            {"MasterAccountId", org.management_account()},
            {"MasterAccountEmail", org.accounts().front().email},
            {"AvailablePolicyTypes", nlohmann::json::array({{{"Type", "SERVICE_CONTROL_POLICY"}, {"Status", "ENABLED"}}})}}}};
}

nlohmann::json OrganizationsService::describe_account(const Request& request) const {
  require_management(request);
  const auto& input = request.json;
  if (!input.contains("AccountId") || !input["AccountId"].is_string()) {
    throw InvalidInput("INPUT_REQUIRED", "You must include a value for all required parameters.");
  }
  const std::string id = input["AccountId"].get<std::string>();
  if (id.size() != 12 || id.find_first_not_of("0123456789") != std::string::npos) {
    throw InvalidInput("INVALID_PATTERN", "You provided a value that doesn't match the required pattern.");
  }
  const OrganizationAccount* account = organization_->find(id);
  if (account == nullptr) throw ServiceError(400, "AccountNotFoundException", "You specified an account that doesn't exist.");
  return {{"Account", account_json(*account)}};
}

}  // namespace pingwatch::local
