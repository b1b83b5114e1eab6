// publish: the post's LambdaFunctionCheckSSMAgentStatus, fixed. Pages every node 50 at a time and sends
// the data in PutMetricData requests of up to 1000 datums / 1 MB, several in flight at once, while the
// next pages are still being read, instead of one request per node one after another.
#include "monitor/publish.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "monitor/jobs.h"
#include "monitor/managed_nodes.h"

namespace pingwatch::monitor {

std::string node_field(const core::ManagedNode& n, const std::string& field) {
  if (field == "InstanceId") return n.instance_id;
  if (field == "PlatformType") return n.platform_type;
  if (field == "PlatformName") return n.platform_name;
  if (field == "ResourceType") return n.resource_type;
  if (field == "AgentVersion") return n.agent_version;
  if (field == "ComputerName") return n.computer_name;
  if (field == "Name") return n.name;
  if (field == "IPAddress") return n.ip_address;
  if (field == "SourceType") return n.source_type;
  return {};
}

NodeData node_data(const core::ManagedNode& node, const Settings& s) {
  NodeData out;
  const auto mapped = core::post_metric_value(node.ping_status);
  out.unknown_status = !mapped.has_value();
  const double value = mapped.value_or(s.publish.unknown_status_value);

  core::MetricDatum d;
  d.metric_name = s.metric.metric_name;
  d.dimensions = {{s.metric.dimension_name, node.instance_id}};
  d.value = value;
  d.unit = s.metric.unit;
  out.data.push_back(d);

  if (!s.publish.extra_dimensions.empty()) {
    core::MetricDatum extra = d;
    extra.dimensions.clear();
    for (const auto& field : s.publish.extra_dimensions) {
      std::string v = node_field(node, field);
      // CloudWatch rejects an empty dimension value; "unknown" keeps the datum and says why.
      extra.dimensions.push_back({field, v.empty() ? std::string("unknown") : std::move(v)});
    }
    out.data.push_back(std::move(extra));
  }
  return out;
}

std::vector<core::MetricDatum> aggregate_data(const StatusCounts& counts, const Settings& s) {
  static constexpr core::PingStatus kOrder[] = {core::PingStatus::Online, core::PingStatus::ConnectionLost,
                                                core::PingStatus::Inactive, core::PingStatus::Unknown};
  std::vector<core::MetricDatum> out;
  long total = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    core::MetricDatum d;
    d.metric_name = s.publish.aggregate_metric_name;
    d.dimensions = {{"PingStatus", std::string(core::to_string(kOrder[i]))}};
    d.value = static_cast<double>(counts[i]);
    d.unit = "Count";
      out.push_back(std::move(d));
    total += counts[i];
  }
  core::MetricDatum all;
  all.metric_name = s.publish.aggregate_metric_name;
  all.value = static_cast<double>(total);
  all.unit = "Count";
  out.push_back(std::move(all));
  return out;
}

namespace {

std::size_t status_index(core::PingStatus s) {
  switch (s) {
    case core::PingStatus::Online: return 0;
    case core::PingStatus::ConnectionLost: return 1;
    case core::PingStatus::Inactive: return 2;
    case core::PingStatus::Unknown: break;
  }
  return 3;
}

aws::MetricDatum to_wire(core::MetricDatum d) {
  aws::MetricDatum w;
  w.metric_name = std::move(d.metric_name);
  for (auto& dim : d.dimensions) w.dimensions.push_back({std::move(dim.name), std::move(dim.value)});
  w.value = d.value;
  w.unit = std::move(d.unit);
  if (d.timestamp) {
    w.timestamp = aws::SystemTime(std::chrono::duration_cast<aws::SystemTime::duration>(
        std::chrono::duration<double>(*d.timestamp)));
  }
  return w;
}

// Sends batches on `concurrency` threads while the producer keeps paging. The queue holds at most
// `concurrency` batches, so memory stays bounded (a few MB) however large the fleet.
class BatchSender {
 public:
  BatchSender(aws::CloudWatchClient& client, std::string namespace_, int concurrency)
      : client_(client), namespace_(std::move(namespace_)) {
    for (int i = 0; i < concurrency; ++i) workers_.emplace_back([this] { work(); });
    capacity_ = static_cast<std::size_t>(concurrency);
  }
  ~BatchSender() { finish(); }

