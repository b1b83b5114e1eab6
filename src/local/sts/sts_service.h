#pragma once
// The local STS (awsQuery, API version 2011-06-15, signing name sts): GetCallerIdentity, AssumeRole and
// AssumeRoleWithWebIdentity. AssumeRole mints temporary credentials (ASIA… key, secret, session token,
// Expiration on the simulated clock) into the stack's CredentialStore, bound to the role's account: requests
// signed with them run as that account, and answer ExpiredToken once they expire.
#include <memory>
#include <string>

#include "local/auth.h"
#include "local/service.h"
#include "local/sts/roles.h"

namespace pingwatch::local::sts {

class StsService : public Service {
 public:
  StsService(StackContext& context, CredentialStore& keys,
             std::shared_ptr<const RoleDirectory> roles = std::make_shared<AnyRoleDirectory>());
  std::string signing_name() const override { return "sts"; }
  Response handle(const Request& request) override;
  // Issued sessions outlive a restart with --state, as AWS's credentials outlive any one server.
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

 private:
  Response get_caller_identity(const Request& request) const;
  Response assume_role(const Request& request);
  Response assume_role_with_web_identity(const Request& request);
  // Temporary credentials for a role session, stored so that the signature check accepts them.
  KeyPair mint_session(const RoleInfo& role, const std::string& session_name, long long duration_seconds);
  // The role an ARN names (ValidationError when it is not a role ARN; AccessDenied with `denial` when the
  // directory has no such role).
  RoleInfo resolve_role(const std::string& role_arn, const std::string& denial) const;

  StackContext& context_;
  CredentialStore& keys_;
  std::shared_ptr<const RoleDirectory> roles_;
};

}  // namespace pingwatch::local::sts

namespace pingwatch::local {
std::unique_ptr<Service> make_sts_service(StackContext& context, CredentialStore& keys);
// With the IAM roles a directory knows (organizations/organization.h for `--accounts`).
std::unique_ptr<Service> make_sts_service(StackContext& context, CredentialStore& keys,
                                          std::shared_ptr<const sts::RoleDirectory> roles);
}
