#include "local/sts/roles.h"

#include <openssl/sha.h>

#include <regex>

namespace pingwatch::local::sts {

namespace {
constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}

std::optional<RoleArn> parse_role_arn(const std::string& text) {
  // IAM's role ARN: empty region, 12-digit account, role/ then an optional path and a name (IAM's character set).
  static const std::regex pattern(R"(^arn:(aws):iam::([0-9]{12}):role((?:/[\w+=,.@-]+)*/)([\w+=,.@-]{1,64})$)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return std::nullopt;
  RoleArn arn{text, m[1], m[2], m[3], m[4]};
  if (arn.path.size() > 512) return std::nullopt;
  return arn;
}

std::string role_id_for(const std::string& role_arn) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(role_arn.data()), role_arn.size(), digest);
  std::string id = "AROA";
  for (int i = 0; i < 17; ++i) id += kBase32[digest[i] % 32];
  return id;
}

std::optional<RoleInfo> AnyRoleDirectory::find(const RoleArn& arn) const {
  return RoleInfo{arn.text, arn.account_id, arn.name, role_id_for(arn.text), 43200};
}

}  // namespace pingwatch::local::sts
