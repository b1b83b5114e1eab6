// Credential chain: environment, profile files (static keys, credential_process, assume role), web identity.
#include <sys/stat.h>

#include "aws/credentials_sources.h"
#include "aws/error.h"
#include "credentials_test_support.h"

using namespace pingwatch::aws;
using namespace pingwatch::aws::testing;

namespace {

constexpr const char* kNoCredentials =
    "no AWS credentials found: set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on an instance with a role";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_F(ChainTest, NothingConfiguredSaysWhatToSet) {
  auto chain = make_default_credentials_chain(options());
  try {
    chain->get();
    FAIL() << "expected NoCredentialsError";
  } catch (const NoCredentialsError& e) {
    EXPECT_STREQ(e.what(), kNoCredentials);
  }
}

TEST_F(ChainTest, EnvironmentKeysWin) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env_.vars["AWS_SESSION_TOKEN"] = "env-token";
  write("credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n");
  auto c = make_default_credentials_chain(options())->get();
  EXPECT_EQ(c.access_key_id, "AKIDENV");
  EXPECT_EQ(c.secret_access_key, "env-secret");
  EXPECT_EQ(c.session_token, "env-token");
  EXPECT_EQ(c.source, "environment");
  EXPECT_FALSE(c.expiration.has_value());
}

TEST_F(ChainTest, PartialEnvironmentKeysAreAnErrorWithoutTheSecret) {
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "very-secret-value";
  std::string msg = error_of([&] { make_default_credentials_chain(options())->get(); });
  EXPECT_NE(msg.find("AWS_ACCESS_KEY_ID"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("very-secret-value"), std::string::npos) << msg;
}

TEST_F(ChainTest, ExplicitProfileSkipsEnvironmentKeys) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  write("credentials", "[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = prod-secret\n");
  auto o = options();
  o.profile = "prod";
  auto c = make_default_credentials_chain(o)->get();
  EXPECT_EQ(c.access_key_id, "AKIDPROD");
  EXPECT_EQ(c.source, "profile:prod");
}

TEST_F(ChainTest, AwsProfileSelectsProfileAndCredentialsFileOverridesConfig) {
  env_.vars["AWS_PROFILE"] = "dev";
  write("config", "[profile dev]\nregion = ap-northeast-1\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = cfg\n");
  write("credentials", "# comment\n[dev]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = creds-secret\n"
                       "aws_session_token = tok\n");
  auto c = make_default_credentials_chain(options())->get();
  EXPECT_EQ(c.access_key_id, "AKIDCREDS");
  EXPECT_EQ(c.secret_access_key, "creds-secret");
  EXPECT_EQ(c.session_token, "tok");
  EXPECT_EQ(c.source, "profile:dev");
}

TEST_F(ChainTest, StaticKeysInConfigFileProfileSection) {
  env_.vars["AWS_PROFILE"] = "cfg";
  write("config", "[profile cfg]\naws_access_key_id = AKIDCFG\naws_secret_access_key = cfg-secret\n");
  EXPECT_EQ(make_default_credentials_chain(options())->get().access_key_id, "AKIDCFG");
}

TEST_F(ChainTest, ConfigSectionWithoutProfilePrefixIsNotAProfile) {
  env_.vars["AWS_PROFILE"] = "dev";
  write("config", "[dev]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = x\n");
  std::string msg = error_of([&] { make_default_credentials_chain(options())->get(); });
  EXPECT_NE(msg.find("The config profile (dev) could not be found"), std::string::npos) << msg;
}

TEST_F(ChainTest, DefaultProfileInConfigFile) {
  write("config", "[default]\naws_access_key_id = AKIDDEF\naws_secret_access_key = def\n");
  EXPECT_EQ(make_default_credentials_chain(options())->get().access_key_id, "AKIDDEF");
}

