// The default credential chain: which source wins, caching, and refreshing temporary credentials.
#include "aws/credentials.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <vector>

#include "aws/credentials_sources.h"
#include "aws/curl_http_client.h"
#include "aws/query_protocol.h"

namespace pingwatch::aws {

namespace {

using namespace std::chrono_literals;
namespace sources = credential_sources;

// Refresh this long before expiry, so no request is signed with credentials about to lapse in flight.
constexpr auto kRefreshWindow = 5min;
// While credentials are inside the refresh window but still valid, do not ask the source more often than this.
constexpr auto kRefreshRetryInterval = 10s;

const char* const kNoCredentialsMessage =
    "no AWS credentials found: set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run on an instance with a role";

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials creds) : creds_(std::move(creds)) {}
  Credentials get() override { return creds_; }

 private:
  Credentials creds_;
};

struct NamedSource {
  const char* name;
  std::optional<Credentials> (*fetch)(const sources::Context&);
};

// Temporary credentials from `fetch`, fetched again kRefreshWindow before they expire. Called under the mutex,
// so `fetch` needs no locking of its own.
class RefreshingProvider final : public CredentialsProvider {
 public:
  RefreshingProvider(std::function<Credentials()> fetch, std::function<SystemTime()> clock)
      : fetch_(std::move(fetch)), clock_(std::move(clock)) {}

  Credentials get() override {
    std::lock_guard lock(mutex_);
    const SystemTime now = clock_();
    if (cached_ && !needs_refresh(*cached_, now)) return *cached_;
    if (cached_ && now < next_attempt_ && !expired(*cached_, now)) return *cached_;
    try {
      return remember(fetch_(), now);
    } catch (const std::exception& e) {
      if (cached_ && !expired(*cached_, now)) {
        spdlog::warn("refreshing AWS credentials ({}) failed ({}); using the current ones until they expire",
                     cached_->source, e.what());
        next_attempt_ = now + kRefreshRetryInterval;
        return *cached_;
      }
      throw;
    }
  }

 private:
  static bool needs_refresh(const Credentials& c, SystemTime now) {
    return c.expiration && now >= *c.expiration - kRefreshWindow;
  }
  static bool expired(const Credentials& c, SystemTime now) { return c.expiration && now >= *c.expiration; }

  Credentials remember(Credentials creds, SystemTime now) {
    cached_ = std::move(creds);
    next_attempt_ = now + kRefreshRetryInterval;
    return *cached_;
  }

  std::function<Credentials()> fetch_;
  std::function<SystemTime()> clock_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
  SystemTime next_attempt_{};
};

// The chain's fetch: the first source that answers wins, and later refreshes ask that source again, as the
// SDKs do.
class ChainFetch {
 public:
  explicit ChainFetch(sources::Context ctx) : ctx_(std::move(ctx)) {
    // The SDKs skip environment keys when a profile is named explicitly (e.g. --profile).
    if (ctx_.explicit_profile.empty()) chain_.push_back({"environment", &sources::from_environment});
    chain_.push_back({"profile", &sources::from_profile});
    chain_.push_back({"web identity", &sources::from_web_identity_env});
    chain_.push_back({"container", &sources::from_container});
    chain_.push_back({"instance metadata", &sources::from_imds});
  }

  Credentials operator()() {
    if (!winner_) {
      for (const auto& source : chain_) {
        if (auto creds = source.fetch(ctx_)) {
          winner_ = source;
          return std::move(*creds);
        }
      }
      throw NoCredentialsError(kNoCredentialsMessage);
    }
    auto creds = winner_->fetch(ctx_);
    if (!creds) throw NoCredentialsError(std::string("the ") + winner_->name + " credential source no longer returns credentials");
    return std::move(*creds);
  }

  const sources::Context& context() const { return ctx_; }

 private:
  sources::Context ctx_;
  std::vector<NamedSource> chain_;
  std::optional<NamedSource> winner_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> make_static_credentials(Credentials creds) {
  if (creds.source.empty()) creds.source = "static";
  return std::make_shared<StaticProvider>(std::move(creds));
}

std::shared_ptr<CredentialsProvider> make_default_credentials_chain(ChainOptions options) {
  sources::Context ctx;
  ctx.getenv = options.getenv ? options.getenv : process_env();
  ctx.explicit_profile = options.profile;
  ctx.region = options.region;
  ctx.http = options.http ? options.http : make_curl_http_client();
  if (options.metadata_http) {
    ctx.imds_http = ctx.container_http = options.metadata_http;
  } else {
    ctx.imds_http = make_direct_curl_http_client({1000ms, 1000ms});
    ctx.container_http = make_direct_curl_http_client({2000ms, 2000ms});
  }
  ctx.clock = options.clock ? options.clock : [] { return std::chrono::system_clock::now(); };
  auto fetch = std::make_shared<ChainFetch>(std::move(ctx));
  return make_refreshing_credentials([fetch] { return (*fetch)(); }, fetch->context().clock);
}

std::shared_ptr<CredentialsProvider> make_refreshing_credentials(std::function<Credentials()> fetch,
                                                                 std::function<SystemTime()> clock) {
  if (!clock) clock = [] { return std::chrono::system_clock::now(); };
  return std::make_shared<RefreshingProvider>(std::move(fetch), std::move(clock));
}

namespace credential_sources {

std::optional<Credentials> from_environment(const Context& ctx) {
  auto get = [&](const char* name) -> std::string {
    auto v = ctx.getenv(name);
    return v ? *v : std::string();
  };
  std::string id = get("AWS_ACCESS_KEY_ID"), secret = get("AWS_SECRET_ACCESS_KEY");
  if (id.empty() && secret.empty()) return std::nullopt;
  if (id.empty()) throw NoCredentialsError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or neither to use a profile");
  if (secret.empty()) throw NoCredentialsError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or neither to use a profile");
  Credentials c;
  c.access_key_id = id;
  c.secret_access_key = secret;
  c.session_token = get("AWS_SESSION_TOKEN");
  if (c.session_token.empty()) c.session_token = get("AWS_SECURITY_TOKEN");   // legacy name botocore still reads
  if (auto exp = get("AWS_CREDENTIAL_EXPIRATION"); !exp.empty()) {
    c.expiration = parse_iso8601(exp);
    if (!c.expiration) throw std::runtime_error("AWS_CREDENTIAL_EXPIRATION='" + exp + "' is not an ISO 8601 time (e.g. 2024-04-12T08:28:26Z)");
  }
  c.source = "environment";
  return c;
}

std::optional<SystemTime> parse_iso8601(std::string_view t) {
  // The wire's reader (query_protocol::parse_iso8601), but an expiry must name its zone: a time without one is
  // ambiguous, so it is refused rather than read as UTC.
  if (t.size() <= 19 || t.find_first_of("Zz+-", 19) == std::string_view::npos) return std::nullopt;
  return query_protocol::parse_iso8601(t);
}

std::string default_session_name(const Context& ctx) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.clock().time_since_epoch()).count();
  return "pingwatch-" + std::to_string(ms);
}

}  // namespace credential_sources

}  // namespace pingwatch::aws
