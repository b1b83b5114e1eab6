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

namespace {

// The existing alarms with the prefix (every page), with their ARNs for tagging adopted ones.
struct ExistingAlarms {
  std::vector<core::AlarmSpec> specs;
  std::unordered_map<std::string, std::string> arn_by_name;
};

// Step 3: without the full list nothing can be planned safely, so any failure throws (after counting the calls).
ExistingAlarms read_existing_alarms(JobContext& ctx, JobResult& r, long& pages) {
  ExistingAlarms out;
  aws::DescribeAlarmsRequest request;
  request.alarm_name_prefix = ctx.settings.alarm.prefix;
  request.max_records = 100;
  for (;;) {
    ++r.api_calls;
    ++pages;
    auto page = ctx.clients.cloudwatch->describe_alarms(request);
    for (const auto& a : page.metric_alarms) {
      out.specs.push_back(spec_from_alarm(a));
      out.arn_by_name.emplace(a.alarm_name, a.alarm_arn);
    }
    if (page.next_token.empty()) return out;
    if (page.next_token == request.next_token) throw std::runtime_error("DescribeAlarms returned the same NextToken twice");
    request.next_token = page.next_token;
  }
}

// Step 5: the plan's writes, under the quotas, `write_concurrency` in flight (latency, not the quota, bounds one
// writer). Each failure is recorded and the rest continue; a stop request or the deadline ends them.
class AlarmWriter {
 public:
  AlarmWriter(JobContext& ctx, JobResult& r, const std::unordered_map<std::string, std::string>& arn_by_name)
      : ctx_(ctx), r_(r), arn_by_name_(arn_by_name), cw_(*ctx.clients.cloudwatch),
        put_limiter_(ctx.settings.alarm.put_tps), delete_limiter_(ctx.settings.alarm.delete_tps) {}

  void apply(const core::AlarmPlan& plan) {
    std::vector<std::function<bool()>> tasks;
    for (const auto& spec : plan.create) tasks.push_back([this, &spec] { return create(spec); });
    for (const auto& u : plan.update) tasks.push_back([this, &u] { return update(u); });
    for (std::size_t i = 0; i < plan.remove.size(); i += kDeleteAlarmsMax) {
      const auto end = std::min(plan.remove.size(), i + kDeleteAlarmsMax);
      tasks.push_back([this, &plan, i, end] {
        return remove(std::vector<std::string>(plan.remove.begin() + static_cast<long>(i),
                                               plan.remove.begin() + static_cast<long>(end)));
      });
    }
    run_tasks(tasks, ctx_.settings.alarm.write_concurrency);
  }

 private:
  // Each task returns false to stop the others from starting new writes.
  bool create(const core::AlarmSpec& spec) {
    if (!may_write(put_limiter_)) return false;
    if (write("PutMetricAlarm", spec.alarm_name, [&] { cw_.put_metric_alarm(put_request_for(spec, true)); })) {
      count(r_.alarms_created, 1);
      spdlog::info("sync-alarms: created {}", spec.alarm_name);
    }
    return true;
  }

  bool update(const core::AlarmUpdate& u) {
    if (!may_write(put_limiter_)) return false;
    if (!write("PutMetricAlarm", u.desired.alarm_name, [&] { cw_.put_metric_alarm(put_request_for(u.desired, false)); })) {
      return true;
    }
    count(r_.alarms_updated, 1);
    spdlog::info("sync-alarms: updated {} (drift: {})", u.desired.alarm_name, fmt::join(u.drifted_fields, ", "));
    // An adopted alarm gets the tag a create would have set (PutMetricAlarm ignores Tags on overwrite).
    const auto arn = arn_by_name_.find(u.desired.alarm_name);
    if (u.adopted && arn != arn_by_name_.end() && !arn->second.empty()) {
      std::vector<aws::Tag> tags;
      for (const auto& [k, v] : u.desired.tags) tags.push_back({k, v});
      write("TagResource", u.desired.alarm_name, [&] { cw_.tag_resource(arn->second, tags); });
    }
    return true;
  }

  bool remove(const std::vector<std::string>& names) {
    if (!may_write(delete_limiter_)) return false;
    if (write("DeleteAlarms", fmt::format("({} alarms from {})", names.size(), names.front()),
              [&] { cw_.delete_alarms(names); })) {
      count(r_.alarms_deleted, static_cast<long>(names.size()));
      spdlog::info("sync-alarms: deleted {} alarms of nodes no longer managed: {}", names.size(), fmt::join(names, ", "));
    }
    return true;
  }

  void count(long& counter, long n) {
    std::lock_guard lock(result_mutex_);
    counter += n;
  }

  bool may_write(RateLimiter& limiter) {
    if (ctx_.stop_requested && ctx_.stop_requested()) {
      std::lock_guard lock(result_mutex_);
      r_.stopped = true;
      return false;
    }
    if (!limiter.acquire_before(ctx_.deadline)) {
      std::lock_guard lock(result_mutex_);
      r_.deadline_reached = true;
      return false;
    }
    return true;
  }

  template <class Call>
  bool write(const char* op, const std::string& name, Call&& call) {
    {
      std::lock_guard lock(result_mutex_);
      ++r_.api_calls;
      ++r_.write_calls;
    }
    try {
      call();
      return true;
    } catch (const std::exception& e) {
      spdlog::error("sync-alarms: {} {} failed: {}", op, name, e.what());
      std::lock_guard lock(result_mutex_);
      r_.errors.push_back(fmt::format("{} {}: {}", op, name, e.what()));
      return false;
    }
  }

