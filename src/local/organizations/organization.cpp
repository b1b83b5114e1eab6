#include "local/organizations/organization.h"

#include <cstdio>
#include <stdexcept>

#include <openssl/sha.h>

namespace pingwatch::local {

namespace {

bool twelve_digits(const std::string& id) {
  return id.size() == 12 && id.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::string Organization::member_account_id(std::size_t number) {
  char id[16];
  std::snprintf(id, sizeof id, "%012llu", 100000000000ull + static_cast<unsigned long long>(number));
  return id;
}

Organization::Organization(OrganizationOptions options) : options_(std::move(options)) {
  if (options_.member_accounts > kMaxMembers) {
    throw std::invalid_argument("--accounts must be 0.." + std::to_string(kMaxMembers));
  }
  if (!twelve_digits(options_.management_account)) throw std::invalid_argument("the management account must be 12 digits");
  // IAM role names: [\w+=,.@-]{1,64}.
  const std::string& role = options_.member_role;
  const bool valid_role = !role.empty() && role.size() <= 64 &&
                          role.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+=,.@-") ==
                              std::string::npos;
  if (!valid_role) throw std::invalid_argument("--member-role must be an IAM role name: 1-64 of A-Z a-z 0-9 _+=,.@-");
  if (!exists()) return;
  accounts_.push_back({options_.management_account, "Management", "management@example.com", true});
  for (std::size_t n = 1; n <= options_.member_accounts; ++n) {
    const std::string id = member_account_id(n);
    if (id == options_.management_account) throw std::invalid_argument("member account " + id + " is the management account");
    accounts_.push_back({id, "Member " + std::to_string(n), "member" + std::to_string(n) + "@example.com", false});
  }
}

const OrganizationAccount* Organization::find(const std::string& account_id) const {
  if (account_id == options_.management_account) return accounts_.empty() ? nullptr : &accounts_.front();
  // Members are numbered: the id gives the index without a search.
  if (!twelve_digits(account_id)) return nullptr;
  const unsigned long long value = std::stoull(account_id);
  if (value <= 100000000000ull) return nullptr;
  const unsigned long long number = value - 100000000000ull;
  if (number > options_.member_accounts) return nullptr;
  const auto& account = accounts_[static_cast<std::size_t>(number)];
  return account.id == account_id ? &account : nullptr;
}

bool Organization::is_member(const std::string& account_id) const {
  const OrganizationAccount* account = find(account_id);
  return account != nullptr && !account->management;
}

std::string Organization::id() const {
  // o- plus 10 characters of [a-z0-9], stable for the management account (AWS's pattern ^o-[a-z0-9]{10,32}$).
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const std::string seed = "organization|" + options_.management_account;
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), digest);
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out = "o-";
  for (int i = 0; i < 10; ++i) out += kAlphabet[digest[i] % 36];
  return out;
}

std::string Organization::arn() const {
  return "arn:aws:organizations::" + options_.management_account + ":organization/" + id();
}

std::string Organization::account_arn(const std::string& account_id) const {
  return "arn:aws:organizations::" + options_.management_account + ":account/" + id() + "/" + account_id;
}

std::string Organization::member_role_arn(const std::string& account_id) const {
  return "arn:aws:iam::" + account_id + ":role/" + options_.member_role;
}

std::optional<sts::RoleInfo> OrganizationRoleDirectory::find(const sts::RoleArn& arn) const {
  const Organization& org = *organization_;
  if (arn.account_id == org.management_account()) {
    return sts::RoleInfo{arn.text, arn.account_id, arn.name, sts::role_id_for(arn.text), 43200};
  }
  if (!org.is_member(arn.account_id) || arn.path != "/" || arn.name != org.options().member_role) return std::nullopt;
  // The member role as CloudFormation (deploy/member-role.yaml) creates it: MaxSessionDuration's default, one hour.
  return sts::RoleInfo{arn.text, arn.account_id, arn.name, sts::role_id_for(arn.text), 3600};
}

bool OrganizationRoleDirectory::trusts(const sts::RoleInfo& role, const std::string& caller_account) const {
  if (role.account_id == organization_->management_account()) return true;
  return organization_->contains(caller_account);
}

}  // namespace pingwatch::local
