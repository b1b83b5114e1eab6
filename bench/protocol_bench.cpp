// Cost of the client's own work per request (no network): encode + SigV4 sign + decode, through the real
// ServiceClient with an in-memory transport. Figures: a 50-node DescribeInstanceInformation page, and a
// 1000-datum PutMetricData (the largest batch CloudWatch accepts) on both CloudWatch wires.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "aws/cloudwatch_client.h"
#include "aws/sigv4.h"
#include "aws/ssm_client.h"

using namespace pingwatch::aws;
using nlohmann::json;

namespace {

class CannedHttp : public HttpClient {
 public:
  explicit CannedHttp(std::string body) : body_(std::move(body)) {}
  HttpResponse send(const HttpRequest& request) override {
    bytes_sent += request.body.size();
    return HttpResponse{200, {{"Date", "Fri, 12 Apr 2024 08:30:00 GMT"}, {"x-amzn-RequestId", "r"}}, body_};
  }
  size_t bytes_sent = 0;

 private:
  std::string body_;
};

class Fixed : public CredentialsProvider {
 public:
  Credentials get() override {
    return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token", std::nullopt, "bench"};
  }
};

ClientConfig config_with(std::shared_ptr<HttpClient> http) {
  ClientConfig c;
  c.region = "ap-northeast-1";
  c.endpoint = "https://ssm.ap-northeast-1.amazonaws.com";
  c.credentials = std::make_shared<Fixed>();
  c.http = std::move(http);
  return c;
}

std::string ssm_page(int nodes) {
  json list = json::array();
  for (int i = 0; i < nodes; ++i) {
    list.push_back({{"InstanceId", "i-0572676272d8631" + std::to_string(10 + i)},
                    {"PingStatus", i % 7 == 0 ? "ConnectionLost" : "Online"},
                    {"LastPingDateTime", 1712910420.123 + i},
                    {"AgentVersion", "3.3.40.0"},
                    {"IsLatestVersion", false},
                    {"PlatformType", "Linux"},
                    {"PlatformName", "Amazon Linux"},
                    {"PlatformVersion", "2023"},
                    {"ResourceType", "EC2Instance"},
                    {"IPAddress", "10.0.1." + std::to_string(i)},
                    {"ComputerName", "ip-10-0-1-" + std::to_string(i) + ".ap-northeast-1.compute.internal"},
                    {"AssociationStatus", "Success"},
                    {"LastAssociationExecutionDate", 1712900000.5},
                    {"LastSuccessfulAssociationExecutionDate", 1712900000.5},
                    {"AssociationOverview", {{"DetailedStatus", "Success"}, {"InstanceAssociationStatusAggregatedCount", {{"Success", 1}}}}},
                    {"SourceId", "i-0572676272d8631" + std::to_string(10 + i)},
                    {"SourceType", "AWS::EC2::Instance"}});
  }
  return json{{"InstanceInformationList", list}, {"NextToken", "AAEAAbcdefghijkl"}}.dump();
}

PutMetricDataRequest thousand_datums() {
  PutMetricDataRequest r;
  r.namespace_ = "SSM Agent";
  for (int i = 0; i < 1000; ++i) {
    MetricDatum d;
    d.metric_name = "Status";
    d.dimensions = {{"Per-Instance Metrics", "i-0572676272d86" + std::to_string(1000 + i)}};
    d.value = i % 7 == 0 ? 1.0 : 0.0;
    d.unit = "Count";
    d.timestamp = std::chrono::system_clock::from_time_t(1712910420);
    r.metric_data.push_back(std::move(d));
  }
  return r;
}

void BM_SsmDescribePage50_EncodeSignDecode(benchmark::State& state) {
  auto http = std::make_shared<CannedHttp>(ssm_page(50));
  SsmClient ssm(config_with(http));
  DescribeInstanceInformationRequest req;
  req.max_results = 50;
  req.next_token = "AAEAAbcdefghijkl";
  size_t nodes = 0;
  for (auto _ : state) {
    auto page = ssm.describe_instance_information(req);
    nodes += page.nodes.size();
    benchmark::DoNotOptimize(page);
  }
  state.counters["nodes/s"] = benchmark::Counter(static_cast<double>(nodes), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SsmDescribePage50_EncodeSignDecode)->Unit(benchmark::kMicrosecond);

void BM_SsmDecodePage50_Only(benchmark::State& state) {
  const json page = json::parse(ssm_page(50));
  for (auto _ : state) {
    for (const auto& item : page["InstanceInformationList"]) benchmark::DoNotOptimize(decode_instance_information(item));
  }
}
BENCHMARK(BM_SsmDecodePage50_Only)->Unit(benchmark::kMicrosecond);

void BM_PutMetricData1000(benchmark::State& state, CloudWatchWire wire) {
  auto http = std::make_shared<CannedHttp>(wire == CloudWatchWire::Json10
                                               ? std::string("{}")
                                               : std::string("<PutMetricDataResponse></PutMetricDataResponse>"));
  CloudWatchClient cw(config_with(http), wire);
  const PutMetricDataRequest req = thousand_datums();
  for (auto _ : state) cw.put_metric_data(req);
  state.counters["body_bytes"] =
      static_cast<double>(http->bytes_sent) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
}
BENCHMARK_CAPTURE(BM_PutMetricData1000, json10, CloudWatchWire::Json10)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PutMetricData1000, query, CloudWatchWire::Query)->Unit(benchmark::kMicrosecond);

void BM_Sign_SmallJsonRequest(benchmark::State& state) {
  HttpRequest base;
  base.url = "https://ssm.ap-northeast-1.amazonaws.com/";
  base.body = R"({"MaxResults":50,"NextToken":"AAEAAbcdefghijkl"})";
  base.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"}};
  const Credentials creds = Fixed().get();
  const sigv4::SigningParams params{"ap-northeast-1", "ssm", std::chrono::system_clock::from_time_t(1712910420)};
  for (auto _ : state) {
    HttpRequest r = base;
    sigv4::sign_request(r, creds, params);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Sign_SmallJsonRequest)->Unit(benchmark::kMicrosecond);

}  // namespace
