// ssm_handler_bench: the local stack's request path without the network, to separate the stack's own cost
// (SigV4 verification, routing, DescribeInstanceInformation, JSON) from HTTP and the client.
// Usage: ssm_handler_bench [nodes=10000] [seconds=5]
// Prints routed requests per CPU-second (verify + route + describe, requests signed beforehand) and describe-only calls
// per CPU-second, for one core.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <vector>

#include "aws/sigv4.h"
#include "local/router.h"
#include "local/ssm/ssm_service.h"

using namespace pingwatch;

int main(int argc, char** argv) {
  const std::size_t nodes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const double seconds = argc > 2 ? std::min(120.0, std::max(1.0, std::atof(argv[2]))) : 5.0;
  local::StackContext context;
  context.clock = std::make_shared<local::SimClock>(local::SimClock::wall_now(), 1);
  local::fleet::FleetOptions options;
  options.nodes = nodes;
  auto fleet = std::make_shared<local::fleet::Fleet>(options, context.clock->now());
  auto ssm = local::make_ssm_service_with_fleet(context, fleet);
  local::CredentialStore keys;
  local::Stats stats;
  local::Router router(context, keys, stats);
  router.add_service("ssm", ssm.get());

  // Every page of the fleet, signed once up front (signing is the client's cost, not the stack's).
  std::vector<local::RawRequest> pages;
  std::string token;
  do {
    nlohmann::json input = {{"MaxResults", 50}};
    if (!token.empty()) input["NextToken"] = token;
    aws::HttpRequest req;
    req.url = "http://127.0.0.1:4566/";
    req.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"}};
    req.body = input.dump();
    aws::sigv4::sign_request(req, {"test", "test", "", std::nullopt, "bench"}, {"us-east-1", "ssm", std::chrono::system_clock::now()});
    local::RawRequest raw{"POST", "/", "/", {}, req.headers, req.body};
    pages.push_back(raw);
    const auto reply = nlohmann::json::parse(router.route(raw).body);
    token = reply.value("NextToken", "");
  } while (!token.empty());

  // Rates per second of this process's CPU time: on a shared machine wall time mostly measures the neighbours.
  auto run = [&](auto&& body) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    const std::clock_t cpu0 = std::clock();
    long count = 0;
    while (std::chrono::steady_clock::now() < end) {
      body(count);
      ++count;
    }
    const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
    return static_cast<double>(count) / std::max(cpu, 1e-6);
  };
  long errors = 0;
  const double routed = run([&](long i) {
    if (router.route(pages[static_cast<std::size_t>(i) % pages.size()]).status != 200) ++errors;
  });
  const double described = run([&](long) { ssm->describe_instance_information({{"MaxResults", 50}}, context.clock->now()); });
  std::printf("nodes=%zu pages=%zu routed_requests_per_cpu_second=%.0f describe_calls_per_cpu_second=%.0f errors=%ld\n", nodes,
              pages.size(), routed, described, errors);
  return errors == 0 ? 0 : 1;
}