TEST_F(ChainTest, CredentialProcessVersion1) {
  write("proc.sh",
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"proc-secret\", "
        "\"SessionToken\": \"proc-token\", \"Expiration\": \"2099-01-02T03:04:05Z\"}'\n");
  ::chmod(path("proc.sh").c_str(), 0700);
  write("config", "[default]\ncredential_process = " + path("proc.sh") + " --flag \"quoted arg\"\n");
  auto c = make_default_credentials_chain(options())->get();
  EXPECT_EQ(c.access_key_id, "AKIDPROC");
  EXPECT_EQ(c.secret_access_key, "proc-secret");
  EXPECT_EQ(c.session_token, "proc-token");
  ASSERT_TRUE(c.expiration.has_value());
  EXPECT_EQ(*c.expiration, utc(2099, 1, 2, 3, 4, 5));
  EXPECT_EQ(c.source, "credential-process:default");
}

TEST_F(ChainTest, CredentialProcessFailuresNameTheProfileNotTheOutput) {
  write("config", "[profile bad-exit]\ncredential_process = sh -c 'exit 3'\n"
                  "[profile bad-json]\ncredential_process = echo not-json-SECRETSTUFF\n"
                  "[profile bad-version]\ncredential_process = echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\"}'\n");
  auto run = [&](const char* profile) {
    auto o = options();
    o.profile = profile;
    return error_of([&] { make_default_credentials_chain(o)->get(); });
  };
  std::string exit_msg = run("bad-exit");
  EXPECT_NE(exit_msg.find("bad-exit"), std::string::npos) << exit_msg;
  EXPECT_NE(exit_msg.find("status 3"), std::string::npos) << exit_msg;
  std::string json_msg = run("bad-json");
  EXPECT_NE(json_msg.find("did not print JSON"), std::string::npos) << json_msg;
  EXPECT_EQ(json_msg.find("SECRETSTUFF"), std::string::npos) << json_msg;
  EXPECT_NE(run("bad-version").find("\"Version\": 1"), std::string::npos);
}

TEST_F(ChainTest, SsoProfileIsAClearError) {
  write("config", "[profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_role_name = Admin\n");
  auto o = options();
  o.profile = "sso";
  std::string msg = error_of([&] { make_default_credentials_chain(o)->get(); });
  EXPECT_NE(msg.find("export-credentials"), std::string::npos) << msg;
}

// --- assume role through a fake STS -------------------------------------------------------------------------

class AssumeRoleTest : public ChainTest {
 protected:
  void SetUp() override {
    ChainTest::SetUp();
    sts_.server().Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      auto form = parse_form(req.body);
      requests_.push_back(form);
      authorizations_.push_back(req.get_header_value("Authorization"));
      std::string signer = source_secret_for_next_call_.empty() ? "" : source_secret_for_next_call_.front();
      if (!source_secret_for_next_call_.empty()) source_secret_for_next_call_.erase(source_secret_for_next_call_.begin());
      verified_.push_back(!signer.empty() && signature_verifies(req, signer, sts_.url()));
      if (fail_next_with_ > 0) {
        res.status = fail_next_with_;
        fail_next_with_ = 0;
        res.set_content(error_body_, "text/xml");
        return;
      }
      const std::string action = form["Action"];
      res.set_content(sts_reply(action, "ASIA" + std::to_string(requests_.size()), "2099-01-01T00:00:00.123Z"), "text/xml");
    });
    sts_.start();
    env_.vars["AWS_ENDPOINT_URL_STS"] = sts_.url();
  }

  FakeServer sts_;
  std::mutex mutex_;
  std::vector<std::map<std::string, std::string>> requests_;
  std::vector<std::string> authorizations_;
  std::vector<bool> verified_;
  std::vector<std::string> source_secret_for_next_call_;
  int fail_next_with_ = 0;
  std::string error_body_;
};

