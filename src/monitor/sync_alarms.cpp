// sync-alarms: the post's LambdaCreateCWAlarm, fixed. The post read one page of nodes, listed metrics and
// rewrote every alarm every minute (past ~180 nodes that exceeds PutMetricAlarm's 3 TPS quota). This job
// reads every node page and every ssm-agent-* alarm, then writes only the difference: missing alarms,
// drifted ones, and pingwatch's own alarms whose node is gone, at a client-side rate under the quotas.
// With a memo (alarm_memo.h), a cycle whose complete inventory matches a recent clean check reads no alarms.
#include "monitor/sync_alarms.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "monitor/jobs.h"
#include "monitor/managed_nodes.h"
#include "monitor/rate_limiter.h"

namespace pingwatch::monitor {

core::AlarmSpecOptions alarm_options(const Settings& s) {
  core::AlarmSpecOptions o;
  static_cast<core::AlarmRule&>(o) = s.alarm;
  static_cast<core::NodeMetric&>(o) = s.metric;
  o.alarm_prefix = s.alarm.prefix;
  o.topic_arn = s.alarm.topic_arn;
  o.ok_actions = s.alarm.ok_actions;
  return o;
}

namespace {

// One field of CloudWatch's types to or from AlarmSpec's: what CloudWatch leaves out is 0 or empty here.
template <class T>
void assign(T& to, const T& from) { to = from; }
template <class T>
void assign(T& to, const std::optional<T>& from) { to = from.value_or(T{}); }
template <class T>
void assign(std::optional<T>& to, const T& from) { to = from; }
void assign(std::vector<core::MetricDimension>& to, const std::vector<aws::Dimension>& from) {
  for (const auto& d : from) to.push_back({d.name, d.value});
}
void assign(std::vector<aws::Dimension>& to, const std::vector<core::MetricDimension>& from) {
  for (const auto& d : from) to.push_back({d.name, d.value});
}

}  // namespace

core::AlarmSpec spec_from_alarm(const aws::MetricAlarm& a) {
  core::AlarmSpec s;
  core::for_each_alarm_field(s, a, [](const char*, auto& to, const auto& from) { assign(to, from); });
  // An extended statistic (p99) or a metric-math alarm has no Statistic: it then differs from ours.
  if (a.statistic.empty()) s.statistic = a.extended_statistic;
  return s;
}

aws::PutMetricAlarmRequest put_request_for(const core::AlarmSpec& s, bool with_tags) {
  aws::PutMetricAlarmRequest r;
  core::for_each_alarm_field(r, s, [](const char*, auto& to, const auto& from) { assign(to, from); });
  if (with_tags) {
    for (const auto& [k, v] : s.tags) r.tags.push_back({k, v});
  }
  return r;
}

nlohmann::json plan_to_json(const core::AlarmPlan& plan) {
  nlohmann::json j;
  j["create"] = nlohmann::json::array();
  for (const auto& c : plan.create) j["create"].push_back(c.alarm_name);
  j["update"] = nlohmann::json::array();
  for (const auto& u : plan.update) {
    j["update"].push_back({{"name", u.desired.alarm_name}, {"drift", u.drifted_fields}, {"adopted", u.adopted}});
  }
  j["delete"] = plan.remove;
  j["left_alone"] = plan.left_alone;
  j["unchanged"] = plan.unchanged;
  j["deletes_withheld"] = plan.deletes_withheld;
  return j;
}

namespace {

constexpr std::size_t kDeleteAlarmsMax = 100;   // DeleteAlarms takes at most 100 names

double epoch_now(const JobContext& ctx) {
  if (ctx.now) return ctx.now();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Runs `tasks` on up to `threads` threads; a task returning false stops the others from starting new ones.
void run_tasks(std::vector<std::function<bool()>>& tasks, int threads) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> halt{false};
  const auto work = [&] {
    while (!halt) {
      const std::size_t i = next++;
      if (i >= tasks.size()) return;
      if (!tasks[i]()) halt = true;
    }
  };
  const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(1, threads)), tasks.size()));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace

