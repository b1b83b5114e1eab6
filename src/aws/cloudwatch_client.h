#pragma once
// CloudWatch: awsJson1_0 (GraniteServiceVersion20100801, x-amzn-query-mode: true) as current SDKs send it,
// or awsQuery (Version 2010-08-01) as older SDKs do. Same typed API for both.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/service_client.h"

namespace pingwatch::aws {

enum class CloudWatchWire { Json10, Query };

struct Dimension {
  std::string name;
  std::string value;
  bool operator==(const Dimension&) const = default;
};

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

struct StatisticSet {
  double sample_count = 0;
  double sum = 0;
  double minimum = 0;
  double maximum = 0;
};

struct MetricDatum {
  std::string metric_name;
  std::vector<Dimension> dimensions;
  std::optional<SystemTime> timestamp;
  std::optional<double> value;
  std::optional<StatisticSet> statistic_values;
  std::vector<double> values;      // Values (<=150), with counts (same length or empty)
  std::vector<double> counts;
  std::string unit;                // Count, Seconds, None, ... (empty: not sent)
  std::optional<int> storage_resolution;   // 1 or 60
};

struct PutMetricDataRequest {
  std::string namespace_;
  std::vector<MetricDatum> metric_data;   // <= 1000 per call (the caller batches)
};

struct DimensionFilter {
  std::string name;
  std::optional<std::string> value;       // absent: any value of that dimension
};

struct ListMetricsRequest {
  std::string namespace_;
  std::string metric_name;
  std::vector<DimensionFilter> dimensions;
  std::string recently_active;            // "PT3H" or empty
  std::string next_token;
};

struct Metric {
  std::string namespace_;
  std::string metric_name;
  std::vector<Dimension> dimensions;
};

struct ListMetricsPage {
  std::vector<Metric> metrics;
  std::string next_token;
  SystemTime server_time;
};

struct PutMetricAlarmRequest {
  std::string alarm_name;
  std::string alarm_description;                 // empty: not sent
  std::optional<bool> actions_enabled;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  std::string metric_name;
  std::string namespace_;
  std::string statistic;                         // SampleCount | Average | Sum | Minimum | Maximum
  std::string extended_statistic;                // p99 ...; exclusive with statistic
  std::vector<Dimension> dimensions;
  int period = 60;
  std::string unit;
  int evaluation_periods = 1;
  std::optional<int> datapoints_to_alarm;
  std::optional<double> threshold;
  std::string comparison_operator;               // GreaterThanOrEqualToThreshold ...
  std::string treat_missing_data;                // missing | notBreaching | breaching | ignore
  std::string evaluate_low_sample_count_percentile;
  std::vector<Tag> tags;
};

// A metric alarm as DescribeAlarms returns it (every field needed to detect drift).
struct MetricAlarm {
  std::string alarm_name;
  std::string alarm_arn;
  std::string alarm_description;
  std::optional<SystemTime> alarm_configuration_updated_timestamp;
  bool actions_enabled = true;
  std::vector<std::string> ok_actions;
  std::vector<std::string> alarm_actions;
  std::vector<std::string> insufficient_data_actions;
  std::string state_value;                       // OK | ALARM | INSUFFICIENT_DATA
  std::string state_reason;
  std::string state_reason_data;
  std::optional<SystemTime> state_updated_timestamp;
  std::optional<SystemTime> state_transitioned_timestamp;
  std::string metric_name;
  std::string namespace_;
  std::string statistic;
  std::string extended_statistic;
  std::vector<Dimension> dimensions;
  std::optional<int> period;
  std::string unit;
  std::optional<int> evaluation_periods;
  std::optional<int> datapoints_to_alarm;
  std::optional<double> threshold;
  std::string comparison_operator;
  std::string treat_missing_data;
  std::string evaluate_low_sample_count_percentile;
  std::string threshold_metric_id;
};

struct DescribeAlarmsRequest {
  std::string alarm_name_prefix;                 // exclusive with alarm_names
  std::vector<std::string> alarm_names;          // <= 100
  std::string state_value;
  std::string action_prefix;
  std::optional<int> max_records;                // 1..100
  std::string next_token;
};

struct DescribeAlarmsPage {
  std::vector<MetricAlarm> metric_alarms;
  std::string next_token;
  SystemTime server_time;
};

struct MetricStat {
  Metric metric;
  int period = 60;
  std::string stat;                              // Maximum, Average, p90 ...
  std::string unit;
};

struct MetricDataQuery {
  std::string id;
  std::optional<MetricStat> metric_stat;
  std::string expression;
  std::string label;
  std::optional<bool> return_data;
  std::optional<int> period;
};

struct GetMetricDataRequest {
  std::vector<MetricDataQuery> queries;
  SystemTime start_time;
  SystemTime end_time;
  std::string scan_by;                           // TimestampDescending | TimestampAscending
  std::optional<int> max_datapoints;
  std::string next_token;
};

struct MetricDataResult {
  std::string id;
  std::string label;
  std::vector<SystemTime> timestamps;
  std::vector<double> values;
  std::string status_code;                       // Complete | PartialData ...
};

struct GetMetricDataResponse {
  std::vector<MetricDataResult> results;
  std::string next_token;
  SystemTime server_time;
};

struct GetMetricStatisticsRequest {
  std::string namespace_;
  std::string metric_name;
  std::vector<Dimension> dimensions;
  SystemTime start_time;
  SystemTime end_time;
  int period = 60;
  std::vector<std::string> statistics;           // SampleCount, Average, Sum, Minimum, Maximum
  std::vector<std::string> extended_statistics;
  std::string unit;
};

struct Datapoint {
  SystemTime timestamp;
  std::optional<double> sample_count;
  std::optional<double> average;
  std::optional<double> sum;
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::map<std::string, double> extended_statistics;
  std::string unit;
};

struct GetMetricStatisticsResponse {
  std::string label;
  std::vector<Datapoint> datapoints;
};

class CloudWatchClient {
 public:
  static ServiceInfo service_info();                          // monitoring / AWS_ENDPOINT_URL_CLOUDWATCH
  static ProtocolInfo protocol_info(CloudWatchWire wire);

