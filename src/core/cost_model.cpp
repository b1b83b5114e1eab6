#include "core/cost_model.h"

#include "core/transitions.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pingwatch::core {

namespace {

const nlohmann::json& require(const nlohmann::json& parent, const std::string& path, const std::string& key) {
  if (!parent.is_object() || !parent.contains(key)) {
    throw std::runtime_error("price table: missing field '" + path + key + "' (see data/prices.json for the layout)");
  }
  return parent.at(key);
}

double number(const nlohmann::json& parent, const std::string& path, const std::string& key) {
  const auto& v = require(parent, path, key);
  if (!v.is_number() || v.get<double>() < 0) {
    throw std::runtime_error("price table: field '" + path + key + "' must be a non-negative number, got " + v.dump());
  }
  return v.get<double>();
}

double number_or(const nlohmann::json& parent, const std::string& path, const std::string& key, double fallback) {
  return parent.is_object() && parent.contains(key) ? number(parent, path, key) : fallback;
}

double ceil_div(double a, double b) { return std::ceil(a / b); }

CostLine api_line(const std::string& item, double calls, const PriceTable& p) {
  return {item, calls, "requests", calls / 1000.0 * p.cloudwatch_api_usd_per_1000};
}

CostLine lambda_requests(double invocations, const PriceTable& p) {
  return {"Lambda requests", invocations, "invocations", invocations / 1e6 * p.lambda_usd_per_million_requests};
}

CostLine lambda_duration(double seconds, double memory_mb, const PriceTable& p) {
  const double gb_s = seconds * memory_mb / 1024.0;
  return {"Lambda duration", gb_s, "GB-seconds", gb_s * p.lambda_usd_per_gb_second};
}

DesignCost finish(DesignCost d) {
  d.total_usd = 0;
  for (const auto& l : d.lines) d.total_usd += l.usd;
  return d;
}

}  // namespace

PriceTable parse_price_table(const nlohmann::json& doc) {
  PriceTable p;
  p.region = require(doc, "", "region").get<std::string>();
  p.as_of = require(doc, "", "as_of").get<std::string>();
  for (const auto& [k, v] : require(doc, "", "sources").items()) p.sources.push_back(k + ": " + v.get<std::string>());
  const auto& cw = require(doc, "", "cloudwatch");
  for (const auto& tier : require(cw, "cloudwatch.", "custom_metric_tiers")) {
    MetricTier t;
    const auto& up = require(tier, "cloudwatch.custom_metric_tiers[].", "up_to");
    if (!up.is_null()) t.up_to = up.get<double>();
    t.usd_per_metric_month = number(tier, "cloudwatch.custom_metric_tiers[].", "usd_per_metric_month");
    p.custom_metric_tiers.push_back(t);
  }
  if (p.custom_metric_tiers.empty()) throw std::runtime_error("price table: cloudwatch.custom_metric_tiers is empty");
  p.alarm_usd_per_month = number(cw, "cloudwatch.", "alarm_standard_usd_per_alarm_month");
  p.cloudwatch_api_usd_per_1000 = number(cw, "cloudwatch.", "api_usd_per_1000_requests");
  if (cw.contains("put_metric_alarm_billed_as_api_request")) {
    p.put_metric_alarm_billed = cw.at("put_metric_alarm_billed_as_api_request").get<bool>();
  }
  const auto& lambda = require(doc, "", "lambda");
  p.lambda_usd_per_million_requests = number(lambda, "lambda.", "usd_per_million_requests");
  p.lambda_usd_per_gb_second = number(lambda, "lambda.", "usd_per_gb_second");
  const auto& sns = require(doc, "", "sns");
  p.sns_usd_per_million_publish = number(sns, "sns.", "usd_per_million_publish_requests");
  p.sns_usd_per_100000_email = number(sns, "sns.", "usd_per_100000_email_deliveries");
  const auto& ddb = require(doc, "", "dynamodb");
  p.dynamodb_usd_per_million_wru = number(ddb, "dynamodb.", "usd_per_million_write_request_units");
  p.dynamodb_usd_per_million_rru = number(ddb, "dynamodb.", "usd_per_million_read_request_units");
  p.dynamodb_usd_per_gb_month = number(ddb, "dynamodb.", "usd_per_gb_month_storage");
  const nlohmann::json a = doc.contains("assumptions") ? doc.at("assumptions") : nlohmann::json::object();
  p.minutes_per_month = number_or(a, "assumptions.", "minutes_per_month", p.minutes_per_month);
  p.post_seconds_per_call = number_or(a, "assumptions.", "post_seconds_per_sequential_call", p.post_seconds_per_call);
  p.post_lambda_memory_mb = number_or(a, "assumptions.", "post_lambda_memory_mb", p.post_lambda_memory_mb);
  p.pingwatch_lambda_memory_mb = number_or(a, "assumptions.", "pingwatch_lambda_memory_mb", p.pingwatch_lambda_memory_mb);
  p.pingwatch_seconds_per_call = number_or(a, "assumptions.", "pingwatch_seconds_per_call", p.pingwatch_seconds_per_call);
  p.watch_state_bytes_per_node = number_or(a, "assumptions.", "watch_state_bytes_per_node", p.watch_state_bytes_per_node);
  p.watch_notice_bytes = number_or(a, "assumptions.", "watch_notice_bytes", p.watch_notice_bytes);
  p.watch_notices_per_month = number_or(a, "assumptions.", "watch_notices_per_month", p.watch_notices_per_month);
  p.watch_metrics_per_region = number_or(a, "assumptions.", "watch_metrics_per_region", p.watch_metrics_per_region);
  return p;
}