  void submit(std::vector<core::MetricDatum> batch) {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return queue_.size() < capacity_; });
    queue_.push_back(std::move(batch));
    ready_.notify_one();
  }

  void finish() {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
    }
    ready_.notify_all();
    for (auto& t : workers_) t.join();
  }

  long calls() const { return calls_; }
  long sent() const { return sent_; }
  long failed() const { return failed_; }
  std::vector<std::string> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }

 private:
  void work() {
    for (;;) {
      std::vector<core::MetricDatum> batch;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) return;
        batch = std::move(queue_.front());
        queue_.pop_front();
        space_.notify_one();
      }
      aws::PutMetricDataRequest request;
      request.namespace_ = namespace_;
      request.metric_data.reserve(batch.size());
      for (auto& d : batch) request.metric_data.push_back(to_wire(std::move(d)));
      const long n = static_cast<long>(request.metric_data.size());
      ++calls_;
      try {
        client_.put_metric_data(request);
        sent_ += n;
      } catch (const std::exception& e) {
        failed_ += n;
        spdlog::error("publish: PutMetricData of {} data failed: {}", n, e.what());
        std::lock_guard lock(mutex_);
        errors_.push_back(std::string("PutMetricData: ") + e.what());
      }
    }
  }

  aws::CloudWatchClient& client_;
  std::string namespace_;
  std::size_t capacity_ = 1;
  mutable std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::deque<std::vector<core::MetricDatum>> queue_;
  bool closed_ = false;
  std::vector<std::thread> workers_;
  std::atomic<long> calls_{0}, sent_{0}, failed_{0};
  std::vector<std::string> errors_;
};

}  // namespace

JobResult run_publish(JobContext& ctx) {
  const auto started = std::chrono::steady_clock::now();
  const Settings& s = ctx.settings;
  JobResult r;
  r.job = Job::Publish;
  r.dry_run = ctx.dry_run;
  StatusCounts counts{};

  core::MetricBatcher batcher;
  BatchSender sender(*ctx.clients.cloudwatch, s.metric.namespace_, s.publish.concurrency);
  const auto send = [&](std::optional<std::vector<core::MetricDatum>> batch) {
    if (!batch) return;
    if (ctx.dry_run) {
      r.data_published += static_cast<long>(batch->size());   // would have been published
      return;
    }
    sender.submit(std::move(*batch));
  };

  for_each_managed_node(ctx, r, [&](const core::ManagedNode& node) {
    if (ctx.inventory) ctx.inventory->instance_ids.push_back(node.instance_id);
    ++counts[status_index(node.ping_status)];
    NodeData nd = node_data(node, s);
    if (nd.unknown_status) {
      ++r.unknown_statuses;
      spdlog::warn("publish: node {} has unknown PingStatus \"{}\"; published as {}", node.instance_id,
                   node.ping_status_raw, s.publish.unknown_status_value);
    }
    for (auto& d : nd.data) send(batcher.add(std::move(d)));
  });

  if (ctx.inventory) ctx.inventory->complete = r.inventory_complete;
  // Counts of a partial inventory would read as nodes disappearing: aggregates need every page.
  if (s.publish.aggregate_metrics && r.inventory_complete) {
    for (auto& d : aggregate_data(counts, s)) send(batcher.add(std::move(d)));
  }
  send(batcher.flush());
  sender.finish();

  r.api_calls = r.pages + sender.calls();
  r.write_calls = sender.calls();
  if (!ctx.dry_run) {
    r.data_published = sender.sent();
    r.data_failed = sender.failed();
  }
  for (auto& e : sender.errors()) r.errors.push_back(std::move(e));
  r.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

}  // namespace pingwatch::monitor
