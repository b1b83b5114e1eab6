#pragma once
// Helpers for the credential-chain tests: a fake environment, a temporary home with AWS files, and a
// loopback server that plays STS, IMDS and the container credentials endpoint.
#include <gtest/gtest.h>
#include <httplib.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "aws/credentials.h"
#include "aws/endpoints.h"
#include "aws/sigv4.h"

namespace pingwatch::aws::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct FakeEnv {
  std::map<std::string, std::string> vars;
  mutable std::mutex mutex;
  GetEnv fn() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      std::lock_guard lock(mutex);
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

// Parses "a=b&c=d" (percent-decoding) into a map.
inline std::map<std::string, std::string> parse_form(const std::string& body) {
  std::map<std::string, std::string> out;
  httplib::Params params;
  httplib::detail::parse_query_text(body, params);
  for (auto& [k, v] : params) out[k] = v;
  return out;
}

// A loopback HTTP server on a free port.
class FakeServer {
 public:
  httplib::Server& server() { return server_; }
  void start() {
    server_.set_keep_alive_timeout(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 200 && !server_.is_running(); ++i) std::this_thread::sleep_for(5ms);
  }
  ~FakeServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

inline std::string sts_reply(const std::string& action, const std::string& ak, const std::string& expiration) {
  return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + action +
         "Result><Credentials><AccessKeyId>" + ak + "</AccessKeyId><SecretAccessKey>secret-of-" + ak +
         "</SecretAccessKey><SessionToken>token-of-" + ak + "</SessionToken><Expiration>" + expiration +
         "</Expiration></Credentials></" + action + "Result><ResponseMetadata><RequestId>r-1</RequestId>"
         "</ResponseMetadata></" + action + "Response>";
}

// True when the request's SigV4 Authorization verifies with `secret` (as the local stack's verifier would).
inline bool signature_verifies(const httplib::Request& req, const std::string& secret, const std::string& base_url) {
  auto auth = sigv4::parse_authorization(req.get_header_value("Authorization"));
  if (!auth) return false;
  HttpRequest copy;
  copy.method = req.method;
  copy.url = base_url + req.target;
  for (const auto& [k, v] : req.headers) copy.headers.emplace_back(k, v);
  copy.body = req.body;
  std::string canonical = sigv4::canonical_request(copy, auth->signed_headers, sigv4::sha256_hex(req.body));
  std::string scope = auth->date + "/" + auth->region + "/" + auth->service + "/aws4_request";
  std::string sts = sigv4::string_to_sign(req.get_header_value("X-Amz-Date"), scope, canonical);
  return sigv4::signature(secret, auth->date, auth->region, auth->service, sts) == auth->signature;
}

// Temporary HOME with ~/.aws/{config,credentials} and a fake environment pointing at them.
class ChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pingwatch-creds-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    env_.vars["HOME"] = dir_.string();
    env_.vars["AWS_CONFIG_FILE"] = (dir_ / "config").string();
    env_.vars["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "credentials").string();
    env_.vars["AWS_EC2_METADATA_DISABLED"] = "true";   // tests that want IMDS turn it back on
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  ChainOptions options() {
    ChainOptions o;
    o.getenv = env_.fn();
    o.region = "us-east-1";
    o.clock = [this] { return now_; };
    return o;
  }

  fs::path dir_;
  FakeEnv env_;
  SystemTime now_ = std::chrono::system_clock::now();
};

inline SystemTime utc(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace pingwatch::aws::testing
