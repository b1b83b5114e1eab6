// The pure decisions a cycle makes, per 10,000 nodes (no I/O): building the post's metric data and
// batching it under CloudWatch's limits (publish), the alarm plan against 10,000 existing alarms and its
// fingerprint (sync-alarms), and one steady watch evaluation over 10,000 records.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include "core/alarm_plan.h"
#include "core/alarm_spec.h"
#include "core/metric_batch.h"
#include "core/transitions.h"
#include "monitor/alarm_memo.h"
#include "monitor/publish.h"

using namespace pingwatch;

namespace {

constexpr int kNodes = 10000;

std::vector<core::ManagedNode> fleet() {
  std::vector<core::ManagedNode> nodes(kNodes);
  for (int i = 0; i < kNodes; ++i) {
    auto& n = nodes[static_cast<std::size_t>(i)];
    n.instance_id = fmt::format("i-{:017x}", i);
    n.ping_status = i % 100 == 0 ? core::PingStatus::ConnectionLost : core::PingStatus::Online;
    n.ping_status_raw = std::string(core::to_string(n.ping_status));
    n.last_ping = 1712910000.0 - (i % 300);
    n.computer_name = fmt::format("ip-10-0-{}-{}.ap-northeast-1.compute.internal", i / 256, i % 256);
  }
  return nodes;
}

void BM_Publish10k_DataAndBatches(benchmark::State& state) {
  const auto nodes = fleet();
  monitor::Settings settings;
  for (auto _ : state) {
    core::MetricBatcher batcher;
    std::size_t batches = 0;
    for (const auto& n : nodes) {
      for (auto& d : monitor::node_data(n, settings).data) batches += batcher.add(std::move(d)).has_value();
    }
    batches += batcher.flush().has_value();
    benchmark::DoNotOptimize(batches);
  }
  state.SetItemsProcessed(state.iterations() * kNodes);
}
BENCHMARK(BM_Publish10k_DataAndBatches)->Unit(benchmark::kMillisecond);

void BM_SyncAlarms10k_PlanUnchanged(benchmark::State& state) {
  core::AlarmSpecOptions o;
  o.topic_arn = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping";
  std::vector<core::AlarmSpec> desired;
  for (const auto& n : fleet()) desired.push_back(core::alarm_spec_for(n.instance_id, o));
  const auto existing = desired;
  core::PlanOptions p;
  p.alarm_prefix = o.alarm_prefix;
  for (auto _ : state) benchmark::DoNotOptimize(core::plan_alarms(desired, existing, p));
  state.SetItemsProcessed(state.iterations() * kNodes);
}
BENCHMARK(BM_SyncAlarms10k_PlanUnchanged)->Unit(benchmark::kMillisecond);

void BM_SyncAlarms10k_Fingerprint(benchmark::State& state) {
  core::AlarmSpecOptions o;
  o.topic_arn = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping";
  std::vector<std::string> ids;
  for (const auto& n : fleet()) ids.push_back(n.instance_id);
  for (auto _ : state) benchmark::DoNotOptimize(monitor::alarm_fingerprint(ids, o));
  state.SetItemsProcessed(state.iterations() * kNodes);
}
BENCHMARK(BM_SyncAlarms10k_Fingerprint)->Unit(benchmark::kMillisecond);

void BM_Watch10k_SteadyEvaluation(benchmark::State& state) {
  const auto nodes = fleet();
  core::WatchPolicy policy;
  core::Observation first;
  first.snapshot.nodes = nodes;
  first.snapshot.server_time = 1712910000;
  const auto baseline = core::evaluate_cycle(core::WatchState{}, first, policy).state;
  core::Observation steady;
  steady.full = false;
  for (const auto& n : nodes) {
    if (n.ping_status != core::PingStatus::Online) steady.snapshot.nodes.push_back(n);
  }
  steady.snapshot.server_time = 1712910060;
  for (auto _ : state) benchmark::DoNotOptimize(core::evaluate_cycle(baseline, steady, policy));
  state.SetItemsProcessed(state.iterations() * kNodes);
}
BENCHMARK(BM_Watch10k_SteadyEvaluation)->Unit(benchmark::kMillisecond);

}  // namespace