  JobContext& ctx_;
  JobResult& r_;
  const std::unordered_map<std::string, std::string>& arn_by_name_;
  aws::CloudWatchClient& cw_;
  RateLimiter put_limiter_;
  RateLimiter delete_limiter_;
  std::mutex result_mutex_;
};

// One sync-alarms run, in the steps of run(); `r` is what it reports.
class SyncAlarmsRun {
 public:
  explicit SyncAlarmsRun(JobContext& ctx) : ctx_(ctx), s_(ctx.settings), options_(alarm_options(ctx.settings)) {
    r_.job = Job::SyncAlarms;
    r_.dry_run = ctx.dry_run;
  }

  JobResult run() {
    if (!read_nodes()) return finish();
    if (memo_says_unchanged()) return finish();
    std::vector<core::AlarmSpec> desired;
    desired.reserve(ids_->size());
    for (const auto& id : *ids_) desired.push_back(core::alarm_spec_for(id, options_));
    ExistingAlarms existing;
    if (!read_alarms(existing)) return finish();
    const core::AlarmPlan plan = make_plan(desired, existing.specs);
    existing.specs.clear();
    if (ctx_.dry_run) return finish();
    AlarmWriter(ctx_, r_, existing.arn_by_name).apply(plan);
    remember(plan);
    return finish();
  }

 private:
  // 1. Every managed node (read here, or handed over by publish in the same cycle). Any failure or the deadline
  //    leaves the inventory incomplete: no deletes then. False when the job could not start.
  bool read_nodes() {
    if (ctx_.inventory) {
      ids_ = &ctx_.inventory->instance_ids;
      r_.nodes_seen = static_cast<long>(ids_->size());
      r_.inventory_complete = ctx_.inventory->complete;
      return true;
    }
    for_each_managed_node(ctx_, r_, [&](const core::ManagedNode& node) { read_ids_.push_back(node.instance_id); });
    r_.api_calls = r_.pages;
    return !r_.could_not_start;
  }

  // 2. Unchanged since a recent full check: nothing pingwatch decides on has moved (alarm_memo.h). Decided on the
  //    node ids alone, before any alarm is built or read.
  bool memo_says_unchanged() {
    if (!ctx_.alarm_memo || !r_.inventory_complete || ctx_.dry_run) return false;
    fingerprint_ = alarm_fingerprint(*ids_, options_);
    const auto memo = ctx_.alarm_memo->get(scope_);
    const double age = memo ? epoch_now(ctx_) - memo->checked_at : 0;
    if (!memo || memo->fingerprint != fingerprint_ || age < 0 || age >= s_.alarm.recheck_minutes * 60.0) return false;
    r_.alarms_check_skipped = true;
    r_.alarms_unchanged = r_.nodes_seen;
    spdlog::debug("sync-alarms: {} nodes, same alarms as checked {:.0f} s ago; DescribeAlarms skipped", r_.nodes_seen, age);
    return true;
  }

  // 3. Every existing alarm with the prefix. Nothing is written when that fails.
  bool read_alarms(ExistingAlarms& existing) {
    long pages = 0;
    try {
      existing = read_existing_alarms(ctx_, r_, pages);
    } catch (const std::exception& e) {
      r_.errors.push_back(std::string("DescribeAlarms: ") + e.what());
      // A first call refused (permission, endpoint) means the job cannot run at all.
      if (pages == 1 && !ctx_.inventory) r_.could_not_start = true;
      spdlog::error("sync-alarms: listing alarms {}* failed: {}; nothing written this cycle", s_.alarm.prefix, e.what());
      return false;
    }
    r_.alarms_existing = static_cast<long>(existing.specs.size());
    return true;
  }

  // 4. The plan.
  core::AlarmPlan make_plan(const std::vector<core::AlarmSpec>& desired, const std::vector<core::AlarmSpec>& existing) {
    core::PlanOptions plan_options;
    plan_options.alarm_prefix = s_.alarm.prefix;
    plan_options.inventory_complete = r_.inventory_complete;
    plan_options.adopt_unmanaged = s_.alarm.adopt_unmanaged;
    core::AlarmPlan plan = core::plan_alarms(desired, existing, plan_options);
    r_.plan = plan_to_json(plan);
    r_.alarms_unchanged = static_cast<long>(plan.unchanged);
    r_.alarms_left_alone = static_cast<long>(plan.left_alone.size());
    if (plan.deletes_withheld) {
      spdlog::warn("sync-alarms: node inventory incomplete; deletion of orphan alarms postponed to a complete cycle");
    }
    return plan;
  }

  // 6. Remember a clean, complete check; anything less is checked in full next cycle.
  void remember(const core::AlarmPlan& plan) {
    if (!ctx_.alarm_memo) return;
    try {
      if (r_.ok() && r_.inventory_complete && !plan.deletes_withheld) {
        if (fingerprint_.empty()) fingerprint_ = alarm_fingerprint(*ids_, options_);
        ctx_.alarm_memo->put(scope_, AlarmMemo{fingerprint_, epoch_now(ctx_)});
      } else {
        ctx_.alarm_memo->forget(scope_);
      }
    } catch (const std::exception& e) {
      // The alarms are right; only the memo is lost: the next cycle checks every alarm again.
      r_.errors.push_back(std::string("state file: ") + e.what());
      spdlog::error("sync-alarms: {}; the next cycle reads every alarm", e.what());
    }
  }

  JobResult finish() {
    r_.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    return r_;
  }

  JobContext& ctx_;
  const Settings& s_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  const core::AlarmSpecOptions options_;
  const std::string scope_ = alarm_memo_scope(s_);
  JobResult r_;
  std::vector<std::string> read_ids_;
  const std::vector<std::string>* ids_ = &read_ids_;
  std::string fingerprint_;
};

}  // namespace

JobResult run_sync_alarms(JobContext& ctx) { return SyncAlarmsRun(ctx).run(); }

}  // namespace pingwatch::monitor