double custom_metrics_usd(double metrics, const std::vector<MetricTier>& tiers) {
  double usd = 0;
  double floor = 0;
  for (const auto& tier : tiers) {
    const double ceiling = tier.up_to.value_or(std::max(metrics, floor));
    const double in_tier = std::clamp(metrics - floor, 0.0, std::max(0.0, ceiling - floor));
    usd += in_tier * tier.usd_per_metric_month;
    floor = ceiling;
    if (metrics <= floor) break;
  }
  return usd;
}

DynamoRequests watch_dynamodb_cycle(const WatchCycleShape& c, const PriceTable& p) {
  constexpr double kChunkBytes = 300 * 1024;   // a write-ahead chunk (state_store_dynamodb.cpp)
  constexpr double kBatch = 25;                // items per BatchWriteItem
  const double record_kb = std::ceil(p.watch_state_bytes_per_node / 1024.0);
  const double notice_kb = std::ceil(p.watch_notice_bytes / 1024.0);
  DynamoRequests r;
  // Reads: meta twice (the plan, then the load), the records (all, or the hot ones and those pulled), the outbox.
  r.get_item = 2 + c.records_pulled;
  const double loaded_bytes = (c.full ? c.nodes : c.hot_records) * p.watch_state_bytes_per_node;
  r.query = (c.full ? 2 : 1) + 1;   // node# and hot#, or hot# only; then notice#
  r.rru = 2 + c.records_pulled * record_kb + (c.full ? 1 : 0) + std::max(1.0, ceil_div(loaded_bytes, 4096)) +
          std::max(1.0, ceil_div(c.notices_kept * p.watch_notice_bytes, 4096));
  // Writes: the commit point always; with anything to apply, the write-ahead record, the items, the notices
  // and the clearing (meta, then the chunks).
  r.update_item = 1 + 2 * c.published;   // claim and mark sent
  r.wru = 1 + 2 * c.published * notice_kb;
  const double items = c.records_written + c.records_removed + c.records_moved;
  if (items + c.notices > 0) {
    // Each record rides in the write-ahead record as escaped JSON text with its key: ~1.2 x its size + 40.
    const double wal_bytes = 100 + (c.records_written + c.records_moved) * (1.2 * p.watch_state_bytes_per_node + 40) +
                             c.notices * p.watch_notice_bytes;
    const double chunks = std::max(1.0, ceil_div(wal_bytes, kChunkBytes));
    r.put_item = chunks + c.notices;
    r.update_item += 1;
    r.batch_write_item = ceil_div(items, kBatch) + ceil_div(chunks, kBatch);
    r.wru += std::ceil(wal_bytes / 1024.0) + chunks + items * record_kb + c.notices * notice_kb + 1;
  }
  return r;
}