  explicit CloudWatchClient(ClientConfig config, CloudWatchWire wire = CloudWatchWire::Json10);
  CloudWatchClient(std::shared_ptr<ServiceClient> client, CloudWatchWire wire);

  void put_metric_data(const PutMetricDataRequest& request);

  ListMetricsPage list_metrics(const ListMetricsRequest& request);
  std::vector<Metric> list_all_metrics(ListMetricsRequest request);

  void put_metric_alarm(const PutMetricAlarmRequest& request);

  DescribeAlarmsPage describe_alarms(const DescribeAlarmsRequest& request);
  std::vector<MetricAlarm> describe_all_alarms(DescribeAlarmsRequest request);

  void delete_alarms(const std::vector<std::string>& alarm_names);   // <= 100 per call (caller batches)

  void tag_resource(const std::string& resource_arn, const std::vector<Tag>& tags);
  std::vector<Tag> list_tags_for_resource(const std::string& resource_arn);

  GetMetricDataResponse get_metric_data(const GetMetricDataRequest& request);
  GetMetricStatisticsResponse get_metric_statistics(const GetMetricStatisticsRequest& request);

  CloudWatchWire wire() const { return wire_; }
  ServiceClient& service_client() { return *client_; }

 private:
  std::shared_ptr<ServiceClient> client_;
  CloudWatchWire wire_;
};

// Encoders exposed for tests, the conformance tool and benchmarks.
nlohmann::json encode_put_metric_alarm_json(const PutMetricAlarmRequest& request);
QueryParams encode_put_metric_alarm_query(const PutMetricAlarmRequest& request);

}  // namespace pingwatch::aws