JobResult run_sync_alarms(JobContext& ctx) {
  const auto started = std::chrono::steady_clock::now();
  const Settings& s = ctx.settings;
  JobResult r;
  r.job = Job::SyncAlarms;
  r.dry_run = ctx.dry_run;
  const auto should_stop = [&] { return ctx.stop_requested && ctx.stop_requested(); };
  const auto finish = [&] {
    r.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return r;
  };

  // 1. Every managed node (read here, or handed over by publish in the same cycle). Any failure or the
  //    deadline leaves the inventory incomplete: no deletes then.
  const auto options = alarm_options(s);
  std::vector<std::string> read_ids;
  const std::vector<std::string>* ids = &read_ids;
  if (ctx.inventory) {
    ids = &ctx.inventory->instance_ids;
    r.nodes_seen = static_cast<long>(ids->size());
    r.inventory_complete = ctx.inventory->complete;
  } else {
    for_each_managed_node(ctx, r, [&](const core::ManagedNode& node) { read_ids.push_back(node.instance_id); });
    r.api_calls = r.pages;
    if (r.could_not_start) return finish();
  }

  // 2. Unchanged since a recent full check: nothing pingwatch decides on has moved (alarm_memo.h). Decided
  //    on the node ids alone, before any alarm is built or read.
  const std::string scope = alarm_memo_scope(s);
  std::string fingerprint;
  if (ctx.alarm_memo && r.inventory_complete && !ctx.dry_run) {
    fingerprint = alarm_fingerprint(*ids, options);
    const auto memo = ctx.alarm_memo->get(scope);
    const double age = memo ? epoch_now(ctx) - memo->checked_at : 0;
    if (memo && memo->fingerprint == fingerprint && age >= 0 && age < s.alarm.recheck_minutes * 60.0) {
      r.alarms_check_skipped = true;
      r.alarms_unchanged = r.nodes_seen;
      spdlog::debug("sync-alarms: {} nodes, same alarms as checked {:.0f} s ago; DescribeAlarms skipped", r.nodes_seen, age);
      return finish();
    }
  }
  std::vector<core::AlarmSpec> desired;
  desired.reserve(ids->size());
  for (const auto& id : *ids) desired.push_back(core::alarm_spec_for(id, options));

  // 3. Every existing alarm with the prefix. Without the full list nothing can be planned safely.
  std::vector<core::AlarmSpec> existing;
  std::unordered_map<std::string, std::string> arn_by_name;
  aws::DescribeAlarmsRequest alarms_request;
  alarms_request.alarm_name_prefix = s.alarm.prefix;
  alarms_request.max_records = 100;
  long alarm_pages = 0;
  try {
    for (;;) {
      ++r.api_calls;
      ++alarm_pages;
      auto page = ctx.clients.cloudwatch->describe_alarms(alarms_request);
      for (const auto& a : page.metric_alarms) {
        existing.push_back(spec_from_alarm(a));
        arn_by_name.emplace(a.alarm_name, a.alarm_arn);
      }
      if (page.next_token.empty()) break;
      if (page.next_token == alarms_request.next_token) {
        throw std::runtime_error("DescribeAlarms returned the same NextToken twice");
      }
      alarms_request.next_token = page.next_token;
    }
  } catch (const std::exception& e) {
    r.errors.push_back(std::string("DescribeAlarms: ") + e.what());
    // Nothing was written; a first call refused (permission, endpoint) means the job cannot run at all.
    if (alarm_pages == 1 && !ctx.inventory) r.could_not_start = true;
    spdlog::error("sync-alarms: listing alarms {}* failed: {}; nothing written this cycle", s.alarm.prefix, e.what());
    return finish();
  }
  r.alarms_existing = static_cast<long>(existing.size());

  // 4. The plan.
  core::PlanOptions plan_options;
  plan_options.alarm_prefix = s.alarm.prefix;
  plan_options.inventory_complete = r.inventory_complete;
  plan_options.adopt_unmanaged = s.alarm.adopt_unmanaged;
  const core::AlarmPlan plan = core::plan_alarms(desired, existing, plan_options);
  existing.clear();
  r.plan = plan_to_json(plan);
  r.alarms_unchanged = static_cast<long>(plan.unchanged);
  r.alarms_left_alone = static_cast<long>(plan.left_alone.size());
  if (plan.deletes_withheld) {
    spdlog::warn("sync-alarms: node inventory incomplete; deletion of orphan alarms postponed to a complete cycle");
  }
  if (ctx.dry_run) return finish();

  // 5. The writes, under the quotas, `write_concurrency` in flight (latency, not the quota, bounds one
  //    writer). Each failure is recorded and the rest continue; a stop request or the deadline ends them.
  RateLimiter put_limiter(s.alarm.put_tps);
  RateLimiter delete_limiter(s.alarm.delete_tps);
  std::mutex result_mutex;
  const auto may_write = [&](RateLimiter& limiter) {
    if (should_stop()) {
      std::lock_guard lock(result_mutex);
      r.stopped = true;
      return false;
    }
    if (!limiter.acquire_before(ctx.deadline)) {
      std::lock_guard lock(result_mutex);
      r.deadline_reached = true;
      return false;
    }
    return true;
  };
  const auto write = [&](const char* op, const std::string& name, auto&& call) {
    {
      std::lock_guard lock(result_mutex);
      ++r.api_calls;
      ++r.write_calls;
    }
    try {
      call();
      return true;
    } catch (const std::exception& e) {
      spdlog::error("sync-alarms: {} {} failed: {}", op, name, e.what());
      std::lock_guard lock(result_mutex);
      r.errors.push_back(fmt::format("{} {}: {}", op, name, e.what()));
      return false;
    }
  };

  auto& cw = *ctx.clients.cloudwatch;
  std::vector<std::function<bool()>> tasks;
  for (const auto& spec : plan.create) {
    tasks.push_back([&, &spec = spec] {
      if (!may_write(put_limiter)) return false;
      if (write("PutMetricAlarm", spec.alarm_name, [&] { cw.put_metric_alarm(put_request_for(spec, true)); })) {
        {
          std::lock_guard lock(result_mutex);
          ++r.alarms_created;
        }
        spdlog::info("sync-alarms: created {}", spec.alarm_name);
      }
      return true;
    });
  }
  for (const auto& u : plan.update) {
    tasks.push_back([&, &u = u] {
      if (!may_write(put_limiter)) return false;
      if (!write("PutMetricAlarm", u.desired.alarm_name, [&] { cw.put_metric_alarm(put_request_for(u.desired, false)); })) {
        return true;
      }
      {
        std::lock_guard lock(result_mutex);
        ++r.alarms_updated;
      }
      spdlog::info("sync-alarms: updated {} (drift: {})", u.desired.alarm_name, fmt::join(u.drifted_fields, ", "));
      // An adopted alarm gets the tag a create would have set (PutMetricAlarm ignores Tags on overwrite).
      const auto arn = arn_by_name.find(u.desired.alarm_name);
      if (u.adopted && arn != arn_by_name.end() && !arn->second.empty()) {
        std::vector<aws::Tag> tags;
        for (const auto& [k, v] : u.desired.tags) tags.push_back({k, v});
        write("TagResource", u.desired.alarm_name, [&] { cw.tag_resource(arn->second, tags); });
      }
      return true;
    });
  }
  for (std::size_t i = 0; i < plan.remove.size(); i += kDeleteAlarmsMax) {
    tasks.push_back([&, i] {
      if (!may_write(delete_limiter)) return false;
      const auto end = std::min(plan.remove.size(), i + kDeleteAlarmsMax);
      std::vector<std::string> names(plan.remove.begin() + static_cast<long>(i), plan.remove.begin() + static_cast<long>(end));
      if (write("DeleteAlarms", fmt::format("({} alarms from {})", names.size(), names.front()),
                [&] { cw.delete_alarms(names); })) {
        {
          std::lock_guard lock(result_mutex);
          r.alarms_deleted += static_cast<long>(names.size());
        }
        spdlog::info("sync-alarms: deleted {} alarms of nodes no longer managed: {}", names.size(),
                     fmt::join(names, ", "));
      }
      return true;
    });
  }
  run_tasks(tasks, s.alarm.write_concurrency);

  // 6. Remember a clean, complete check; anything less is checked in full next cycle.
  if (ctx.alarm_memo) {
    try {
      if (r.ok() && r.inventory_complete && !plan.deletes_withheld) {
        if (fingerprint.empty()) fingerprint = alarm_fingerprint(*ids, options);
        ctx.alarm_memo->put(scope, AlarmMemo{fingerprint, epoch_now(ctx)});
      } else {
        ctx.alarm_memo->forget(scope);
      }
    } catch (const std::exception& e) {
      // The alarms are right; only the memo is lost: the next cycle checks every alarm again.
      r.errors.push_back(std::string("state file: ") + e.what());
      spdlog::error("sync-alarms: {}; the next cycle reads every alarm", e.what());
    }
  }
  return finish();
}

}  // namespace pingwatch::monitor