WatchCycleShape parse_cycle_shape(const nlohmann::json& j) {
  WatchCycleShape c;
  c.full = j.value("full", false);
  c.nodes = j.value("nodes", 0.0);
  c.records_written = j.value("records_written", 0.0);
  c.records_removed = j.value("records_removed", 0.0);
  c.records_moved = j.value("records_moved", 0.0);
  c.hot_records = j.value("hot_records", 0.0);
  c.records_pulled = j.value("records_pulled", 0.0);
  c.notices = j.value("notices", 0.0);
  c.published = j.value("published", 0.0);
  c.notices_kept = j.value("notices_kept", 0.0);
  return c;
}

nlohmann::json dynamodb_requests_json(const DynamoRequests& r) {
  return {{"GetItem", r.get_item}, {"Query", r.query}, {"PutItem", r.put_item}, {"UpdateItem", r.update_item},
          {"BatchWriteItem", r.batch_write_item}, {"rru", r.rru}, {"wru", r.wru}};
}

namespace {

struct Fleet {
  double pairs, nodes, per_pair, minutes, metrics_usd_per_node;
};

// The post as written: a PutMetricData and a PutMetricAlarm per node per minute, one after another.
DesignCost post_design(const Fleet& f, const PriceTable& p) {
  DesignCost d{"post", "The post's design as written (metric + alarm per node, 2 calls per node per minute)", {}, 0};
  d.lines.push_back({"Custom metrics (one per node)", f.nodes, "metrics", f.metrics_usd_per_node});
  d.lines.push_back({"Alarms (one per node)", f.nodes, "alarms", f.nodes * p.alarm_usd_per_month});
  d.lines.push_back(api_line("PutMetricData (1 per node per minute)", f.nodes * f.minutes, p));
  CostLine pma = api_line("PutMetricAlarm (1 per node per minute)", f.nodes * f.minutes, p);
  if (!p.put_metric_alarm_billed) pma.usd = 0;
  d.lines.push_back(pma);
  d.lines.push_back(api_line("ListMetrics (500 per page, every minute)", f.pairs * ceil_div(f.per_pair, 500) * f.minutes, p));
  d.lines.push_back(lambda_requests(2 * f.pairs * f.minutes, p));
  const double seconds_per_minute = f.pairs * (2 * f.per_pair + ceil_div(f.per_pair, 10) + ceil_div(f.per_pair, 500)) *
                                    p.post_seconds_per_call;
  d.lines.push_back(lambda_duration(seconds_per_minute * f.minutes, p.post_lambda_memory_mb, p));
  return finish(std::move(d));
}

// The post fixed: same metrics and alarms, PutMetricData batched by 1000, alarms written only on drift.
DesignCost post_fixed_design(const Fleet& f, const PriceTable& p) {
  DesignCost d{"post-fixed", "The post's design fixed (batched PutMetricData, alarms written on drift only)", {}, 0};
  d.lines.push_back({"Custom metrics (one per node)", f.nodes, "metrics", f.metrics_usd_per_node});
  d.lines.push_back({"Alarms (one per node)", f.nodes, "alarms", f.nodes * p.alarm_usd_per_month});
  d.lines.push_back(api_line("PutMetricData (1000 data per call, every minute)", f.pairs * ceil_div(f.per_pair, 1000) * f.minutes, p));
  CostLine da = api_line("DescribeAlarms (100 per page, every minute)", f.pairs * ceil_div(f.per_pair, 100) * f.minutes, p);
  if (!p.put_metric_alarm_billed) da.usd = 0;
  d.lines.push_back(da);
  d.lines.push_back(lambda_requests(2 * f.pairs * f.minutes, p));
  const double calls_per_minute =
      f.pairs * (2 * ceil_div(f.per_pair, 50) + ceil_div(f.per_pair, 1000) + ceil_div(f.per_pair, 100));
  d.lines.push_back(lambda_duration(calls_per_minute * p.pingwatch_seconds_per_call * f.minutes, p.pingwatch_lambda_memory_mb, p));
  return finish(std::move(d));
}

// DynamoDB, per account-region: a steady cycle reads meta, the hot records (none in a quiet fleet) and the
// outbox, and writes the commit point only; a full inventory (every 10th cycle) reads every record and
// rewrites the cold ones whose last ping left its bucket: 10 minutes of a kPingBucketSeconds bucket.
void add_watch_dynamodb(const Fleet& f, const PriceTable& p, DesignCost& d) {
  const double full_cycles = f.minutes / 10.0, steady_cycles = f.minutes - full_cycles;
  WatchCycleShape steady;
  steady.nodes = f.per_pair;
  steady.notices_kept = p.watch_notices_per_month / f.pairs * 7 / 30;
  WatchCycleShape full = steady;
  full.full = true;
  full.records_written = std::ceil(f.per_pair * std::min(1.0, 600.0 / kPingBucketSeconds));
  const double notices = p.watch_notices_per_month / f.pairs;   // recorded once, published once
  WatchCycleShape noticing;
  noticing.notices = noticing.published = 1;
  const auto s = watch_dynamodb_cycle(steady, p), fu = watch_dynamodb_cycle(full, p);
  const auto n = watch_dynamodb_cycle(noticing, p), quiet = watch_dynamodb_cycle({}, p);
  const double rru = f.pairs * (steady_cycles * s.rru + full_cycles * fu.rru);
  d.lines.push_back({"DynamoDB reads (state and outbox, each cycle)", rru, "RRU", rru / 1e6 * p.dynamodb_usd_per_million_rru});
  const double wru = f.pairs * (steady_cycles * s.wru + full_cycles * fu.wru + notices * (n.wru - quiet.wru));
  d.lines.push_back({"DynamoDB writes (commits, rewritten records)", wru, "WRU", wru / 1e6 * p.dynamodb_usd_per_million_wru});
  const double gb = f.nodes * p.watch_state_bytes_per_node / 1e9;
  d.lines.push_back({"DynamoDB storage", gb, "GB-month", gb * p.dynamodb_usd_per_gb_month});
}

// watch: aggregate metrics, one optional fleet alarm, cheap polling, DynamoDB state.
DesignCost watch_design(const Fleet& f, const CostInput& in, const PriceTable& p) {
  DesignCost d{"watch", "pingwatch watch (aggregate metrics, 1 fleet alarm, stateful notices)", {}, 0};
  const double metrics = p.watch_metrics_per_region * f.pairs;
  d.lines.push_back({"Custom metrics (aggregate, per account-region)", metrics, "metrics",
                     in.accounts * custom_metrics_usd(metrics / in.accounts, p.custom_metric_tiers)});
  d.lines.push_back({"Fleet alarm (one per account-region)", f.pairs, "alarms", f.pairs * p.alarm_usd_per_month});
  d.lines.push_back(api_line("PutMetricData (1 call per cycle)", f.pairs * f.minutes, p));
  // SSM: steady cycles <= 3 calls, a full inventory every 10th cycle (50 per page). No charge.
  const double ssm_calls = f.pairs * f.minutes * (0.9 * 3 + 0.1 * (ceil_div(f.per_pair, 50) + 1));
  d.lines.push_back({"DescribeInstanceInformation (no charge)", ssm_calls, "requests", 0.0});
  d.lines.push_back(lambda_requests(f.minutes, p));
  const double calls_per_cycle = ssm_calls / f.minutes + f.pairs;   // + PutMetricData
  d.lines.push_back(lambda_duration(calls_per_cycle * p.pingwatch_seconds_per_call * f.minutes, p.pingwatch_lambda_memory_mb, p));
  add_watch_dynamodb(f, p, d);
  d.lines.push_back({"SNS publishes", p.watch_notices_per_month, "requests", p.watch_notices_per_month / 1e6 * p.sns_usd_per_million_publish});
  d.lines.push_back({"SNS email deliveries", p.watch_notices_per_month, "emails",
                     p.watch_notices_per_month / 1e5 * p.sns_usd_per_100000_email});
  return finish(std::move(d));
}

}  // namespace

std::vector<DesignCost> estimate_costs(const CostInput& in, const PriceTable& p) {
  if (in.nodes < 0) throw std::runtime_error("cost: --nodes must be >= 0");
  if (in.accounts < 1 || in.regions < 1) throw std::runtime_error("cost: --accounts and --regions must be >= 1");
  Fleet f;
  f.pairs = static_cast<double>(in.accounts) * in.regions;
  f.nodes = static_cast<double>(in.nodes);
  f.per_pair = std::ceil(f.nodes / f.pairs);
  f.minutes = p.minutes_per_month;
  // Custom-metric tiers are counted per account.
  f.metrics_usd_per_node = in.accounts * custom_metrics_usd(f.nodes / in.accounts, p.custom_metric_tiers);
  return {post_design(f, p), post_fixed_design(f, p), watch_design(f, in, p)};
}

}  // namespace pingwatch::core
