#pragma once
// AWS credentials and the standard provider chain (env, profile files, web identity, container, IMDSv2).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace pingwatch::aws {

using SystemTime = std::chrono::system_clock::time_point;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;   // never logged
  std::string session_token;       // empty for long-term keys; never logged
  std::optional<SystemTime> expiration;
  std::string source;              // "environment", "profile:NAME", "imds", ... for diagnostics
};

// Thrown when no source in the chain yields credentials; message says what to set.
struct NoCredentialsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Returns valid credentials, refreshing temporary ones before they expire. Thread-safe.
  virtual Credentials get() = 0;
};

std::shared_ptr<CredentialsProvider> make_static_credentials(Credentials creds);

// Credentials from `fetch`, cached and fetched again 5 minutes before they expire (the SDKs' rule). When a
// refresh fails, the current credentials are used until they expire (retried every 10 s meanwhile), never
// after. Credentials without an expiration are fetched once. The chain and assumed roles
// (sts_client.h make_assume_role_credentials) both refresh through this one provider.
std::shared_ptr<CredentialsProvider> make_refreshing_credentials(std::function<Credentials()> fetch,
                                                                 std::function<SystemTime()> clock = {});

// Where the chain reads its inputs; injectable so tests use fake env/files/servers.
struct ChainOptions {
  std::string profile;                                   // empty: AWS_PROFILE, else "default"
  std::function<std::optional<std::string>(const std::string&)> getenv;  // default: ::getenv
  std::shared_ptr<class HttpClient> http;                // for STS (default: libcurl)
  std::string region;                                    // for STS calls of assume-role sources
  // IMDS and the container endpoint; default: libcurl without proxies and with a 1 s (IMDS) / 2 s timeout.
  std::shared_ptr<class HttpClient> metadata_http;
  std::function<SystemTime()> clock;                     // default: system_clock::now (refresh decisions)
};

// env -> shared config/credentials files (incl. role_arn+source_profile, credential_process)
// -> web identity -> container -> IMDSv2. Cached; temporary credentials refresh before expiry.
std::shared_ptr<CredentialsProvider> make_default_credentials_chain(ChainOptions options = {});

}  // namespace pingwatch::aws
