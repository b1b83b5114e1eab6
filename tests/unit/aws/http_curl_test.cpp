// libcurl HttpClient against loopback servers (cpp-httplib and a raw socket), each on a free port.
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "aws/curl_http_client.h"
#include "aws/http.h"

using namespace pingwatch::aws;
using namespace std::chrono_literals;

namespace {

// A cpp-httplib server on 127.0.0.1:<free port>, stopped on destruction.
class TestServer {
 public:
  TestServer() = default;
  httplib::Server& server() { return server_; }
  void start() {
    server_.set_keep_alive_timeout(1);   // stop() waits for idle keep-alive connections this long
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 200 && !server_.is_running(); ++i) std::this_thread::sleep_for(5ms);
  }
  ~TestServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value, 1); else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_.c_str(), old_->c_str(), 1); else ::unsetenv(name_.c_str());
  }
 private:
  std::string name_;
  std::optional<std::string> old_;
};

struct NoProxyEnv {   // the tests talk to loopback servers directly unless they set a proxy themselves
  ScopedEnv a{"HTTP_PROXY", nullptr}, b{"http_proxy", nullptr}, c{"HTTPS_PROXY", nullptr}, d{"https_proxy", nullptr},
      e{"ALL_PROXY", nullptr}, f{"all_proxy", nullptr}, g{"NO_PROXY", nullptr}, h{"no_proxy", nullptr};
};

}  // namespace

TEST(CurlHttpClient, PostRoundTripWithHeaders) {
  NoProxyEnv clean;
  TestServer s;
  s.server().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Amzn-RequestId", "req-123");
    res.set_content(req.get_header_value("X-Amz-Target") + "|" + req.body + "|" +
                        (req.has_header("Content-Type") ? req.get_header_value("Content-Type") : "none"),
                    "text/plain");
  });
  s.start();
  auto client = make_curl_http_client();
  HttpRequest req;
  req.url = s.url("/echo");
  req.headers = {{"X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"}, {"Content-Type", "application/x-amz-json-1.1"}};
  req.body = R"({"MaxResults":50})";
  auto resp = client->send(req);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, R"(AmazonSSM.DescribeInstanceInformation|{"MaxResults":50}|application/x-amz-json-1.1)");
  ASSERT_NE(find_header(resp.headers, "x-amzn-requestid"), nullptr);
  EXPECT_EQ(*find_header(resp.headers, "x-amzn-requestid"), "req-123");
}

TEST(CurlHttpClient, SendsNoContentTypeItWasNotGiven) {
  NoProxyEnv clean;
  TestServer s;
  s.server().Post("/", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.has_header("Content-Type") ? "has" : "none", "text/plain");
  });
  s.start();
  HttpRequest req;
  req.url = s.url("/");
  req.body = "Action=X";
  EXPECT_EQ(make_curl_http_client()->send(req).body, "none");
}

TEST(CurlHttpClient, ErrorStatusesAreResponses) {
  NoProxyEnv clean;
  TestServer s;
  s.server().Post("/", [](const httplib::Request&, httplib::Response& res) {
    res.status = 400;
    res.set_content(R"({"__type":"ThrottlingException"})", "application/x-amz-json-1.1");
  });
  s.start();
  HttpRequest req;
  req.url = s.url("/");
  auto resp = make_curl_http_client()->send(req);
  EXPECT_EQ(resp.status, 400);
  EXPECT_NE(resp.body.find("ThrottlingException"), std::string::npos);
}

TEST(CurlHttpClient, PutWithEmptyBodyAndGet) {
  NoProxyEnv clean;
  TestServer s;
  s.server().Put("/latest/api/token", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("token-for-" + req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds"), "text/plain");
  });
  s.server().Get("/get", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.method + ":" + req.get_header_value("X-aws-ec2-metadata-token"), "text/plain");
  });
  s.start();
  auto client = make_direct_curl_http_client({});
  HttpRequest put{"PUT", s.url("/latest/api/token"), {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}, ""};
  EXPECT_EQ(client->send(put).body, "token-for-21600");
  HttpRequest get{"GET", s.url("/get"), {{"X-aws-ec2-metadata-token", "t"}}, ""};
  EXPECT_EQ(client->send(get).body, "GET:t");
}

TEST(CurlHttpClient, ReusesTheConnectionOnOneThread) {
  NoProxyEnv clean;
  TestServer s;
  std::mutex m;
  std::set<int> ports;
  s.server().Post("/", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(m);
    ports.insert(req.remote_port);
    res.set_content("ok", "text/plain");
  });
  s.start();
  auto client = make_curl_http_client();
  HttpRequest req;
  req.url = s.url("/");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client->send(req).status, 200);
  EXPECT_EQ(ports.size(), 1u) << "every request opened a new connection";
}

TEST(CurlHttpClient, AcceptsGzipAndDecodes) {
  NoProxyEnv clean;
  TestServer s;
  std::string accept_encoding;
  const std::string payload(20000, 'x');
  s.server().Post("/", [&](const httplib::Request& req, httplib::Response& res) {
    accept_encoding = req.get_header_value("Accept-Encoding");
    res.set_content(payload, "application/json");   // cpp-httplib gzips it when the client accepts gzip
  });
  s.start();
  HttpRequest req;
  req.url = s.url("/");
  auto resp = make_curl_http_client()->send(req);
  EXPECT_NE(accept_encoding.find("gzip"), std::string::npos) << accept_encoding;
  EXPECT_EQ(resp.body, payload);
  auto* enc = find_header(resp.headers, "content-encoding");
  ASSERT_NE(enc, nullptr);   // the server compressed (gzip, or br when libcurl also offers brotli)
  EXPECT_TRUE(*enc == "gzip" || *enc == "br") << *enc;
}

