#pragma once
// IAM roles as the local STS sees them. The stack has no IAM yet: AnyRoleDirectory treats every syntactically
// valid role ARN as an existing role of that account (any account), so AssumeRole succeeds for any of them.
// With `--accounts` the stack plugs in organizations/organization.h's directory, which knows member accounts and
// their roles; a role it does not find, or whose trust policy does not admit the caller, is refused (AccessDenied)
// by the service, as AWS refuses a role that does not exist or does not trust the caller.
#include <optional>
#include <string>

namespace pingwatch::local::sts {

// arn:PARTITION:iam::ACCOUNT:role/PATH/NAME, split.
struct RoleArn {
  std::string text;        // as given
  std::string partition;   // aws
  std::string account_id;  // 12 digits
  std::string path;        // "/" or "/a/b/"
  std::string name;        // [\w+=,.@-]{1,64}
};

// nullopt when `text` is not an IAM role ARN (AWS answers ValidationError "Request ARN is invalid").
std::optional<RoleArn> parse_role_arn(const std::string& text);

struct RoleInfo {
  std::string arn;
  std::string account_id;
  std::string name;
  std::string role_id;                 // AROA + 17 characters, stable for the role
  int max_session_seconds = 43200;     // the role's MaxSessionDuration (3600..43200)
};

class RoleDirectory {
 public:
  virtual ~RoleDirectory() = default;
  virtual std::optional<RoleInfo> find(const RoleArn& arn) const = 0;
  // Does the role's trust policy let principals of `caller_account` assume it? (AnyRoleDirectory: everyone.)
  virtual bool trusts(const RoleInfo& /*role*/, const std::string& /*caller_account*/) const { return true; }
};

class AnyRoleDirectory : public RoleDirectory {
 public:
  std::optional<RoleInfo> find(const RoleArn& arn) const override;
};

// A stable role id for a role ARN: "AROA" + 17 base32 characters derived from the ARN.
std::string role_id_for(const std::string& role_arn);

}  // namespace pingwatch::local::sts
