// Credential chain: container endpoint, EC2 IMDSv2 (fake servers on loopback), caching and refresh.
#include "aws/credentials_sources.h"
#include "aws/curl_http_client.h"
#include "credentials_test_support.h"

using namespace pingwatch::aws;
using namespace pingwatch::aws::testing;

namespace {

std::string creds_json(const std::string& ak, const std::string& expiration) {
  return R"({"Code":"Success","LastUpdated":"2030-01-01T00:00:00Z","Type":"AWS-HMAC","AccessKeyId":")" + ak +
         R"(","SecretAccessKey":"secret-)" + ak + R"(","Token":"token-)" + ak + R"(","Expiration":")" + expiration + "\"}";
}

// A fake IMDSv2: token required on every GET; answers credentials whose key id counts the fetches.
class FakeImds {
 public:
  explicit FakeImds(std::string expiration) : expiration_(std::move(expiration)) {
    server_.server().Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
      ++token_puts;
      if (v1_only) {
        res.status = 405;   // an IMDSv1-only endpoint
        return;
      }
      ttl_header = req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds");
      res.set_content("imds-token-1", "text/plain");
    });
    server_.server().Get(R"(/latest/meta-data/iam/security-credentials/(.*))",
                         [this](const httplib::Request& req, httplib::Response& res) {
                           if (!v1_only && req.get_header_value("X-aws-ec2-metadata-token") != "imds-token-1") {
                             res.status = 401;
                             return;
                           }
                           if (no_role) {
                             res.status = 404;
                             return;
                           }
                           const std::string role = req.matches[1];
                           if (role.empty()) {
                             res.set_content("pingwatch-role\n", "text/plain");
                             return;
                           }
                           if (role != "pingwatch-role") {
                             res.status = 404;
                             return;
                           }
                           if (fail) {
                             res.status = 500;
                             return;
                           }
                           if (delay.count() > 0) std::this_thread::sleep_for(delay);
                           int n = ++credential_fetches;
                           res.set_content(creds_json("ASIAIMDS" + std::to_string(n), expiration_), "application/json");
                         });
    server_.start();
  }
  std::string url() const { return server_.url(); }

  std::atomic<int> token_puts{0};
  std::atomic<int> credential_fetches{0};
  std::atomic<bool> fail{false};
  std::atomic<bool> no_role{false};
  std::atomic<bool> v1_only{false};
  std::chrono::milliseconds delay{0};
  std::string ttl_header;

 private:
  FakeServer server_;
  std::string expiration_;
};

// Records the URLs asked for and answers with canned credentials (for the fixed 169.254.170.2 host).
class RecordingHttp : public HttpClient {
 public:
  HttpResponse send(const HttpRequest& request) override {
    urls.push_back(request.url);
    auto* auth = find_header(request.headers, "Authorization");
    authorizations.push_back(auth ? *auth : "");
    return {200, {}, R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"})"};
  }
  std::vector<std::string> urls, authorizations;
};

}  // namespace

TEST_F(ChainTest, ContainerFullUriOnLoopbackWithTokenFile) {
  FakeServer ecs;
  std::string seen_auth;
  ecs.server().Get("/v2/credentials/abc", [&](const httplib::Request& req, httplib::Response& res) {
    seen_auth = req.get_header_value("Authorization");
    res.set_content(R"({"AccessKeyId":"ASIACONT","SecretAccessKey":"cont-secret","Token":"cont-token",)"
                    R"("Expiration":"2099-06-01T00:00:00Z","RoleArn":"arn:aws:iam::1:role/task"})",
                    "application/json");
  });
  ecs.start();
  write("auth-token", "Bearer-file-token\n");
  env_.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = ecs.url() + "/v2/credentials/abc";
  env_.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = path("auth-token");
  env_.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "env-token-loses-to-file";
  auto c = make_default_credentials_chain(options())->get();
  EXPECT_EQ(c.access_key_id, "ASIACONT");
  EXPECT_EQ(c.secret_access_key, "cont-secret");
  EXPECT_EQ(c.session_token, "cont-token");
  EXPECT_EQ(c.source, "container");
  EXPECT_EQ(*c.expiration, utc(2099, 6, 1, 0, 0, 0));
  EXPECT_EQ(seen_auth, "Bearer-file-token");
}

TEST_F(ChainTest, ContainerFullUriToOtherHostsIsRefused) {
  env_.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://169.254.169.254.attacker.example/creds";
  try {
    make_default_credentials_chain(options())->get();
    FAIL() << "expected a refusal";
  } catch (const NoCredentialsError& e) {
    EXPECT_NE(std::string(e.what()).find("not allowed"), std::string::npos) << e.what();
  }
}

