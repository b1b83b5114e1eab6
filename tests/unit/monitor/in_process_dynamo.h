#pragma once
// The local stack's DynamoDB service behind an aws::HttpClient, in-process (no socket, no signature check),
// keeping every request it was sent: the real DynamoDbClient and state store run against it.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/dynamodb_client.h"
#include "aws/service_client.h"
#include "local/protocol_render.h"
#include "local/services.h"

namespace pingwatch::testing {

class RecordingDynamo : public aws::HttpClient {
 public:
  RecordingDynamo() {
    context_.clock = std::make_shared<local::SimClock>(1712910000, 1);
    service_ = local::make_dynamodb_service(context_);
  }
  aws::HttpResponse send(const aws::HttpRequest& request) override {
    local::Request r;
    r.method = request.method;
    r.path = "/";
    r.headers = request.headers;
    r.body = request.body;
    r.service = "dynamodb";
    const auto* target = aws::find_header(request.headers, "X-Amz-Target");
    r.operation = target ? target->substr(target->find('.') + 1) : "";
    r.protocol = local::WireProtocol::Json10;
    r.json = request.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(request.body);
    r.region = "us-east-1";
    r.account_id = "123456789012";
    r.request_id = "recorded";
    sent.push_back({r.operation, r.json});
    if (intercept) {
      if (auto reply = intercept(r.operation, r.json)) return *reply;
    }
    local::Response resp;
    try {
      resp = service_->handle(r);
    } catch (const local::ServiceError& e) {
      resp = local::render_error(r, e);
    }
    aws::HttpResponse out{resp.status, resp.headers, resp.body};
    if (patch) patch(r.operation, out);
    return out;
  }
  std::vector<std::pair<std::string, nlohmann::json>> sent;   // operation, input
  // Tests emulate what the local service does not: answer instead of it, or change its answer.
  std::function<std::optional<aws::HttpResponse>(const std::string& op, const nlohmann::json& input)> intercept;
  std::function<void(const std::string& op, aws::HttpResponse& reply)> patch;

 private:
  local::StackContext context_;
  std::unique_ptr<local::Service> service_;
};

// A DynamoDbClient on `http`; sleeps (retries, waits) are recorded in *slept instead of taken, when given.
inline std::shared_ptr<aws::DynamoDbClient> dynamo_client(std::shared_ptr<aws::HttpClient> http,
                                                          std::vector<std::chrono::milliseconds>* slept = nullptr) {
  aws::ClientConfig c;
  c.region = "us-east-1";
  c.endpoint = "http://dynamodb.local";
  c.credentials = aws::make_static_credentials({"test", "test", "", std::nullopt, "test"});
  c.http = std::move(http);
  if (slept) c.sleep = [slept](std::chrono::milliseconds d) { slept->push_back(d); };
  return std::make_shared<aws::DynamoDbClient>(c);
}

}  // namespace pingwatch::testing
