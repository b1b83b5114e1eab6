#pragma once
// SigV4 verification for the local stack: every request is checked against the known key pairs, as AWS
// checks it (header or presigned query form; date within 15 minutes; scope naming a real region and the
// service). Failures carry a kind; the router turns a kind into the protocol's own error code.
#include <map>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "aws/http.h"

namespace pingwatch::local {

struct KeyPair {
  std::string access_key_id;
  std::string secret_access_key;   // never logged
  std::string account_id = "123456789012";
  // Temporary credentials (STS): the session token every request must carry (X-Amz-Security-Token), and the
  // simulated epoch second after which they answer ExpiredToken. Empty / 0 for long-term keys.
  std::string session_token;       // never logged
  double expires_at = 0;
  // Who the key belongs to, as GetCallerIdentity reports it. Empty = the account's root user (the stack's
  // configured key pairs); an assumed-role session sets arn:aws:sts::ACCT:assumed-role/ROLE/SESSION and ROLEID:SESSION.
  std::string principal_arn;
  std::string principal_id;
  bool temporary() const { return !session_token.empty(); }
};

// The key pairs the stack accepts: those configured at start, plus temporary ones STS issues while it runs
// (hence the lock: requests are verified on many threads while AssumeRole adds keys).
class CredentialStore {
 public:
  CredentialStore();   // holds the default pair test/test for account 123456789012
  CredentialStore(const CredentialStore& other);
  CredentialStore& operator=(const CredentialStore& other);
  void add(KeyPair pair);
  void clear();
  std::optional<KeyPair> find(const std::string& access_key_id) const;
  std::size_t size() const;
  // Drops temporary keys whose expiry is more than `grace` simulated seconds before now; returns how many.
  std::size_t prune_expired(double now_sim, double grace);
  std::vector<KeyPair> temporary_keys() const;
  // --credentials FILE: JSON [{"access_key_id","secret_access_key","account_id"?}], or text lines
  // "ACCESS_KEY SECRET [ACCOUNT]" ('#' starts a comment). Throws std::runtime_error naming the line.
  static CredentialStore load_file(const std::string& path);
 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, KeyPair> keys_;
};

struct AuthFailure : std::runtime_error {
  enum class Kind {
    MissingToken,        // no Authorization header nor X-Amz-Credential
    Incomplete,          // a malformed Authorization / presigned query
    UnknownKey,          // access key id not known
    BadSignature,        // signature mismatch, or scope naming the wrong region/service/date
    Expired,             // date more than 15 minutes from both clocks
    ExpiredToken,        // temporary credentials past their Expiration (simulated clock)
  };
  Kind kind;
  AuthFailure(Kind k, const std::string& message) : std::runtime_error(message), kind(k) {}
};

// What the router knows about a request when it verifies it.
struct SignedRequest {
  std::string method;
  std::string target;           // raw request target as received: /path?query (percent-encoded)
  aws::Headers headers;         // as received (Host included)
  std::string body;             // as sent on the wire (still gzip-compressed if it was): the signature covers these bytes
  std::string expected_service; // the signing name the request's shape implies ("" = unknown, accept any)
};

struct Identity {
  std::string access_key_id;
  std::string account_id;
  std::string region;
  std::string service;          // from the credential scope
  double signed_at = 0;         // epoch seconds of X-Amz-Date
};

// Only the credential scope (service, region) of a request, without verifying anything; nullopt if absent.
std::optional<std::pair<std::string, std::string>> credential_scope_of(const SignedRequest& request);

// Verifies the signature; now_wall/now_sim are epoch seconds. Throws AuthFailure.
Identity verify_signature(const SignedRequest& request, const CredentialStore& keys, double now_wall, double now_sim);

// "20240412T082800Z"
std::string amz_date_of(double epoch_seconds);

}  // namespace pingwatch::local