TEST_F(ChainTest, ContainerRelativeUriGoesTo169_254_170_2) {
  auto http = std::make_shared<RecordingHttp>();
  env_.vars["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/task-1";
  env_.vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "env-token";
  auto o = options();
  o.metadata_http = http;
  EXPECT_EQ(make_default_credentials_chain(o)->get().access_key_id, "ASIAECS");
  ASSERT_EQ(http->urls.size(), 1u);
  EXPECT_EQ(http->urls[0], "http://169.254.170.2/v2/credentials/task-1");
  EXPECT_EQ(http->authorizations[0], "env-token");
}

TEST_F(ChainTest, ContainerEndpointDownIsAnErrorNotASilentFallThrough) {
  env_.vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:1/creds";   // nothing listens on port 1
  EXPECT_THROW(make_default_credentials_chain(options())->get(), TransportError);
}

TEST_F(ChainTest, ImdsV2TokenThenRoleThenCredentials) {
  FakeImds imds("2099-01-01T00:00:00Z");
  env_.vars.erase("AWS_EC2_METADATA_DISABLED");
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url() + "/";
  auto c = make_default_credentials_chain(options())->get();
  EXPECT_EQ(c.access_key_id, "ASIAIMDS1");
  EXPECT_EQ(c.secret_access_key, "secret-ASIAIMDS1");
  EXPECT_EQ(c.session_token, "token-ASIAIMDS1");
  EXPECT_EQ(c.source, "imds");
  EXPECT_EQ(imds.token_puts.load(), 1);
  EXPECT_EQ(imds.ttl_header, "21600");
}

TEST_F(ChainTest, ImdsDisabledIsNeverAsked) {
  FakeImds imds("2099-01-01T00:00:00Z");
  env_.vars["AWS_EC2_METADATA_DISABLED"] = "TRUE";
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  EXPECT_THROW(make_default_credentials_chain(options())->get(), NoCredentialsError);
  EXPECT_EQ(imds.token_puts.load(), 0);
}

TEST_F(ChainTest, ImdsWithoutRoleMeansNoCredentials) {
  FakeImds imds("2099-01-01T00:00:00Z");
  imds.no_role = true;
  env_.vars.erase("AWS_EC2_METADATA_DISABLED");
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  EXPECT_THROW(make_default_credentials_chain(options())->get(), NoCredentialsError);
}

TEST_F(ChainTest, UnreachableImdsEndsTheChainQuickly) {
  env_.vars.erase("AWS_EC2_METADATA_DISABLED");
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1";
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(make_default_credentials_chain(options())->get(), NoCredentialsError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST_F(ChainTest, TemporaryCredentialsAreCachedAndRefreshedFiveMinutesBeforeExpiry) {
  FakeImds imds("2030-01-01T01:00:00Z");
  env_.vars.erase("AWS_EC2_METADATA_DISABLED");
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  now_ = utc(2030, 1, 1, 0, 0, 0);
  auto chain = make_default_credentials_chain(options());
  EXPECT_EQ(chain->get().access_key_id, "ASIAIMDS1");
  now_ = utc(2030, 1, 1, 0, 54, 0);
  EXPECT_EQ(chain->get().access_key_id, "ASIAIMDS1");   // cached: 6 min left
  EXPECT_EQ(imds.credential_fetches.load(), 1);
  now_ = utc(2030, 1, 1, 0, 55, 30);
  EXPECT_EQ(chain->get().access_key_id, "ASIAIMDS2");   // inside the 5-minute window: refreshed
  EXPECT_EQ(imds.credential_fetches.load(), 2);
}

TEST_F(ChainTest, FailedRefreshKeepsValidCredentialsThenGivesUpAtExpiry) {
  FakeImds imds("2030-01-01T01:00:00Z");
  env_.vars.erase("AWS_EC2_METADATA_DISABLED");
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  now_ = utc(2030, 1, 1, 0, 0, 0);
  auto chain = make_default_credentials_chain(options());
  EXPECT_EQ(chain->get().access_key_id, "ASIAIMDS1");
  imds.fail = true;
  now_ = utc(2030, 1, 1, 0, 57, 0);
  EXPECT_EQ(chain->get().access_key_id, "ASIAIMDS1");   // refresh failed, still valid for 3 min
  now_ = utc(2030, 1, 1, 1, 0, 1);
  EXPECT_THROW(chain->get(), std::exception);
  imds.fail = false;
  now_ = utc(2030, 1, 1, 1, 0, 2);
  EXPECT_EQ(chain->get().access_key_id, "ASIAIMDS2");   // the source came back
}

TEST_F(ChainTest, ConcurrentCallersShareOneRefresh) {
  FakeImds imds("2030-01-01T01:00:00Z");
  imds.delay = 100ms;
  env_.vars.erase("AWS_EC2_METADATA_DISABLED");
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  now_ = utc(2030, 1, 1, 0, 0, 0);
  auto chain = make_default_credentials_chain(options());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (chain->get().access_key_id == "ASIAIMDS1") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(imds.credential_fetches.load(), 1);
}

TEST_F(ChainTest, EnvironmentComesBeforeImds) {
  FakeImds imds("2099-01-01T00:00:00Z");
  env_.vars.erase("AWS_EC2_METADATA_DISABLED");
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "s";
  EXPECT_EQ(make_default_credentials_chain(options())->get().access_key_id, "AKIDENV");
  EXPECT_EQ(imds.token_puts.load(), 0);
}

TEST_F(ChainTest, ImdsV1FallbackUnlessDisabled) {
  FakeImds imds("2099-01-01T00:00:00Z");
  imds.v1_only = true;
  env_.vars.erase("AWS_EC2_METADATA_DISABLED");
  env_.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url();
  EXPECT_EQ(make_default_credentials_chain(options())->get().access_key_id, "ASIAIMDS1");
  env_.vars["AWS_EC2_METADATA_V1_DISABLED"] = "true";
  EXPECT_THROW(make_default_credentials_chain(options())->get(), NoCredentialsError);
}
