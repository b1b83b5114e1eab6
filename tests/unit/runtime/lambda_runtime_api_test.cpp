// The Runtime API client (plain sockets) against a real HTTP server on 127.0.0.1 (random port).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <httplib.h>

#include "runtime/lambda_runtime_api.h"

using namespace pingwatch::runtime;

namespace {

struct Recorded {
  std::string method, path, body, error_type, content_type;
};

struct RuntimeApiServer {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mutex;
  std::vector<Recorded> requests;
  std::atomic<int> next_status{200};
  std::atomic<int> next_delay_ms{0};
  std::atomic<bool> chunked_next{false};   // /next's event as two chunks (Transfer-Encoding: chunked)

  RuntimeApiServer() {
    server.Get("/2018-06-01/runtime/invocation/next", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      std::this_thread::sleep_for(std::chrono::milliseconds(next_delay_ms.load()));
      res.status = next_status.load();
      res.set_header("Lambda-Runtime-Aws-Request-Id", "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
      res.set_header("Lambda-Runtime-Deadline-Ms", "1542409706888");
      res.set_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime");
      res.set_header("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");
      if (chunked_next) {
        res.set_chunked_content_provider("application/json", [](size_t offset, httplib::DataSink& sink) {
          if (offset == 0) {
            sink.write(R"({"source":)", 10);
            sink.write(R"("aws.events"})", 13);
          }
          sink.done();
          return true;
        });
      } else {
        res.set_content(R"({"source":"aws.events"})", "application/json");
      }
    });
    auto accept = [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 202;
      res.set_content(R"({"status":"OK"})", "application/json");
    };
    server.Post(R"(/2018-06-01/runtime/invocation/([^/]+)/response)", accept);
    server.Post(R"(/2018-06-01/runtime/invocation/([^/]+)/error)", accept);
    server.Post("/2018-06-01/runtime/init/error", accept);
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    for (int i = 0; i < 200 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~RuntimeApiServer() {
    server.stop();
    thread.join();
  }
  void record(const httplib::Request& req) {
    std::lock_guard lock(mutex);
    requests.push_back({req.method, req.path, req.body, req.get_header_value("Lambda-Runtime-Function-Error-Type"),
                        req.get_header_value("Content-Type")});
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST(RuntimeApiClient, NextReadsEveryInvocationHeader) {
  RuntimeApiServer server;
  auto api = make_runtime_api(server.address());
  const Invocation inv = api->next();
  EXPECT_EQ(inv.request_id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
  EXPECT_EQ(inv.deadline_ms, 1542409706888);
  EXPECT_EQ(inv.function_arn, "arn:aws:lambda:us-east-2:123456789012:function:custom-runtime");
  EXPECT_EQ(inv.trace_id, "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1");
  EXPECT_EQ(inv.payload, R"({"source":"aws.events"})");
  ASSERT_EQ(server.requests.size(), 1u);
  EXPECT_EQ(server.requests[0].method, "GET");
}

TEST(RuntimeApiClient, NextWaitsAsLongAsTheServerTakes) {
  RuntimeApiServer server;
  server.next_delay_ms = 1500;   // a frozen environment: /next must not time out
  auto api = make_runtime_api(server.address());
  EXPECT_EQ(api->next().request_id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
}

TEST(RuntimeApiClient, PostsGoToTheDocumentedPaths) {
  RuntimeApiServer server;
  auto api = make_runtime_api(server.address());
  const std::string big(5000, 'x');   // > 1 KiB: no Expect: 100-continue detour
  api->post_response("req-1", R"({"nodes_seen":3,"pad":")" + big + "\"}");
  api->post_error("req-2", {"Aws.AccessDeniedException", "denied", {"ssm:DescribeInstanceInformation"}});
  api->post_init_error({"Runtime.HandlerNotFound", "no such handler", {}});
  ASSERT_EQ(server.requests.size(), 3u);
  EXPECT_EQ(server.requests[0].path, "/2018-06-01/runtime/invocation/req-1/response");
  EXPECT_EQ(nlohmann::json::parse(server.requests[0].body)["nodes_seen"], 3);
  EXPECT_EQ(server.requests[1].path, "/2018-06-01/runtime/invocation/req-2/error");
  EXPECT_EQ(server.requests[1].error_type, "Aws.AccessDeniedException");
  EXPECT_EQ(server.requests[1].content_type, "application/json");
  const auto err = nlohmann::json::parse(server.requests[1].body);
  EXPECT_EQ(err["errorMessage"], "denied");
  EXPECT_EQ(err["errorType"], "Aws.AccessDeniedException");
  EXPECT_EQ(err["stackTrace"], nlohmann::json::array({"ssm:DescribeInstanceInformation"}));
  EXPECT_EQ(server.requests[2].path, "/2018-06-01/runtime/init/error");
  EXPECT_EQ(server.requests[2].error_type, "Runtime.HandlerNotFound");
}

TEST(RuntimeApiClient, UnexpectedStatusIsAnErrorWithThatStatus) {
  RuntimeApiServer server;
  server.next_status = 500;
  auto api = make_runtime_api(server.address());
  try {
    api->next();
    FAIL() << "expected RuntimeApiError";
  } catch (const RuntimeApiError& e) {
    EXPECT_EQ(e.http_status, 500);
  }
}

TEST(RuntimeApiClient, UnreachableIsAnErrorWithoutStatus) {
  int port = 0;
  {
    RuntimeApiServer probe;   // a port that was free a moment ago and is closed now
    port = probe.port;
  }
  auto api = make_runtime_api("127.0.0.1:" + std::to_string(port));
  try {
    api->next();
    FAIL() << "expected RuntimeApiError";
  } catch (const RuntimeApiError& e) {
    EXPECT_EQ(e.http_status, 0);
  }
}

// The client reads bodies by Content-Length, chunked or until close (lambda_http.cpp): a chunked /next.
TEST(RuntimeApiClient, ChunkedEventBodyIsReassembled) {
  RuntimeApiServer server;
  server.chunked_next = true;
  auto api = make_runtime_api(server.address());
  const Invocation inv = api->next();
  EXPECT_EQ(inv.request_id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
  EXPECT_EQ(inv.payload, R"({"source":"aws.events"})");
  api->post_response("req", "{}");   // the connection is still usable after a chunked reply
  EXPECT_EQ(server.requests.size(), 2u);
}

// A peer that closes the connection after each reply ("Connection: close"): every request opens a new one.
TEST(RuntimeApiClient, ServesOnAfterThePeerClosesTheConnection) {
  RuntimeApiServer server;
  server.server.set_keep_alive_max_count(1);
  auto api = make_runtime_api(server.address());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(api->next().request_id, "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
    api->post_response("req", "{}");
  }
  EXPECT_EQ(server.requests.size(), 6u);
}
