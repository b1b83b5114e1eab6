#pragma once
// HTTP message types shared by the client (libcurl) and the local stack's signature verifier.
#include <chrono>
#include <stdexcept>
#include <string_view>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace pingwatch::aws {

// Header names keep the case they were given; lookups are case-insensitive.
using Headers = std::vector<std::pair<std::string, std::string>>;
const std::string* find_header(const Headers& headers, std::string_view name);
void set_header(Headers& headers, std::string name, std::string value);   // replaces any existing

struct HttpRequest {
  std::string method = "POST";
  std::string url;          // absolute: scheme://host[:port]/path[?query]
  Headers headers;
  std::string body;
  // true: send on a new connection. libcurl silently sends a request again on a fresh connection when a
  // kept-alive one turns out closed with no reply -- even after the server read it. A request that must
  // not be sent twice (at-most-once Publish) cannot be reused that way.
  bool fresh_connection = false;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{3100};
  std::chrono::milliseconds total_timeout{30000};
};

// Transport failure (no HTTP response at all): DNS, connect refused, timeout, reset.
struct TransportError : std::runtime_error {
  enum class Kind { Connect, Timeout, Reset, Other };
  Kind kind;
  TransportError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Throws TransportError when there is no response. Any HTTP status is a response.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

// libcurl, keep-alive, HTTPS_PROXY/NO_PROXY, AWS_CA_BUNDLE, gzip. Thread-safe (a handle per thread).
std::shared_ptr<HttpClient> make_curl_http_client(HttpOptions options = {});

}  // namespace pingwatch::aws