TEST(CurlHttpClient, TotalTimeoutIsATimeoutErrorNamingTheHost) {
  NoProxyEnv clean;
  TestServer s;
  s.server().Post("/", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(1500ms);
    res.set_content("late", "text/plain");
  });
  s.start();
  HttpOptions opts;
  opts.total_timeout = 300ms;
  HttpRequest req;
  req.url = s.url("/");
  auto start = std::chrono::steady_clock::now();
  try {
    make_curl_http_client(opts)->send(req);
    FAIL() << "expected a timeout";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind, TransportError::Kind::Timeout);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(s.port())), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1400ms);
}

TEST(CurlHttpClient, RefusedConnectionIsAConnectError) {
  NoProxyEnv clean;
  int port = 0;
  {
    TestServer s;   // take a free port, then release it
    s.start();
    port = s.port();
  }
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  try {
    make_curl_http_client()->send(req);
    FAIL() << "expected a connect error";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind, TransportError::Kind::Connect);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
  }
}

TEST(CurlHttpClient, ClosedWithoutReplyIsAReset) {
  NoProxyEnv clean;
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread closer([&] {
    int c = ::accept(listener, nullptr, nullptr);
    if (c >= 0) {
      char buf[4096];
      (void)::recv(c, buf, sizeof buf, 0);   // read the request, then hang up without answering
      ::close(c);
    }
  });
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/";
  try {
    make_curl_http_client()->send(req);
    ADD_FAILURE() << "expected a reset";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind, TransportError::Kind::Reset) << e.what();
  }
  closer.join();
  ::close(listener);
}

TEST(CurlHttpClient, UsesHttpProxyFromEnvironmentAndHonoursNoProxy) {
  NoProxyEnv clean;
  TestServer proxy;
  std::string seen_host;
  proxy.server().Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    seen_host = req.get_header_value("Host");
    res.set_content("via-proxy", "text/plain");
  });
  proxy.start();
  TestServer direct;
  direct.server().Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content("direct", "text/plain"); });
  direct.start();

  ScopedEnv http_proxy("HTTP_PROXY", proxy.url("").c_str());
  ScopedEnv no_proxy("NO_PROXY", "127.0.0.1");
  auto client = make_curl_http_client();
  HttpRequest through{"GET", "http://pingwatch-proxy-test.invalid/x", {}, ""};
  EXPECT_EQ(client->send(through).body, "via-proxy");
  EXPECT_EQ(seen_host, "pingwatch-proxy-test.invalid");
  HttpRequest bypass{"GET", direct.url("/"), {}, ""};
  EXPECT_EQ(client->send(bypass).body, "direct");

  // The metadata client never uses a proxy.
  HttpRequest meta{"GET", "http://pingwatch-proxy-test.invalid/x", {}, ""};
  HttpOptions quick;
  quick.connect_timeout = 500ms;
  quick.total_timeout = 1000ms;
  EXPECT_THROW(make_direct_curl_http_client(quick)->send(meta), TransportError);
}

TEST(CurlHttpClient, ManyThreadsAtOnce) {
  NoProxyEnv clean;
  TestServer s;
  std::atomic<int> served{0};
  s.server().Post("/", [&](const httplib::Request& req, httplib::Response& res) {
    ++served;
    res.set_content(req.body, "text/plain");
  });
  s.start();
  auto client = make_curl_http_client();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        HttpRequest req;
        req.url = s.url("/");
        req.body = std::to_string(t * 100 + i);
        if (client->send(req).body == req.body) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(served.load(), 40);
}

TEST(CurlHttpClient, RejectsHeaderInjection) {
  HttpRequest req{"GET", "http://127.0.0.1:1/", {{"X-Evil", "a\r\nInjected: 1"}}, ""};
  EXPECT_THROW(make_curl_http_client()->send(req), std::invalid_argument);
}

// AWS_CA_BUNDLE: a self-signed certificate for 127.0.0.1 is trusted only when the bundle names it.
TEST(CurlHttpClient, AwsCaBundleIsTheTrustStore) {
  NoProxyEnv clean;
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("pingwatch-ca-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                          "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    fs::remove_all(dir);
    GTEST_SKIP() << "the openssl command is not available to make a test certificate";
  }
  httplib::SSLServer server(cert.c_str(), key.c_str());
  server.set_keep_alive_timeout(1);
  server.Post("/", [](const httplib::Request&, httplib::Response& res) { res.set_content("tls-ok", "text/plain"); });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread th([&] { server.listen_after_bind(); });
  for (int i = 0; i < 200 && !server.is_running(); ++i) std::this_thread::sleep_for(5ms);

  HttpRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(port) + "/";
  {
    ScopedEnv no_bundle("AWS_CA_BUNDLE", nullptr);
    try {
      make_curl_http_client()->send(req);
      ADD_FAILURE() << "a self-signed certificate was accepted without AWS_CA_BUNDLE";
    } catch (const TransportError& e) {
      EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
    }
  }
  {
    ScopedEnv bundle("AWS_CA_BUNDLE", cert.c_str());
    EXPECT_EQ(make_curl_http_client()->send(req).body, "tls-ok");
  }
  server.stop();
  th.join();
  fs::remove_all(dir);
}
