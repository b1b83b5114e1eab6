// inventory_tool: the full node inventory against an SSM endpoint (the local stack), read one sequential chain of
// NextToken pages and then with the partitioned listing (monitor/node_listing.h) `rounds` times in one process
// (the first partitioned round is the cold census that fills the catalog). Prints one JSON document: each
// listing's seconds, pages, nodes and what the partitioned ones did. --ids-out writes the last listing's ids.
// Usage: inventory_tool URL [--rounds N] [--concurrency N] [--region R] [--ids-out FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "aws/credentials.h"
#include "aws/curl_http_client.h"
#include "aws/ssm_client.h"
#include "monitor/node_listing.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

nlohmann::json sequential(pingwatch::aws::SsmClient& ssm) {
  pingwatch::aws::DescribeInstanceInformationRequest request;
  request.max_results = 50;
  long nodes = 0;
  const auto start = Clock::now();
  const int pages = ssm.for_each_instance_information_page(request, [&](const auto& page) {
    nodes += static_cast<long>(page.nodes.size());
    return true;
  });
  return {{"seconds", seconds_since(start)}, {"pages", pages}, {"nodes", nodes}};
}

nlohmann::json partitioned(pingwatch::aws::SsmClient& ssm, int concurrency, std::map<std::string, int>& times) {
  pingwatch::monitor::ListingOptions options;
  options.concurrency = concurrency;
  options.catalog_key = "inventory_tool";
  times.clear();
  const auto start = Clock::now();
  const auto r = pingwatch::monitor::list_managed_nodes(ssm, options, [&](const pingwatch::aws::DescribeInstanceInformationPage& page) {
    for (const auto& n : page.nodes) ++times[n.instance_id];
  });
  const double took = seconds_since(start);
  long repeated = 0;
  for (const auto& [id, n] : times) repeated += n - 1;
  return {{"seconds", took}, {"pages", r.pages}, {"nodes", r.nodes}, {"distinct_ids", times.size()},
          {"repeated_in_callback", repeated}, {"duplicates_dropped", r.duplicates}, {"cells", r.cells},
          {"closure_ids", r.closure_ids}, {"closure_found", r.closure_found}, {"census_pages", r.census_pages},
          {"census_pass_finished", r.census_pass_finished}, {"complete", r.complete}, {"errors", r.errors}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: inventory_tool URL [--rounds N] [--concurrency N] [--region R] [--ids-out FILE]\n");
    return 2;
  }
  int rounds = 3;
  int concurrency = 8;
  std::string region = "us-east-1";
  std::string ids_out;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--concurrency") concurrency = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--region") region = argv[i + 1];
    else if (flag == "--ids-out") ids_out = argv[i + 1];
    else {
      std::fprintf(stderr, "inventory_tool: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  pingwatch::aws::ClientConfig config;
  config.region = region;
  config.endpoint = argv[1];
  config.credentials = pingwatch::aws::make_static_credentials({"test", "test", "", std::nullopt, "inventory_tool"});
  config.http = pingwatch::aws::make_direct_curl_http_client({});
  pingwatch::aws::SsmClient ssm(config);
  try {
    nlohmann::json out = {{"sequential", sequential(ssm)}, {"partitioned", nlohmann::json::array()}};
    std::map<std::string, int> times;
    for (int i = 0; i < rounds; ++i) out["partitioned"].push_back(partitioned(ssm, concurrency, times));
    double best_warm = 0;
    for (std::size_t i = 1; i < out["partitioned"].size(); ++i) {
      const double s = out["partitioned"][i]["seconds"].get<double>();
      best_warm = best_warm == 0 ? s : std::min(best_warm, s);
    }
    if (best_warm > 0) out["warm_over_sequential"] = best_warm / out["sequential"]["seconds"].get<double>();
    if (!ids_out.empty()) {
      std::ofstream f(ids_out);
      for (const auto& [id, n] : times) f << id << "\n";
    }
    std::printf("%s\n", out.dump(2).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "inventory_tool: %s\n", e.what());
    return 1;
  }
  return 0;
}
