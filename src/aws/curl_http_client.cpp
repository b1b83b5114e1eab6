// HttpClient over libcurl. One easy handle per thread (thread_local) keeps connections alive between calls;
// curl_easy_reset() before each request clears options but keeps the connection and DNS caches.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "aws/curl_http_client.h"
#include "aws/http.h"
#include "aws/url_parts.h"

namespace pingwatch::aws {

namespace {

struct ProxySettings {
  std::string https_proxy;
  std::string http_proxy;
  std::string no_proxy;
  bool enabled = true;
};

std::string env_or_empty(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return v;
  }
  return {};
}

// curl itself ignores upper-case HTTP_PROXY (CGI "httpoxy" caution); the SDKs honour it, so read all of them here.
ProxySettings proxies_from_env() {
  ProxySettings p;
  p.https_proxy = env_or_empty({"HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"});
  p.http_proxy = env_or_empty({"HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"});
  p.no_proxy = env_or_empty({"NO_PROXY", "no_proxy"});
  return p;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl global initialisation failed");
  });
}

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

CURL* thread_handle() {
  thread_local std::unique_ptr<CURL, EasyDeleter> handle;
  if (!handle) {
    global_init();
    handle.reset(curl_easy_init());
    if (!handle) throw TransportError(TransportError::Kind::Other, "libcurl could not create a handle");
  } else {
    curl_easy_reset(handle.get());
  }
  return handle.get();
}

struct ResponseSink {
  HttpResponse* response;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  sink->response->body.append(data, size * count);
  return size * count;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<ResponseSink*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after 100 Continue or a redirect-less intermediate response): start afresh.
    sink->response->headers.clear();
    return size * count;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    sink->response->headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return size * count;
}

TransportError::Kind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
      return TransportError::Kind::Connect;
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::Kind::Timeout;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return TransportError::Kind::Reset;
    default:
      return TransportError::Kind::Other;
  }
}

const char* kind_text(TransportError::Kind kind) {
  switch (kind) {
    case TransportError::Kind::Connect: return "cannot connect to";
    case TransportError::Kind::Timeout: return "timed out talking to";
    case TransportError::Kind::Reset: return "connection reset by";
    default: return "HTTP request failed for";
  }
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient(HttpOptions options, bool use_env_proxy) : options_(options) {
    global_init();
    if (use_env_proxy) {
      proxies_ = proxies_from_env();
    } else {
      proxies_.enabled = false;
    }
    ca_bundle_ = env_or_empty({"AWS_CA_BUNDLE"});
  }

  HttpResponse send(const HttpRequest& request) override {
    const UrlParts url = split_url(request.url);
    if (url.scheme != "http" && url.scheme != "https") {
      throw std::invalid_argument("URL scheme '" + url.scheme + "' is not supported: use http:// or https://");
    }
    CURL* h = thread_handle();

    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto append = [&](const std::string& line) {
      curl_slist* next = curl_slist_append(headers.get(), line.c_str());
      if (next == nullptr) throw TransportError(TransportError::Kind::Other, "libcurl out of memory building headers");
      headers.release();
      headers.reset(next);
    };
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
      if (has_line_break(name) || has_line_break(value)) {
        throw std::invalid_argument("HTTP header '" + name + "' contains a line break");
      }
      std::string lname(name);
      std::transform(lname.begin(), lname.end(), lname.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lname == "content-type") has_content_type = true;
      // "Name;" is curl's syntax for a header with an empty value.
      append(value.empty() ? name + ";" : name + ": " + value);
    }
    append("Expect:");   // no 100-continue round trip
    if (!has_content_type) append("Content-Type:");   // send only what was signed: no implicit form type

    HttpResponse response;
    ResponseSink sink{&response};
    char error[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");   // every encoding curl can decode (gzip, deflate, ...)
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (request.fresh_connection) curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);   // see HttpRequest
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
    if (!ca_bundle_.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_bundle_.c_str());

    // Proxies are decided here rather than by curl's own environment lookup (see proxies_from_env).
    const std::string& proxy = url.scheme == "https" ? proxies_.https_proxy : proxies_.http_proxy;
    curl_easy_setopt(h, CURLOPT_PROXY, proxies_.enabled ? proxy.c_str() : "");
    if (proxies_.enabled && !proxies_.no_proxy.empty()) curl_easy_setopt(h, CURLOPT_NOPROXY, proxies_.no_proxy.c_str());

    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      if (request.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    CURLcode code = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);   // the buffer is about to go out of scope
    if (code != CURLE_OK) {
      auto kind = kind_of(code);
      std::string detail = error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(code));
      throw TransportError(kind, std::string(kind_text(kind)) + " " + host_header_value(url) + ": " + detail);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  HttpOptions options_;
  ProxySettings proxies_;
  std::string ca_bundle_;
};

}  // namespace

std::shared_ptr<HttpClient> make_curl_http_client(HttpOptions options) {
  return std::make_shared<CurlHttpClient>(options, /*use_env_proxy=*/true);
}

std::shared_ptr<HttpClient> make_direct_curl_http_client(HttpOptions options) {
  return std::make_shared<CurlHttpClient>(options, /*use_env_proxy=*/false);
}

}  // namespace pingwatch::aws
