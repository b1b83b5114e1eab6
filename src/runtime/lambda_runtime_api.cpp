#include "runtime/lambda_runtime_api.h"

#include <curl/curl.h>

#include <cctype>
#include <mutex>
#include <string_view>

namespace pingwatch::runtime {

nlohmann::json LambdaError::to_json() const {
  return nlohmann::json{{"errorMessage", message}, {"errorType", type}, {"stackTrace", stack_trace}};
}

namespace {

constexpr const char* kApiVersion = "/2018-06-01";

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

struct Reply {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  const std::string* header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (iequals(k, name)) return &v;
    }
    return nullptr;
  }
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<Reply*>(user)->body.append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* reply = static_cast<Reply*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    reply->headers.clear();   // a new status line (e.g. after 100 Continue): start over
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    reply->headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return size * n;
}

class CurlRuntimeApi final : public RuntimeApi {
 public:
  explicit CurlRuntimeApi(std::string host_port) : base_("http://" + std::move(host_port) + kApiVersion) {
    curl_ = curl_easy_init();
    if (curl_ == nullptr) throw RuntimeApiError(0, "Lambda Runtime API: curl_easy_init failed");
  }
  ~CurlRuntimeApi() override { curl_easy_cleanup(curl_); }
  CurlRuntimeApi(const CurlRuntimeApi&) = delete;
  CurlRuntimeApi& operator=(const CurlRuntimeApi&) = delete;

  Invocation next() override {
    Reply reply = perform("GET", "/runtime/invocation/next", nullptr, {});
    if (reply.status != 200) {
      throw RuntimeApiError(static_cast<int>(reply.status),
                            "Lambda Runtime API: GET /runtime/invocation/next answered HTTP " +
                                std::to_string(reply.status) + ": " + reply.body.substr(0, 512));
    }
    Invocation inv;
    if (const auto* v = reply.header("Lambda-Runtime-Aws-Request-Id")) inv.request_id = *v;
    if (inv.request_id.empty()) {
      throw RuntimeApiError(200, "Lambda Runtime API: /next reply has no Lambda-Runtime-Aws-Request-Id header");
    }
    if (const auto* v = reply.header("Lambda-Runtime-Deadline-Ms")) {
      try {
        inv.deadline_ms = std::stoll(*v);
      } catch (const std::exception&) {
        inv.deadline_ms = 0;   // unparsable: treated as "no deadline known"; the runtime logs it
      }
    }
    if (const auto* v = reply.header("Lambda-Runtime-Invoked-Function-Arn")) inv.function_arn = *v;
    if (const auto* v = reply.header("Lambda-Runtime-Trace-Id")) inv.trace_id = *v;
    if (const auto* v = reply.header("Lambda-Runtime-Client-Context")) inv.client_context = *v;
    if (const auto* v = reply.header("Lambda-Runtime-Cognito-Identity")) inv.cognito_identity = *v;
    inv.payload = std::move(reply.body);
    return inv;
  }

  void post_response(const std::string& request_id, const std::string& body) override {
    const std::string path = "/runtime/invocation/" + request_id + "/response";
    expect_accepted(path, perform("POST", path, &body, {"Content-Type: application/json"}));
  }

  void post_error(const std::string& request_id, const LambdaError& error) override {
    post_error_to("/runtime/invocation/" + request_id + "/error", error);
  }

  void post_init_error(const LambdaError& error) override { post_error_to("/runtime/init/error", error); }

 private:
  void post_error_to(const std::string& path, const LambdaError& error) {
    const std::string body = error.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string type_header = "Lambda-Runtime-Function-Error-Type: " + error.type;
    expect_accepted(path, perform("POST", path, &body, {"Content-Type: application/json", type_header}));
  }

  static void expect_accepted(const std::string& path, const Reply& reply) {
    if (reply.status != 202) {
      throw RuntimeApiError(static_cast<int>(reply.status), "Lambda Runtime API: POST " + path + " answered HTTP " +
                                                                std::to_string(reply.status) + ": " +
                                                                reply.body.substr(0, 512));
    }
  }

  Reply perform(const char* method, const std::string& path, const std::string* body,
                const std::vector<std::string>& extra_headers) {
    Reply reply;
    const std::string url = base_ + path;
    curl_easy_reset(curl_);   // keeps the connection cache: the socket to the Runtime API is reused
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 0L);   // /next blocks for as long as Lambda wants
    curl_easy_setopt(curl_, CURLOPT_PROXY, "");         // the Runtime API is local: never via HTTP(S)_PROXY
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply);
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Expect:");   // no 100-continue round trip
    for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
    if (std::string_view(method) == "POST") {
      curl_easy_setopt(curl_, CURLOPT_POST, 1L);
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    const CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      throw RuntimeApiError(0, std::string("Lambda Runtime API: ") + method + " " + path + " failed: " +
                                   curl_easy_strerror(rc));
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
  }

  std::string base_;
  CURL* curl_ = nullptr;
};

}  // namespace

std::unique_ptr<RuntimeApi> make_curl_runtime_api(const std::string& host_port) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::make_unique<CurlRuntimeApi>(host_port);
}

}  // namespace pingwatch::runtime
