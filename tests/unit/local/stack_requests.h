#pragma once
// What the whole-stack tests (sts_stack_test.cpp, organization_stack_test.cpp) share: requests to a running
// LocalStack over HTTP, signed as an SDK signs them, and the credentials an AssumeRole reply carries.
#include <gtest/gtest.h>
#include <httplib.h>
#include <pugixml.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "aws/sigv4.h"
#include "local/stack.h"

namespace pingwatch::local::stack_test {

struct Reply {
  int status = 0;
  std::string body;
};

// POST / with `body`, signed with `creds` for `service` in `region` (unsigned when creds is null).
inline Reply post(const LocalStack& stack, const std::string& service, const std::string& region, aws::Headers headers,
                  const std::string& body, const aws::Credentials* creds) {
  aws::HttpRequest r;
  r.method = "POST";
  r.url = stack.endpoint_url() + "/";
  r.headers = std::move(headers);
  r.body = body;
  if (creds) aws::sigv4::sign_request(r, *creds, {region, service, std::chrono::system_clock::now()});
  httplib::Headers h;
  std::string type;
  for (const auto& [k, v] : r.headers) {
    if (k == "Content-Type") type = v;
    else if (k != "Host") h.emplace(k, v);
  }
  auto result = httplib::Client("127.0.0.1", stack.port()).Post("/", h, body, type.c_str());
  EXPECT_TRUE(result);
  return result ? Reply{result->status, result->body} : Reply{};
}

// A Query-protocol call (form body: Action=...&Version=...).
inline Reply post_query(const LocalStack& stack, const std::string& service, const std::string& region,
                        const std::string& body, const aws::Credentials* creds) {
  return post(stack, service, region, {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, body,
              creds);
}

// A JSON-protocol call to X-Amz-Target `target` (DynamoDB speaks JSON 1.0, the others 1.1).
inline Reply post_json(const LocalStack& stack, const std::string& service, const std::string& region,
                       const std::string& target, const std::string& body, const aws::Credentials* creds) {
  const std::string type = service == "dynamodb" ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
  return post(stack, service, region, {{"Content-Type", type}, {"X-Amz-Target", target}}, body, creds);
}

// The temporary credentials in a successful AssumeRole reply.
inline aws::Credentials assumed_credentials(const Reply& reply) {
  EXPECT_EQ(reply.status, 200) << reply.body;
  pugi::xml_document doc;
  doc.load_string(reply.body.c_str());
  const auto c = doc.child("AssumeRoleResponse").child("AssumeRoleResult").child("Credentials");
  return aws::Credentials{c.child_value("AccessKeyId"), c.child_value("SecretAccessKey"), c.child_value("SessionToken"),
                          std::nullopt, "sts"};
}

}  // namespace pingwatch::local::stack_test