TEST_F(AssumeRoleTest, RoleArnWithSourceProfileCallsAssumeRoleSignedBySource) {
  write("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
  write("config", "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/Ops Role\nsource_profile = base\n"
                  "external_id = ext-1\nrole_session_name = sess-1\nduration_seconds = 1800\n");
  source_secret_for_next_call_ = {"base-secret"};
  auto o = options();
  o.profile = "ops";
  auto c = make_default_credentials_chain(o)->get();
  EXPECT_EQ(c.access_key_id, "ASIA1");
  EXPECT_EQ(c.secret_access_key, "secret-of-ASIA1");
  EXPECT_EQ(c.session_token, "token-of-ASIA1");
  ASSERT_TRUE(c.expiration.has_value());
  EXPECT_EQ(*c.expiration, utc(2099, 1, 1, 0, 0, 0) + 123ms);
  EXPECT_EQ(c.source, "assume-role:ops");

  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0]["Action"], "AssumeRole");
  EXPECT_EQ(requests_[0]["Version"], "2011-06-15");
  EXPECT_EQ(requests_[0]["RoleArn"], "arn:aws:iam::123456789012:role/Ops Role");
  EXPECT_EQ(requests_[0]["RoleSessionName"], "sess-1");
  EXPECT_EQ(requests_[0]["ExternalId"], "ext-1");
  EXPECT_EQ(requests_[0]["DurationSeconds"], "1800");
  EXPECT_NE(authorizations_[0].find("Credential=AKIDBASE/"), std::string::npos) << authorizations_[0];
  EXPECT_NE(authorizations_[0].find("/us-east-1/sts/aws4_request"), std::string::npos) << authorizations_[0];
  EXPECT_TRUE(verified_[0]) << "AssumeRole signature does not verify with the source profile's secret";
}

TEST_F(AssumeRoleTest, ChainedRolesAssumeInOrderAndSignWithSessionToken) {
  write("credentials", "[root]\naws_access_key_id = AKIDROOT\naws_secret_access_key = root-secret\n");
  write("config", "[profile middle]\nrole_arn = arn:aws:iam::1:role/middle\nsource_profile = root\n"
                  "[profile top]\nrole_arn = arn:aws:iam::2:role/top\nsource_profile = middle\n");
  source_secret_for_next_call_ = {"root-secret", "secret-of-ASIA1"};
  auto o = options();
  o.profile = "top";
  auto c = make_default_credentials_chain(o)->get();
  EXPECT_EQ(c.access_key_id, "ASIA2");
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_EQ(requests_[0]["RoleArn"], "arn:aws:iam::1:role/middle");
  EXPECT_EQ(requests_[1]["RoleArn"], "arn:aws:iam::2:role/top");
  EXPECT_TRUE(verified_[0]);
  EXPECT_TRUE(verified_[1]) << "second hop must be signed with the first hop's temporary credentials";
  EXPECT_TRUE(requests_[1]["RoleSessionName"].rfind("pingwatch-", 0) == 0) << requests_[1]["RoleSessionName"];
}

TEST_F(AssumeRoleTest, SourceProfileLoopIsDetected) {
  write("config", "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
                  "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
  auto o = options();
  o.profile = "a";
  std::string msg = error_of([&] { make_default_credentials_chain(o)->get(); });
  EXPECT_NE(msg.find("loop"), std::string::npos) << msg;
  EXPECT_TRUE(requests_.empty());
}

TEST_F(AssumeRoleTest, CredentialSourceEnvironment) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  write("config", "[profile viaenv]\nrole_arn = arn:aws:iam::1:role/x\ncredential_source = Environment\n");
  source_secret_for_next_call_ = {"env-secret"};
  auto o = options();
  o.profile = "viaenv";
  EXPECT_EQ(make_default_credentials_chain(o)->get().access_key_id, "ASIA1");
  EXPECT_TRUE(verified_[0]);
}

TEST_F(AssumeRoleTest, AccessDeniedFailsAtOnceWithTheCode) {
  write("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
  write("config", "[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = base\n");
  fail_next_with_ = 403;
  error_body_ = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to "
                "perform: sts:AssumeRole</Message></Error><RequestId>rid-9</RequestId></ErrorResponse>";
  auto o = options();
  o.profile = "ops";
  try {
    make_default_credentials_chain(o)->get();
    FAIL() << "expected AwsError";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "AccessDenied");
    EXPECT_EQ(e.http_status, 403);
    EXPECT_EQ(e.request_id, "rid-9");
    EXPECT_EQ(std::string(e.what()).find("base-secret"), std::string::npos);
  }
  EXPECT_EQ(requests_.size(), 1u);
}

