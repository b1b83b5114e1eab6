#include "aws/sts_client.h"

#include "aws/error_parse.h"
#include "aws/query_protocol.h"

namespace pingwatch::aws {

namespace qp = query_protocol;

ServiceInfo StsClient::service_info() { return ServiceInfo{"sts", "sts", "STS", "sts"}; }

ProtocolInfo StsClient::protocol_info() {
  return ProtocolInfo{Protocol::Query, "", "2011-06-15", "https://sts.amazonaws.com/doc/2011-06-15/", false};
}

CallerIdentity StsClient::get_caller_identity() {
  auto reply = client_->call_query("GetCallerIdentity", {});
  return decode_reply("sts", "GetCallerIdentity", [&] {
    CallerIdentity id{qp::child_text(reply.result, "Account"), qp::child_text(reply.result, "Arn"),
                      qp::child_text(reply.result, "UserId")};
    if (id.account.empty()) throw DecodeError("GetCallerIdentityResult has no Account");
    return id;
  });
}

AssumeRoleResult StsClient::assume_role(const AssumeRoleRequest& request) {
  qp::ParamsBuilder b;
  b.add("RoleArn", request.role_arn).add("RoleSessionName", request.role_session_name);
  if (request.duration_seconds) b.add_int("DurationSeconds", *request.duration_seconds);
  b.add_if("ExternalId", request.external_id).add_if("Policy", request.policy);
  auto reply = client_->call_query("AssumeRole", b.params());
  return decode_reply("sts", "AssumeRole", [&] {
    AssumeRoleResult out;
    pugi::xml_node creds = reply.result.child("Credentials");
    out.credentials.access_key_id = qp::child_text(creds, "AccessKeyId");
    out.credentials.secret_access_key = qp::child_text(creds, "SecretAccessKey");
    out.credentials.session_token = qp::child_text(creds, "SessionToken");
    out.credentials.expiration = qp::child_time(creds, "Expiration");
    out.credentials.source = "assume-role:" + request.role_arn;
    if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty()) {
      throw DecodeError("AssumeRoleResult has no Credentials/AccessKeyId or SecretAccessKey");
    }
    pugi::xml_node user = reply.result.child("AssumedRoleUser");
    out.assumed_role_arn = qp::child_text(user, "Arn");
    out.assumed_role_id = qp::child_text(user, "AssumedRoleId");
    return out;
  });
}

std::shared_ptr<CredentialsProvider> make_assume_role_credentials(std::shared_ptr<StsClient> sts, AssumeRoleRequest request) {
  auto clock = sts->service_client().config().clock;
  return make_refreshing_credentials([sts, request] { return sts->assume_role(request).credentials; }, std::move(clock));
}

}  // namespace pingwatch::aws
