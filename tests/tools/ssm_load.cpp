// ssm_load: a bounded load client for the local stack's DescribeInstanceInformation. Each thread keeps one
// keep-alive connection, signs every request with SigV4 (key test/test) and pages through the fleet
// (MaxResults 50, following NextToken, starting over at the end).
// Usage: ssm_load URL [threads=4] [seconds=10]   -> prints requests, errors, requests/second, nodes/second
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "aws/url_parts.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ssm_load http://127.0.0.1:PORT [threads] [seconds]\n");
    return 2;
  }
  const std::string url = argv[1];
  const int threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 4;
  const double seconds = argc > 3 ? std::min(600.0, std::max(1.0, std::atof(argv[3]))) : 10.0;
  pingwatch::aws::UrlParts parts;
  try {
    parts = pingwatch::aws::split_url(url);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ssm_load: %s\n", e.what());
    return 2;
  }
  if (parts.scheme != "http" || !(parts.host == "127.0.0.1" || parts.host == "localhost")) {
    std::fprintf(stderr, "ssm_load only targets a local stack on loopback (http://127.0.0.1:PORT)\n");
    return 2;
  }
  const int port = parts.port.empty() ? 80 : std::stoi(parts.port);
  std::atomic<long> requests{0}, errors{0}, nodes{0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      httplib::Client client(parts.host, port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      std::string token;
      const pingwatch::aws::Credentials creds{"test", "test", "", std::nullopt, "load"};
      while (std::chrono::steady_clock::now() < deadline) {
        nlohmann::json input = {{"MaxResults", 50}};
        if (!token.empty()) input["NextToken"] = token;
        pingwatch::aws::HttpRequest req;
        req.url = url + "/";
        req.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                       {"X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"}};
        req.body = input.dump();
        pingwatch::aws::sigv4::sign_request(req, creds, {"us-east-1", "ssm", std::chrono::system_clock::now()});
        httplib::Headers headers;
        for (const auto& [k, v] : req.headers) {
          if (k != "Content-Type" && k != "Host") headers.emplace(k, v);
        }
        auto res = client.Post("/", headers, req.body, "application/x-amz-json-1.1");
        ++requests;
        if (!res || res->status != 200) {
          ++errors;
          token.clear();
          continue;
        }
        auto out = nlohmann::json::parse(res->body, nullptr, false);
        if (out.is_discarded()) {
          ++errors;
          continue;
        }
        nodes += static_cast<long>(out["InstanceInformationList"].size());
        token = out.value("NextToken", "");
      }
    });
  }
  for (auto& t : pool) t.join();
  std::printf("threads=%d seconds=%.0f requests=%ld errors=%ld requests_per_second=%.0f nodes_per_second=%.0f\n", threads,
              seconds, requests.load(), errors.load(), requests.load() / seconds, nodes.load() / seconds);
  return errors.load() == 0 ? 0 : 1;
}