TEST_F(AssumeRoleTest, ServerErrorIsRetried) {
  write("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
  write("config", "[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = base\n");
  fail_next_with_ = 503;
  error_body_ = "<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error></ErrorResponse>";
  auto o = options();
  o.profile = "ops";
  EXPECT_EQ(make_default_credentials_chain(o)->get().access_key_id, "ASIA2");
  EXPECT_EQ(requests_.size(), 2u);
}

TEST_F(AssumeRoleTest, WebIdentityFromEnvironmentIsUnsigned) {
  write("token.jwt", "eyJhbGciOiJSUzI1NiJ9.payload.sig\n");
  env_.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = path("token.jwt");
  env_.vars["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/pod";
  env_.vars["AWS_ROLE_SESSION_NAME"] = "my-pod";
  auto c = make_default_credentials_chain(options())->get();
  EXPECT_EQ(c.access_key_id, "ASIA1");
  EXPECT_EQ(c.source, "web-identity");
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0]["Action"], "AssumeRoleWithWebIdentity");
  EXPECT_EQ(requests_[0]["RoleArn"], "arn:aws:iam::123456789012:role/pod");
  EXPECT_EQ(requests_[0]["RoleSessionName"], "my-pod");
  EXPECT_EQ(requests_[0]["WebIdentityToken"], "eyJhbGciOiJSUzI1NiJ9.payload.sig");
  EXPECT_EQ(authorizations_[0], "");
}

TEST_F(AssumeRoleTest, ProfileWebIdentityTokenFile) {
  write("token.jwt", "jwt-from-profile");
  write("config", "[profile pod]\nrole_arn = arn:aws:iam::1:role/pod\nweb_identity_token_file = " + path("token.jwt") + "\n");
  auto o = options();
  o.profile = "pod";
  EXPECT_EQ(make_default_credentials_chain(o)->get().access_key_id, "ASIA1");
  EXPECT_EQ(requests_[0]["WebIdentityToken"], "jwt-from-profile");
}

TEST_F(AssumeRoleTest, ProfileKeysComeBeforeWebIdentity) {
  write("credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n");
  write("token.jwt", "jwt");
  env_.vars["AWS_WEB_IDENTITY_TOKEN_FILE"] = path("token.jwt");
  env_.vars["AWS_ROLE_ARN"] = "arn:aws:iam::1:role/pod";
  EXPECT_EQ(make_default_credentials_chain(options())->get().access_key_id, "AKIDFILE");
  EXPECT_TRUE(requests_.empty());
}

// --- pieces -------------------------------------------------------------------------------------------------

TEST(ParseIso8601, FormatsTheServicesUse) {
  using credential_sources::parse_iso8601;
  EXPECT_EQ(parse_iso8601("2024-04-12T08:28:26Z"), utc(2024, 4, 12, 8, 28, 26));
  EXPECT_EQ(parse_iso8601("2024-04-12T08:28:26.359Z"), utc(2024, 4, 12, 8, 28, 26) + 359ms);
  EXPECT_EQ(parse_iso8601("2024-04-12T08:28:26+00:00"), utc(2024, 4, 12, 8, 28, 26));
  EXPECT_EQ(parse_iso8601("2024-04-12T17:28:26+09:00"), utc(2024, 4, 12, 8, 28, 26));
  EXPECT_EQ(parse_iso8601("2024-04-12T08:28:26.000+0000"), utc(2024, 4, 12, 8, 28, 26));
  EXPECT_FALSE(parse_iso8601("2024-04-12T08:28:26").has_value());
  EXPECT_FALSE(parse_iso8601("yesterday").has_value());
  EXPECT_FALSE(parse_iso8601("").has_value());
}

TEST(StaticCredentials, ReturnsWhatItWasGiven) {
  Credentials c{"AKID", "secret", "token", std::nullopt, ""};
  auto p = make_static_credentials(c);
  EXPECT_EQ(p->get().access_key_id, "AKID");
  EXPECT_EQ(p->get().session_token, "token");
  EXPECT_EQ(p->get().source, "static");
}
