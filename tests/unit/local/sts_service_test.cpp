// The local STS: GetCallerIdentity per kind of principal, AssumeRole's validation with AWS's messages, and
// temporary credentials that the signature check accepts, binds to the role's account and expires.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "aws/sigv4.h"
#include "local/sts/sts_service.h"
#include "sts_fixture.h"

namespace pingwatch::local::sts {
namespace {

class StsServiceTest : public StsFixture {
 protected:
  StsServiceTest() { service_ = std::make_unique<StsService>(context_, keys_); }
  // The <OpResult> element of a successful reply.
  pugi::xml_node result_of(const Response& reply, const std::string& op) {
    EXPECT_EQ(reply.status, 200);
    EXPECT_TRUE(doc_.load_string(reply.body.c_str())) << reply.body;
    return doc_.child((op + "Response").c_str()).child((op + "Result").c_str());
  }
  std::string error_of(const Request& r) {
    try {
      service_->handle(r);
    } catch (const ServiceError& e) {
      return e.code + ": " + e.what();
    }
    return "no error";
  }
  std::map<std::string, std::string> assume(const std::string& role, const std::string& session,
                                            const std::string& key = "test", const std::string& duration = "") {
    std::map<std::string, std::string> p{{"RoleArn", role}, {"RoleSessionName", session}};
    if (!duration.empty()) p["DurationSeconds"] = duration;
    const auto creds = result_of(service_->handle(request("AssumeRole", p, key)), "AssumeRole");
    std::map<std::string, std::string> out;
    for (const char* name : {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}) {
      out[name] = creds.child("Credentials").child_value(name);
    }
    out["Arn"] = creds.child("AssumedRoleUser").child_value("Arn");
    out["AssumedRoleId"] = creds.child("AssumedRoleUser").child_value("AssumedRoleId");
    return out;
  }
  pugi::xml_document doc_;
};

TEST_F(StsServiceTest, StackKeyPairIsTheAccountRoot) {
  const auto r = result_of(service_->handle(request("GetCallerIdentity", {})), "GetCallerIdentity");
  EXPECT_STREQ(r.child_value("Account"), "123456789012");
  EXPECT_STREQ(r.child_value("UserId"), "123456789012");
  EXPECT_STREQ(r.child_value("Arn"), "arn:aws:iam::123456789012:root");
  EXPECT_NE(doc_.child("GetCallerIdentityResponse").attribute("xmlns").value(), std::string());
  EXPECT_STREQ(doc_.child("GetCallerIdentityResponse").child("ResponseMetadata").child_value("RequestId"), "req-1");
}

TEST_F(StsServiceTest, AssumeRoleMintsTemporaryCredentialsOfTheRoleAccount) {
  const auto c = assume("arn:aws:iam::210987654321:role/ops/Deployer", "alice@example.com");
  EXPECT_TRUE(c.at("AccessKeyId").starts_with("ASIA")) << c.at("AccessKeyId");
  EXPECT_EQ(c.at("AccessKeyId").size(), 20u);
  EXPECT_EQ(c.at("SecretAccessKey").size(), 40u);
  EXPECT_GT(c.at("SessionToken").size(), 100u);
  EXPECT_EQ(c.at("Expiration"), "2024-04-12T09:30:00Z");   // default 3600 s on the simulated clock
  // The path is not part of the session ARN; the role id is AROA + 17 characters.
  EXPECT_EQ(c.at("Arn"), "arn:aws:sts::210987654321:assumed-role/Deployer/alice@example.com");
  EXPECT_TRUE(c.at("AssumedRoleId").starts_with("AROA")) << c.at("AssumedRoleId");
  EXPECT_EQ(c.at("AssumedRoleId").substr(21), ":alice@example.com");
  const auto key = keys_.find(c.at("AccessKeyId"));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->account_id, "210987654321");

