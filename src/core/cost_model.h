#pragma once
// Monthly cost of three designs from a price table (data/prices.json): the post's design as written,
// the post's design with its bugs fixed (batched PutMetricData, alarms written only on drift), and watch.
// Pure arithmetic; the caller reads the file.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pingwatch::core {

struct MetricTier {
  std::optional<double> up_to;   // metrics per month up to this count (nullopt: no limit)
  double usd_per_metric_month = 0;
};

struct PriceTable {
  std::string region;
  std::string as_of;
  std::vector<std::string> sources;
  std::vector<MetricTier> custom_metric_tiers;
  double alarm_usd_per_month = 0;
  double cloudwatch_api_usd_per_1000 = 0;
  bool put_metric_alarm_billed = true;
  double lambda_usd_per_million_requests = 0;
  double lambda_usd_per_gb_second = 0;
  double sns_usd_per_million_publish = 0;
  double sns_usd_per_100000_email = 0;
  double dynamodb_usd_per_million_wru = 0;
  double dynamodb_usd_per_million_rru = 0;
  double dynamodb_usd_per_gb_month = 0;
  // Assumptions (documented in the file).
  double minutes_per_month = 43200;
  double post_seconds_per_call = 0.02;
  double post_lambda_memory_mb = 256;
  double pingwatch_lambda_memory_mb = 256;
  double pingwatch_seconds_per_call = 0.03;
  double watch_state_bytes_per_node = 400;   // one stored node record (DynamoDB item: key + JSON)
  double watch_notice_bytes = 2048;          // one outbox item (subject, text and JSON forms)
  double watch_notices_per_month = 200;
  double watch_metrics_per_region = 11;
};

// Throws std::runtime_error naming the missing or invalid field.
PriceTable parse_price_table(const nlohmann::json& document);

struct CostInput {
  long nodes = 1000;     // the whole fleet, spread evenly over accounts x regions
  int accounts = 1;
  int regions = 1;
};

struct CostLine {
  std::string item;
  double quantity = 0;
  std::string unit;
  double usd = 0;
};

struct DesignCost {
  std::string design;     // "post", "post-fixed", "watch"
  std::string title;
  std::vector<CostLine> lines;
  double total_usd = 0;
};

double custom_metrics_usd(double metrics, const std::vector<MetricTier>& tiers);

// What one watch cycle asks of its DynamoDB state table (monitor/state_store_dynamodb.cpp), for one
// account-region. Reads are strongly consistent (1 RRU per 4 KB, at least 1 per request); writes cost 1 WRU
// per KB of item. Checked against the local stack's request counts (tests/integration/test_watch_dynamodb_cost.py).
struct WatchCycleShape {
  bool full = false;           // a full inventory: every record is read
  double nodes = 0;            // records stored
  double records_written = 0;  // changed records (a cold one only when its ping bucket moved)
  double records_removed = 0;
  double records_moved = 0;    // between cold (node#) and hot (hot#): one more delete each
  double hot_records = 0;      // records read by a partial cycle (not cold)
  double records_pulled = 0;   // cold records a partial cycle reads by GetItem (listed or asked about)
  double notices = 0;          // recorded this cycle
  double published = 0;        // notices claimed and marked sent this cycle
  double notices_kept = 0;     // outbox items read each cycle (sent ones are kept a week)
};
struct DynamoRequests {
  double get_item = 0, query = 0, put_item = 0, update_item = 0, batch_write_item = 0;
  double rru = 0, wru = 0;
};
DynamoRequests watch_dynamodb_cycle(const WatchCycleShape& shape, const PriceTable& prices);
WatchCycleShape parse_cycle_shape(const nlohmann::json& shape);   // the field names above; missing = 0
nlohmann::json dynamodb_requests_json(const DynamoRequests& requests);   // GetItem, Query, ..., rru, wru
std::vector<DesignCost> estimate_costs(const CostInput& input, const PriceTable& prices);

}  // namespace pingwatch::core
