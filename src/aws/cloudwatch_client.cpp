#include "aws/cloudwatch_client.h"

#include <set>

#include "aws/error_parse.h"
#include "aws/json_protocol.h"
#include "aws/query_protocol.h"
#include "aws/shape_reader.h"

namespace pingwatch::aws {

using nlohmann::json;

namespace {

constexpr const char* kService = "monitoring";

// Timestamps differ by wire: epoch seconds in awsJson, ISO-8601 in awsQuery. Everything else is shared.
json time_value(SystemTime t, CloudWatchWire wire) {
  if (wire == CloudWatchWire::Json10) return json_protocol::to_epoch_seconds(t);
  return query_protocol::format_iso8601(t);
}

json dimensions_json(const std::vector<Dimension>& dims) {
  json out = json::array();
  for (const auto& d : dims) out.push_back({{"Name", d.name}, {"Value", d.value}});
  return out;
}

json metric_json(const Metric& m) {
  json out = json::object();
  if (!m.namespace_.empty()) out["Namespace"] = m.namespace_;
  if (!m.metric_name.empty()) out["MetricName"] = m.metric_name;
  if (!m.dimensions.empty()) out["Dimensions"] = dimensions_json(m.dimensions);
  return out;
}

json put_metric_data_input(const PutMetricDataRequest& request, CloudWatchWire wire) {
  json data = json::array();
  for (const auto& d : request.metric_data) {
    json datum = {{"MetricName", d.metric_name}};
    if (!d.dimensions.empty()) datum["Dimensions"] = dimensions_json(d.dimensions);
    if (d.timestamp) datum["Timestamp"] = time_value(*d.timestamp, wire);
    if (d.value) datum["Value"] = *d.value;
    if (d.statistic_values) {
      datum["StatisticValues"] = {{"SampleCount", d.statistic_values->sample_count},
                                  {"Sum", d.statistic_values->sum},
                                  {"Minimum", d.statistic_values->minimum},
                                  {"Maximum", d.statistic_values->maximum}};
    }
    if (!d.values.empty()) datum["Values"] = d.values;
    if (!d.counts.empty()) datum["Counts"] = d.counts;
    if (!d.unit.empty()) datum["Unit"] = d.unit;
    if (d.storage_resolution) datum["StorageResolution"] = *d.storage_resolution;
    data.push_back(std::move(datum));
  }
  return {{"Namespace", request.namespace_}, {"MetricData", std::move(data)}};
}

json put_metric_alarm_input(const PutMetricAlarmRequest& r) {
  json in = {{"AlarmName", r.alarm_name}, {"EvaluationPeriods", r.evaluation_periods}};
  if (!r.alarm_description.empty()) in["AlarmDescription"] = r.alarm_description;
  if (r.actions_enabled) in["ActionsEnabled"] = *r.actions_enabled;
  if (!r.ok_actions.empty()) in["OKActions"] = r.ok_actions;
  if (!r.alarm_actions.empty()) in["AlarmActions"] = r.alarm_actions;
  if (!r.insufficient_data_actions.empty()) in["InsufficientDataActions"] = r.insufficient_data_actions;
  if (!r.metric_name.empty()) in["MetricName"] = r.metric_name;
  if (!r.namespace_.empty()) in["Namespace"] = r.namespace_;
  if (!r.statistic.empty()) in["Statistic"] = r.statistic;
  if (!r.extended_statistic.empty()) in["ExtendedStatistic"] = r.extended_statistic;
  if (!r.dimensions.empty()) in["Dimensions"] = dimensions_json(r.dimensions);
  in["Period"] = r.period;
  if (!r.unit.empty()) in["Unit"] = r.unit;
  if (r.datapoints_to_alarm) in["DatapointsToAlarm"] = *r.datapoints_to_alarm;
  if (r.threshold) in["Threshold"] = *r.threshold;
  in["ComparisonOperator"] = r.comparison_operator;
  if (!r.treat_missing_data.empty()) in["TreatMissingData"] = r.treat_missing_data;
  if (!r.evaluate_low_sample_count_percentile.empty()) {
    in["EvaluateLowSampleCountPercentile"] = r.evaluate_low_sample_count_percentile;
  }
  if (!r.tags.empty()) {
    json tags = json::array();
    for (const auto& t : r.tags) tags.push_back({{"Key", t.key}, {"Value", t.value}});
    in["Tags"] = std::move(tags);
  }
  return in;
}

std::vector<Dimension> read_dimensions(const ShapeReader& r) {
  std::vector<Dimension> out;
  for (const auto& d : r.list("Dimensions")) out.push_back({d.str("Name"), d.str("Value")});
  return out;
}

Metric read_metric(const ShapeReader& r) { return Metric{r.str("Namespace"), r.str("MetricName"), read_dimensions(r)}; }

std::optional<int> read_int(const ShapeReader& r, const char* name) {
  auto v = r.integer(name);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

MetricAlarm read_alarm(const ShapeReader& r) {
  MetricAlarm a;
  a.alarm_name = r.str("AlarmName");
  a.alarm_arn = r.str("AlarmArn");
  a.alarm_description = r.str("AlarmDescription");
  a.alarm_configuration_updated_timestamp = r.time("AlarmConfigurationUpdatedTimestamp");
  a.actions_enabled = r.boolean("ActionsEnabled").value_or(true);
  a.ok_actions = r.strings("OKActions");
  a.alarm_actions = r.strings("AlarmActions");
  a.insufficient_data_actions = r.strings("InsufficientDataActions");
  a.state_value = r.str("StateValue");
  a.state_reason = r.str("StateReason");
  a.state_reason_data = r.str("StateReasonData");
  a.state_updated_timestamp = r.time("StateUpdatedTimestamp");
  a.state_transitioned_timestamp = r.time("StateTransitionedTimestamp");
  a.metric_name = r.str("MetricName");
  a.namespace_ = r.str("Namespace");
  a.statistic = r.str("Statistic");
  a.extended_statistic = r.str("ExtendedStatistic");
  a.dimensions = read_dimensions(r);
  a.period = read_int(r, "Period");
  a.unit = r.str("Unit");
  a.evaluation_periods = read_int(r, "EvaluationPeriods");
  a.datapoints_to_alarm = read_int(r, "DatapointsToAlarm");
  a.threshold = r.num("Threshold");
  a.comparison_operator = r.str("ComparisonOperator");
  a.treat_missing_data = r.str("TreatMissingData");
  a.evaluate_low_sample_count_percentile = r.str("EvaluateLowSampleCountPercentile");
  a.threshold_metric_id = r.str("ThresholdMetricId");
  return a;
}

}  // namespace

json encode_put_metric_alarm_json(const PutMetricAlarmRequest& request) { return put_metric_alarm_input(request); }
QueryParams encode_put_metric_alarm_query(const PutMetricAlarmRequest& request) {
  return flatten_query_input(put_metric_alarm_input(request));
}

ServiceInfo CloudWatchClient::service_info() { return ServiceInfo{"monitoring", "monitoring", "CLOUDWATCH", "cloudwatch"}; }

ProtocolInfo CloudWatchClient::protocol_info(CloudWatchWire wire) {
  if (wire == CloudWatchWire::Json10) {
    return ProtocolInfo{Protocol::Json10, "GraniteServiceVersion20100801", "2010-08-01", "", true};
  }
  return ProtocolInfo{Protocol::Query, "", "2010-08-01", "http://monitoring.amazonaws.com/doc/2010-08-01/", false};
}

CloudWatchClient::CloudWatchClient(ClientConfig config, CloudWatchWire wire)
    : client_(std::make_shared<ServiceClient>(service_info(), protocol_info(wire), std::move(config))), wire_(wire) {}

CloudWatchClient::CloudWatchClient(std::shared_ptr<ServiceClient> client, CloudWatchWire wire)
    : client_(std::move(client)), wire_(wire) {}

namespace {
// Calls one operation over the configured wire and hands the decoder a reader over the output shape.
template <class Decode>
auto call(ServiceClient& client, CloudWatchWire wire, const std::string& op, const json& input, Decode&& decode) {
  if (wire == CloudWatchWire::Json10) {
    auto reply = client.call_json(op, input);
    return decode_reply(kService, op, [&] { return decode(ShapeReader(reply.body), reply.server_time); });
  }
  auto reply = client.call_query(op, flatten_query_input(input));
  return decode_reply(kService, op, [&] { return decode(ShapeReader(reply.result), reply.server_time); });
}

int no_output(const ShapeReader&, SystemTime) { return 0; }

void check_token_loop(std::set<std::string>& seen, const std::string& token, const char* op) {
  if (!seen.insert(token).second) {
    throw AwsError("MalformedResponse", std::string("monitoring ") + op + ": NextToken repeated; the server is paging in a loop",
                   0, {}, kService, op);
  }
}
}  // namespace

void CloudWatchClient::put_metric_data(const PutMetricDataRequest& request) {
  call(*client_, wire_, "PutMetricData", put_metric_data_input(request, wire_), no_output);
}

ListMetricsPage CloudWatchClient::list_metrics(const ListMetricsRequest& request) {
  json in = json::object();
  if (!request.namespace_.empty()) in["Namespace"] = request.namespace_;
  if (!request.metric_name.empty()) in["MetricName"] = request.metric_name;
  if (!request.dimensions.empty()) {
    json dims = json::array();
    for (const auto& d : request.dimensions) {
      json f = {{"Name", d.name}};
      if (d.value) f["Value"] = *d.value;
      dims.push_back(std::move(f));
    }
    in["Dimensions"] = std::move(dims);
  }
  if (!request.recently_active.empty()) in["RecentlyActive"] = request.recently_active;
  if (!request.next_token.empty()) in["NextToken"] = request.next_token;
  return call(*client_, wire_, "ListMetrics", in, [](const ShapeReader& r, SystemTime server_time) {
    ListMetricsPage page;
    for (const auto& m : r.list("Metrics")) page.metrics.push_back(read_metric(m));
    page.next_token = r.str("NextToken");
    page.server_time = server_time;
    return page;
  });
}

std::vector<Metric> CloudWatchClient::list_all_metrics(ListMetricsRequest request) {
  std::vector<Metric> all;
  std::set<std::string> seen;
  for (;;) {
    ListMetricsPage page = list_metrics(request);
    all.insert(all.end(), page.metrics.begin(), page.metrics.end());
    if (page.next_token.empty()) return all;
    check_token_loop(seen, page.next_token, "ListMetrics");
    request.next_token = page.next_token;
  }
}

void CloudWatchClient::put_metric_alarm(const PutMetricAlarmRequest& request) {
  call(*client_, wire_, "PutMetricAlarm", put_metric_alarm_input(request), no_output);
}

DescribeAlarmsPage CloudWatchClient::describe_alarms(const DescribeAlarmsRequest& request) {
  json in = json::object();
  if (!request.alarm_names.empty()) in["AlarmNames"] = request.alarm_names;
  if (!request.alarm_name_prefix.empty()) in["AlarmNamePrefix"] = request.alarm_name_prefix;
  if (!request.state_value.empty()) in["StateValue"] = request.state_value;
  if (!request.action_prefix.empty()) in["ActionPrefix"] = request.action_prefix;
  if (request.max_records) in["MaxRecords"] = *request.max_records;
  if (!request.next_token.empty()) in["NextToken"] = request.next_token;
  return call(*client_, wire_, "DescribeAlarms", in, [](const ShapeReader& r, SystemTime server_time) {
    DescribeAlarmsPage page;
    for (const auto& a : r.list("MetricAlarms")) page.metric_alarms.push_back(read_alarm(a));
    page.next_token = r.str("NextToken");
    page.server_time = server_time;
    return page;
  });
}

std::vector<MetricAlarm> CloudWatchClient::describe_all_alarms(DescribeAlarmsRequest request) {
  std::vector<MetricAlarm> all;
  std::set<std::string> seen;
  for (;;) {
    DescribeAlarmsPage page = describe_alarms(request);
    for (auto& a : page.metric_alarms) all.push_back(std::move(a));
    if (page.next_token.empty()) return all;
    check_token_loop(seen, page.next_token, "DescribeAlarms");
    request.next_token = page.next_token;
  }
}

void CloudWatchClient::delete_alarms(const std::vector<std::string>& alarm_names) {
  call(*client_, wire_, "DeleteAlarms", json{{"AlarmNames", alarm_names}}, no_output);
}

void CloudWatchClient::tag_resource(const std::string& resource_arn, const std::vector<Tag>& tags) {
  json list = json::array();
  for (const auto& t : tags) list.push_back({{"Key", t.key}, {"Value", t.value}});
  call(*client_, wire_, "TagResource", json{{"ResourceARN", resource_arn}, {"Tags", std::move(list)}}, no_output);
}

std::vector<Tag> CloudWatchClient::list_tags_for_resource(const std::string& resource_arn) {
  return call(*client_, wire_, "ListTagsForResource", json{{"ResourceARN", resource_arn}},
              [](const ShapeReader& r, SystemTime) {
                std::vector<Tag> tags;
                for (const auto& t : r.list("Tags")) tags.push_back({t.str("Key"), t.str("Value")});
                return tags;
              });
}

GetMetricDataResponse CloudWatchClient::get_metric_data(const GetMetricDataRequest& request) {
  json queries = json::array();
  for (const auto& q : request.queries) {
    json item = {{"Id", q.id}};
    if (q.metric_stat) {
      json stat = {{"Metric", metric_json(q.metric_stat->metric)},
                   {"Period", q.metric_stat->period},
                   {"Stat", q.metric_stat->stat}};
      if (!q.metric_stat->unit.empty()) stat["Unit"] = q.metric_stat->unit;
      item["MetricStat"] = std::move(stat);
    }
    if (!q.expression.empty()) item["Expression"] = q.expression;
    if (!q.label.empty()) item["Label"] = q.label;
    if (q.return_data) item["ReturnData"] = *q.return_data;
    if (q.period) item["Period"] = *q.period;
    queries.push_back(std::move(item));
  }
  json in = {{"MetricDataQueries", std::move(queries)},
             {"StartTime", time_value(request.start_time, wire_)},
             {"EndTime", time_value(request.end_time, wire_)}};
  if (!request.scan_by.empty()) in["ScanBy"] = request.scan_by;
  if (request.max_datapoints) in["MaxDatapoints"] = *request.max_datapoints;
  if (!request.next_token.empty()) in["NextToken"] = request.next_token;
  return call(*client_, wire_, "GetMetricData", in, [](const ShapeReader& r, SystemTime server_time) {
    GetMetricDataResponse out;
    for (const auto& m : r.list("MetricDataResults")) {
      MetricDataResult res;
      res.id = m.str("Id");
      res.label = m.str("Label");
      res.timestamps = m.times("Timestamps");
      res.values = m.numbers("Values");
      res.status_code = m.str("StatusCode");
      if (res.timestamps.size() != res.values.size()) {
        throw DecodeError("MetricDataResults[" + res.id + "] has " + std::to_string(res.timestamps.size()) +
                          " timestamps but " + std::to_string(res.values.size()) + " values");
      }
      out.results.push_back(std::move(res));
    }
    out.next_token = r.str("NextToken");
    out.server_time = server_time;
    return out;
  });
}

GetMetricStatisticsResponse CloudWatchClient::get_metric_statistics(const GetMetricStatisticsRequest& request) {
  json in = {{"Namespace", request.namespace_},
             {"MetricName", request.metric_name},
             {"StartTime", time_value(request.start_time, wire_)},
             {"EndTime", time_value(request.end_time, wire_)},
             {"Period", request.period}};
  if (!request.dimensions.empty()) in["Dimensions"] = dimensions_json(request.dimensions);
  if (!request.statistics.empty()) in["Statistics"] = request.statistics;
  if (!request.extended_statistics.empty()) in["ExtendedStatistics"] = request.extended_statistics;
  if (!request.unit.empty()) in["Unit"] = request.unit;
  return call(*client_, wire_, "GetMetricStatistics", in, [](const ShapeReader& r, SystemTime) {
    GetMetricStatisticsResponse out;
    out.label = r.str("Label");
    for (const auto& d : r.list("Datapoints")) {
      Datapoint p;
      auto t = d.time("Timestamp");
      if (!t) throw DecodeError("a Datapoints entry has no Timestamp");
      p.timestamp = *t;
      p.sample_count = d.num("SampleCount");
      p.average = d.num("Average");
      p.sum = d.num("Sum");
      p.minimum = d.num("Minimum");
      p.maximum = d.num("Maximum");
      p.extended_statistics = d.number_map("ExtendedStatistics");
      p.unit = d.str("Unit");
      out.datapoints.push_back(std::move(p));
    }
    return out;
  });
}

}  // namespace pingwatch::aws
