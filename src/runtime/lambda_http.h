#pragma once
// A minimal HTTP/1.1 client for one loopback peer: the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API, plain HTTP on
// the execution environment's loopback). Written on POSIX sockets rather than libcurl so that the slim Lambda
// binary reaches its first /next without loading libcurl and its dependencies (docs/deploy.md, "Cold start").
// One keep-alive connection, reopened once when a reused connection turns out to be closed; no read timeout
// (/next blocks for as long as the environment is frozen); bodies by Content-Length, chunked, or until close.
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pingwatch::runtime {

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  const std::string* header(std::string_view name) const;   // case-insensitive; null when absent
};

// Thrown when no HTTP reply could be had (connect, send or receive failed, malformed reply).
struct HttpTransportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class LoopbackHttpClient {
 public:
  explicit LoopbackHttpClient(std::string host_port);   // "127.0.0.1:9001"; nothing is opened yet
  ~LoopbackHttpClient();
  LoopbackHttpClient(const LoopbackHttpClient&) = delete;
  LoopbackHttpClient& operator=(const LoopbackHttpClient&) = delete;

  // Sends one request (a body is sent with Content-Length whenever `body` is not null) and reads the reply.
  HttpReply request(std::string_view method, std::string_view target, const std::string* body,
                    const std::vector<std::string>& extra_headers);

 private:
  void connect_once();
  void close_connection();
  HttpReply exchange(const std::string& head, const std::string* body, bool& nothing_received);

  std::string host_port_;
  int fd_ = -1;
};

}  // namespace pingwatch::runtime
