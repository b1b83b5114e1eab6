#pragma once
// Test doubles for the AWS client: an HttpClient that records every request and replays scripted
// responses (or transport failures), fixed credentials, and a ClientConfig wired to both with a fake clock.
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/http_date.h"
#include "aws/service_client.h"

namespace pingwatch::aws::testing {

class FakeHttpClient : public HttpClient {
 public:
  using Scripted = std::variant<HttpResponse, TransportError>;

  HttpResponse send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests.push_back(request);
    if (script_.empty()) throw std::runtime_error("FakeHttpClient: no scripted response for request " + request.body);
    Scripted next = std::move(script_.front());
    script_.pop_front();
    if (auto* error = std::get_if<TransportError>(&next)) throw *error;
    return std::get<HttpResponse>(next);
  }

  void reply(int status, std::string body, Headers headers = {}) {
    script_.push_back(HttpResponse{status, std::move(headers), std::move(body)});
  }
  void reply_json(int status, const std::string& body, Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
    reply(status, body, std::move(headers));
  }
  void fail(TransportError::Kind kind, const std::string& what) { script_.push_back(TransportError(kind, what)); }
  size_t pending() const { return script_.size(); }

  std::vector<HttpRequest> requests;

 private:
  std::mutex mutex_;
  std::deque<Scripted> script_;
};

class FixedCredentials : public CredentialsProvider {
 public:
  explicit FixedCredentials(std::string token = {}) { creds_.session_token = std::move(token); }
  Credentials get() override { return creds_; }
 private:
  Credentials creds_{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt, "test"};
};

// 2024-04-12T08:27:00Z, the post's alarm minute.
inline SystemTime test_epoch() { return std::chrono::system_clock::from_time_t(1712910420); }

struct Harness {
  std::shared_ptr<FakeHttpClient> http = std::make_shared<FakeHttpClient>();
  SystemTime now = test_epoch();
  std::vector<std::chrono::milliseconds> sleeps;

  ClientConfig config() {
    ClientConfig c;
    c.region = "us-east-1";
    c.endpoint = "http://127.0.0.1:4566";
    c.credentials = std::make_shared<FixedCredentials>();
    c.http = http;
    c.retry_quota = std::make_shared<RetryQuota>();
    c.retry.random = [] { return 0.5; };
    c.clock = [this] { return now; };
    // Sleeping advances the fake clock, so each attempt must be signed with a later time.
    c.sleep = [this](std::chrono::milliseconds d) {
      sleeps.push_back(d);
      now += d;
    };
    return c;
  }
};

inline Headers date_header(SystemTime t) { return {{"Date", format_http_date(t)}, {"x-amzn-RequestId", "req-1"}}; }

}  // namespace pingwatch::aws::testing
