// Cost of signing one request with pingwatch's SigV4 signer (the per-request overhead of the AWS client,
// besides encoding): a typical SSM DescribeInstanceInformation (JSON 1.1, session token) and a 1000-datum
// CloudWatch PutMetricData-sized body (where hashing the payload dominates).
#include <benchmark/benchmark.h>

#include "aws/sigv4.h"

using namespace pingwatch::aws;

namespace {

Credentials bench_creds() {
  return Credentials{"ASIAEXAMPLEEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                     std::string(900, 'T'), std::nullopt, "bench"};   // session tokens are ~900 bytes
}

HttpRequest ssm_request() {
  HttpRequest req;
  req.url = "https://ssm.ap-northeast-1.amazonaws.com/";
  req.headers = {{"X-Amz-Target", "AmazonSSM.DescribeInstanceInformation"},
                 {"Content-Type", "application/x-amz-json-1.1"},
                 {"User-Agent", "pingwatch/0.1"}};
  req.body = R"({"MaxResults":50,"NextToken":"AAEAAQAAAAEAAAABAAAAAQ=="})";
  return req;
}

void BM_SignSsmJsonRequest(benchmark::State& state) {
  const HttpRequest base = ssm_request();
  const Credentials creds = bench_creds();
  const sigv4::SigningParams params{"ap-northeast-1", "ssm", std::chrono::system_clock::now()};
  for (auto _ : state) {
    HttpRequest req = base;
    sigv4::sign_request(req, creds, params);
    benchmark::DoNotOptimize(req.headers.back().second.data());
  }
}
BENCHMARK(BM_SignSsmJsonRequest);

void BM_SignPutMetricData1000(benchmark::State& state) {
  HttpRequest base;
  base.url = "https://monitoring.ap-northeast-1.amazonaws.com/";
  base.headers = {{"X-Amz-Target", "GraniteServiceVersion20100801.PutMetricData"},
                  {"Content-Type", "application/x-amz-json-1.0"},
                  {"x-amzn-query-mode", "true"}};
  std::string body = R"({"Namespace":"SSM Agent","MetricData":[)";
  for (int i = 0; i < 1000; ++i) {
    if (i) body += ',';
    body += R"({"MetricName":"Status","Dimensions":[{"Name":"Per-Instance Metrics","Value":"i-0572676272d86)" +
            std::to_string(1000 + i) + R"("}],"Value":0.0})";
  }
  body += "]}";
  base.body = body;
  const Credentials creds = bench_creds();
  const sigv4::SigningParams params{"ap-northeast-1", "monitoring", std::chrono::system_clock::now()};
  for (auto _ : state) {
    HttpRequest req = base;
    sigv4::sign_request(req, creds, params);
    benchmark::DoNotOptimize(req.headers.back().second.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_SignPutMetricData1000);

}  // namespace
