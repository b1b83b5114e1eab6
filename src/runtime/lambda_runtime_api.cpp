#include "runtime/lambda_runtime_api.h"

#include <string_view>

#include "runtime/lambda_http.h"

namespace pingwatch::runtime {

nlohmann::json LambdaError::to_json() const {
  return nlohmann::json{{"errorMessage", message}, {"errorType", type}, {"stackTrace", stack_trace}};
}

namespace {

constexpr const char* kApiVersion = "/2018-06-01";

class SocketRuntimeApi final : public RuntimeApi {
 public:
  explicit SocketRuntimeApi(std::string host_port) : http_(std::move(host_port)) {}

  Invocation next() override {
    HttpReply reply = perform("GET", "/runtime/invocation/next", nullptr, {});
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

  static void expect_accepted(const std::string& path, const HttpReply& reply) {
    if (reply.status != 202) {
      throw RuntimeApiError(static_cast<int>(reply.status), "Lambda Runtime API: POST " + path + " answered HTTP " +
                                                                std::to_string(reply.status) + ": " +
                                                                reply.body.substr(0, 512));
    }
  }

  HttpReply perform(const char* method, const std::string& path, const std::string* body,
                    const std::vector<std::string>& extra_headers) {
    try {
      return http_.request(method, std::string(kApiVersion) + path, body, extra_headers);
    } catch (const HttpTransportError& e) {
      throw RuntimeApiError(0, std::string("Lambda Runtime API: ") + method + " " + path + " failed: " + e.what());
    }
  }

  LoopbackHttpClient http_;
};

}  // namespace

std::unique_ptr<RuntimeApi> make_runtime_api(const std::string& host_port) {
  return std::make_unique<SocketRuntimeApi>(host_port);
}

}  // namespace pingwatch::runtime
