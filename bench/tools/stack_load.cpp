// Load generator for the local stack: T threads issue one operation as fast as they can for D seconds,
// through pingwatch's own client (signing included, as any SDK would). Prints one JSON line.
//   stack_load --endpoint-url URL --op describe|put --threads 4 --seconds 10
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "aws/client_factory.h"

using namespace pingwatch;

int main(int argc, char** argv) {
  CLI::App app{"local stack load generator"};
  std::string endpoint, op = "describe";
  int threads = 4;
  double seconds = 10;
  int datums = 20;
  app.add_option("--endpoint-url", endpoint)->required();
  app.add_option("--op", op)->check(CLI::IsMember({"describe", "put"}));
  app.add_option("--threads", threads)->check(CLI::Range(1, 64));
  app.add_option("--seconds", seconds)->check(CLI::PositiveNumber);
  app.add_option("--datums", datums, "data per PutMetricData call")->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);

  aws::ClientFactory factory({.region = "us-east-1", .profile = "", .endpoint_url = endpoint});
  std::atomic<long> ok{0}, failed{0};
  const auto stop_at = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto ssm = factory.ssm();
      auto cw = factory.cloudwatch();
      aws::PutMetricDataRequest put;
      put.namespace_ = "pingwatch-load";
      for (int i = 0; i < datums; ++i) {
        aws::MetricDatum d;
        d.metric_name = "Status";
        d.dimensions = {{"Per-Instance Metrics", "i-load" + std::to_string(t) + "-" + std::to_string(i)}};
        d.value = 0;
        d.unit = "Count";
        put.metric_data.push_back(d);
      }
      aws::DescribeInstanceInformationRequest describe;
      describe.max_results = 50;
      while (std::chrono::steady_clock::now() < stop_at) {
        try {
          if (op == "describe") {
            ssm.describe_instance_information(describe);
          } else {
            cw.put_metric_data(put);
          }
          ++ok;
        } catch (const std::exception& e) {
          if (failed++ == 0) std::fprintf(stderr, "stack_load: %s\n", e.what());
        }
      }
    });
  }
  const auto started = std::chrono::steady_clock::now();
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%s\n", nlohmann::json{{"op", op},
                                    {"threads", threads},
                                    {"requests", ok.load()},
                                    {"failed", failed.load()},
                                    {"seconds", elapsed},
                                    {"requests_per_second", ok.load() / elapsed},
                                    {"datums_per_call", op == "put" ? datums : 0}}
                          .dump()
                          .c_str());
  return failed.load() == 0 ? 0 : 1;
}