  const auto who = result_of(service_->handle(request("GetCallerIdentity", {}, c.at("AccessKeyId"))), "GetCallerIdentity");
  EXPECT_STREQ(who.child_value("Account"), "210987654321");
  EXPECT_EQ(std::string(who.child_value("Arn")), c.at("Arn"));
  EXPECT_EQ(std::string(who.child_value("UserId")), c.at("AssumedRoleId"));
  // The same role always has the same id; DurationSeconds sets the expiration.
  EXPECT_EQ(assume("arn:aws:iam::210987654321:role/ops/Deployer", "bob", "test", "900").at("AssumedRoleId").substr(0, 21),
            c.at("AssumedRoleId").substr(0, 21));
  EXPECT_EQ(assume("arn:aws:iam::210987654321:role/x", "bob", "test", "43200").at("Expiration"), "2024-04-12T20:30:00Z");
}

// A request signed with minted credentials, as an SDK sends it (X-Amz-Security-Token signed with the rest).
SignedRequest signed_with(const std::map<std::string, std::string>& c, const std::string& token) {
  aws::HttpRequest r;
  r.method = "POST";
  r.url = "http://127.0.0.1:4566/";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r.body = "Action=GetCallerIdentity&Version=2011-06-15";
  aws::sigv4::sign_request(r, aws::Credentials{c.at("AccessKeyId"), c.at("SecretAccessKey"), token, std::nullopt, "t"},
                           {"us-east-1", "sts", std::chrono::system_clock::time_point(std::chrono::seconds(1712910600))});
  return SignedRequest{r.method, "/", r.headers, r.body, "sts"};
}

AuthFailure::Kind failure(const SignedRequest& r, const CredentialStore& keys, double sim) {
  try {
    verify_signature(r, keys, kNow, sim);
  } catch (const AuthFailure& f) {
    return f.kind;
  }
  ADD_FAILURE() << "accepted";
  return AuthFailure::Kind::MissingToken;
}

TEST_F(StsServiceTest, SignatureCheckAcceptsSessionUntilExpirationThenExpiredToken) {
  const auto c = assume("arn:aws:iam::210987654321:role/Deployer", "s1", "test", "900");
  const Identity id = verify_signature(signed_with(c, c.at("SessionToken")), keys_, kNow, kNow + 899);
  EXPECT_EQ(id.account_id, "210987654321");
  EXPECT_EQ(id.access_key_id, c.at("AccessKeyId"));
  EXPECT_EQ(failure(signed_with(c, c.at("SessionToken")), keys_, kNow + 900), AuthFailure::Kind::ExpiredToken);
  // Without its session token, or with another, the key is unknown (InvalidClientTokenId / UnrecognizedClient).
  EXPECT_EQ(failure(signed_with(c, ""), keys_, kNow), AuthFailure::Kind::UnknownKey);
  EXPECT_EQ(failure(signed_with(c, c.at("SessionToken") + "x"), keys_, kNow), AuthFailure::Kind::UnknownKey);
}

TEST_F(StsServiceTest, RoleChainingIsLimitedToOneHour) {
  const auto first = assume("arn:aws:iam::210987654321:role/A", "first");
  EXPECT_EQ(error_of(request("AssumeRole", {{"RoleArn", "arn:aws:iam::111122223333:role/B"}, {"RoleSessionName", "second"},
                                            {"DurationSeconds", "3601"}}, first.at("AccessKeyId"))),
            "ValidationError: The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  const auto second = assume("arn:aws:iam::111122223333:role/B", "second", first.at("AccessKeyId"), "3600");
  EXPECT_EQ(keys_.find(second.at("AccessKeyId"))->account_id, "111122223333");
}

TEST_F(StsServiceTest, ValidationErrorsCarryAwsMessages) {
  const std::string role = "arn:aws:iam::123456789012:role/R";
  EXPECT_EQ(error_of(request("AssumeRole", {{"RoleArn", role}, {"RoleSessionName", "s1"}, {"DurationSeconds", "899"}})),
            "ValidationError: 1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value greater than or equal to 900");
  EXPECT_EQ(error_of(request("AssumeRole", {{"RoleArn", role}, {"RoleSessionName", "s1"}, {"DurationSeconds", "43201"}})),
            "ValidationError: 1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value less than or equal to 43200");
  EXPECT_EQ(error_of(request("AssumeRole", {{"RoleArn", role}, {"RoleSessionName", "a"}})),
            "ValidationError: 1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: "
            "Member must have length greater than or equal to 2");
  EXPECT_EQ(error_of(request("AssumeRole", {{"RoleArn", role}, {"RoleSessionName", std::string(65, 'x')}})),
            "ValidationError: 1 validation error detected: Value '" + std::string(65, 'x') +
                "' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64");
  EXPECT_EQ(error_of(request("AssumeRole", {{"RoleArn", role}, {"RoleSessionName", "bad name!"}})),
            "ValidationError: 1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  EXPECT_EQ(error_of(request("AssumeRole", {})),
            "ValidationError: 2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member "
            "must not be null; Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(error_of(request("AssumeRole", {{"RoleArn", "arn:aws:iam::1:role"}, {"RoleSessionName", "s1"}})),
            "ValidationError: 1 validation error detected: Value 'arn:aws:iam::1:role' at 'roleArn' failed to satisfy "
            "constraint: Member must have length greater than or equal to 20");
  EXPECT_EQ(error_of(request("AssumeRole", {{"RoleArn", role}, {"RoleSessionName", "s1"}, {"ExternalId", "a b"}})),
            "ValidationError: 1 validation error detected: Value 'a b' at 'externalId' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*");
}

TEST_F(StsServiceTest, ArnsThatAreNotRolesAreInvalid) {
  for (const std::string arn : {"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::12345678901:role/short-account",
                                "arn:aws:iam:us-east-1:123456789012:role/regional", "arn:aws:s3:::bucket-name-long-enough",
                                "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/bad name"}) {
    EXPECT_EQ(error_of(request("AssumeRole", {{"RoleArn", arn}, {"RoleSessionName", "s1"}})),
              "ValidationError: Request ARN is invalid")
        << arn;
  }
}

class NoRoles : public RoleDirectory {
 public:
  std::optional<RoleInfo> find(const RoleArn&) const override { return std::nullopt; }
};

TEST_F(StsServiceTest, RoleTheDirectoryDoesNotKnowIsAccessDenied) {
  StsService strict(context_, keys_, std::make_shared<NoRoles>());
  try {
    strict.handle(request("AssumeRole", {{"RoleArn", "arn:aws:iam::123456789012:role/Missing"}, {"RoleSessionName", "s1"}}));
    FAIL() << "accepted";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status, 403);
    EXPECT_EQ(e.code, "AccessDenied");
    EXPECT_STREQ(e.what(), "User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on "
                           "resource: arn:aws:iam::123456789012:role/Missing");
  }
}

TEST_F(StsServiceTest, WebIdentityTokenMustBeAJwtWithASubject) {
  // {"alg":"none"} . {"sub":"system:serviceaccount:ns:app","aud":"sts.amazonaws.com","iss":"https://oidc.example"} .
  const std::string jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6YXBwIiwiYXVkIjoic3RzLmFtYXpv"
                          "bmF3cy5jb20iLCJpc3MiOiJodHRwczovL29pZGMuZXhhbXBsZSJ9.c2ln";
  Request r = request("AssumeRoleWithWebIdentity",
                      {{"RoleArn", "arn:aws:iam::210987654321:role/App"}, {"RoleSessionName", "pod"}, {"WebIdentityToken", jwt}}, "");
  const auto result = result_of(service_->handle(r), "AssumeRoleWithWebIdentity");
  EXPECT_STREQ(result.child_value("SubjectFromWebIdentityToken"), "system:serviceaccount:ns:app");
  EXPECT_STREQ(result.child_value("Audience"), "sts.amazonaws.com");
  EXPECT_STREQ(result.child_value("Provider"), "oidc.example");
  EXPECT_STREQ(result.child("AssumedRoleUser").child_value("Arn"), "arn:aws:sts::210987654321:assumed-role/App/pod");
  EXPECT_TRUE(std::string(result.child("Credentials").child_value("AccessKeyId")).starts_with("ASIA"));
  r.params["WebIdentityToken"] = "not-a-jwt";
  EXPECT_EQ(error_of(r).substr(0, 21), "InvalidIdentityToken:");
}

TEST_F(StsServiceTest, OtherActionsAreInvalidAction) {
  EXPECT_EQ(error_of(request("GetFederationToken", {{"Name", "x"}})),
            "InvalidAction: Could not find operation GetFederationToken for version 2011-06-15");
}

TEST_F(StsServiceTest, SessionsSurviveSaveAndLoad) {
  const auto c = assume("arn:aws:iam::210987654321:role/Deployer", "kept");
  const nlohmann::json saved = service_->save();
  CredentialStore fresh;
  StsService restarted(context_, fresh);
  restarted.load(saved);
  const auto key = fresh.find(c.at("AccessKeyId"));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->session_token, c.at("SessionToken"));
  EXPECT_EQ(key->principal_arn, c.at("Arn"));
  EXPECT_EQ(key->account_id, "210987654321");
}

}  // namespace
}  // namespace pingwatch::local::sts
