// sign_tool: signs request descriptions with pingwatch's SigV4 signer, for conformance tests against botocore.
// stdin: one JSON object, or an array of them:
//   {"method": "POST", "url": "https://...", "headers": [["Name","value"], ...] | {"Name": "value"},
//    "body": "...", "creds": {"access_key_id": "...", "secret_access_key": "...", "session_token": "..."},
//    "region": "us-east-1", "service": "ssm", "time": "20240412T082826Z"}
// stdout: {"headers": [["Name","value"], ...]} per request (an array for an array input): the signed headers.
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"

using namespace pingwatch::aws;

namespace {

nlohmann::json sign_one(const nlohmann::json& in) {
  HttpRequest request;
  request.method = in.value("method", "POST");
  request.url = in.at("url").get<std::string>();
  request.body = in.value("body", "");
  if (auto h = in.find("headers"); h != in.end()) {
    if (h->is_array()) {
      for (const auto& pair : *h) request.headers.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
    } else {
      for (const auto& [k, v] : h->items()) request.headers.emplace_back(k, v.get<std::string>());
    }
  }
  const auto& c = in.at("creds");
  Credentials creds;
  creds.access_key_id = c.at("access_key_id").get<std::string>();
  creds.secret_access_key = c.at("secret_access_key").get<std::string>();
  creds.session_token = c.value("session_token", "");
  const std::string time = in.at("time").get<std::string>();
  auto when = sigv4::parse_amz_date(time);
  if (!when) throw std::runtime_error("time '" + time + "' is not YYYYMMDDTHHMMSSZ");
  sigv4::sign_request(request, creds, {in.at("region").get<std::string>(), in.at("service").get<std::string>(), *when});
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& [k, v] : request.headers) headers.push_back({k, v});
  return {{"headers", headers}};
}

}  // namespace

int main() {
  try {
    std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    auto doc = nlohmann::json::parse(input);
    nlohmann::json out;
    if (doc.is_array()) {
      out = nlohmann::json::array();
      for (const auto& item : doc) out.push_back(sign_one(item));
    } else {
      out = sign_one(doc);
    }
    std::cout << out.dump() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sign_tool: " << e.what() << "\n";
    return 2;
  }
}
