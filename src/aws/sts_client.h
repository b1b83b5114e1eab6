#pragma once
// STS (awsQuery, Version 2011-06-15): who am I, and assume-role.
#include <memory>
#include <optional>
#include <string>

#include "aws/credentials.h"
#include "aws/service_client.h"

namespace pingwatch::aws {

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

struct AssumeRoleRequest {
  std::string role_arn;
  std::string role_session_name;
  std::optional<int> duration_seconds;   // 900..43200
  std::string external_id;
  std::string policy;                    // inline session policy JSON
};

struct AssumeRoleResult {
  Credentials credentials;               // source "assume-role:<role arn>", with expiration
  std::string assumed_role_arn;
  std::string assumed_role_id;
};

class StsClient : public ClientOf<StsClient> {
 public:
  static ServiceInfo service_info();     // sts / AWS_ENDPOINT_URL_STS
  static ProtocolInfo protocol_info();   // Query, 2011-06-15

  using ClientOf::ClientOf;

  CallerIdentity get_caller_identity();
  AssumeRoleResult assume_role(const AssumeRoleRequest& request);
};

// The credentials of request.role_arn, assumed through `sts` (signed with its own credentials) and assumed
// again before they expire (make_refreshing_credentials, on the STS client's clock). Thread-safe.
std::shared_ptr<CredentialsProvider> make_assume_role_credentials(std::shared_ptr<StsClient> sts, AssumeRoleRequest request);

}  // namespace pingwatch::aws
