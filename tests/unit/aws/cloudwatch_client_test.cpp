// CloudWatchClient over both wires: JSON 1.0 (query-mode) and awsQuery give the same typed results.
#include <gtest/gtest.h>

#include "aws/cloudwatch_client.h"
#include "aws/query_protocol.h"
#include "fake_http.h"

using namespace pingwatch::aws;
using namespace pingwatch::aws::testing;
using nlohmann::json;
namespace qp = pingwatch::aws::query_protocol;

namespace {
std::map<std::string, std::string> form(const HttpRequest& r) {
  auto params = qp::decode_form(r.body);
  return {params.begin(), params.end()};
}

PutMetricDataRequest status_datum() {
  PutMetricDataRequest r;
  r.namespace_ = "SSM Agent";
  MetricDatum d;
  d.metric_name = "Status";
  d.dimensions = {{"Per-Instance Metrics", "i-0572676272d863124"}};
  d.value = 1.0;
  d.unit = "Count";
  d.timestamp = test_epoch();
  d.storage_resolution = 60;
  r.metric_data.push_back(d);
  MetricDatum agg;
  agg.metric_name = "NodesByStatus";
  agg.values = {0, 1, 2};
  agg.counts = {10, 2, 1};
  agg.statistic_values = StatisticSet{13, 4, 0, 2};
  r.metric_data.push_back(agg);
  return r;
}

PutMetricAlarmRequest post_alarm() {
  PutMetricAlarmRequest a;
  a.alarm_name = "ssm-agent-i-0572676272d863124";
  a.alarm_description = "SSM agent ping status";
  a.actions_enabled = true;
  a.alarm_actions = {"arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping"};
  a.ok_actions = {"arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping"};
  a.namespace_ = "SSM Agent";
  a.metric_name = "Status";
  a.dimensions = {{"Per-Instance Metrics", "i-0572676272d863124"}};
  a.statistic = "Maximum";
  a.period = 60;
  a.evaluation_periods = 1;
  a.datapoints_to_alarm = 1;
  a.threshold = 1.0;
  a.comparison_operator = "GreaterThanOrEqualToThreshold";
  a.treat_missing_data = "missing";
  a.tags = {{"managed-by", "pingwatch"}};
  return a;
}

const char* kAlarmXml =
    "<DescribeAlarmsResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\"><DescribeAlarmsResult>"
    "<MetricAlarms><member><AlarmName>ssm-agent-i-1</AlarmName>"
    "<AlarmArn>arn:aws:cloudwatch:us-east-1:123456789012:alarm:ssm-agent-i-1</AlarmArn>"
    "<AlarmConfigurationUpdatedTimestamp>2024-04-12T08:20:01.123Z</AlarmConfigurationUpdatedTimestamp>"
    "<ActionsEnabled>true</ActionsEnabled><OKActions/>"
    "<AlarmActions><member>arn:aws:sns:us-east-1:123456789012:SSM-Ping</member></AlarmActions>"
    "<InsufficientDataActions/><StateValue>ALARM</StateValue>"
    "<StateReason>Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/04/24 08:27:00)] was greater than or "
    "equal to the threshold (1.0) (minimum 1 datapoint for OK -&gt; ALARM transition).</StateReason>"
    "<StateUpdatedTimestamp>2024-04-12T08:28:26.456Z</StateUpdatedTimestamp>"
    "<MetricName>Status</MetricName><Namespace>SSM Agent</Namespace><Statistic>Maximum</Statistic>"
    "<Dimensions><member><Name>Per-Instance Metrics</Name><Value>i-1</Value></member></Dimensions>"
    "<Period>60</Period><EvaluationPeriods>1</EvaluationPeriods><DatapointsToAlarm>1</DatapointsToAlarm>"
    "<Threshold>1.0</Threshold><ComparisonOperator>GreaterThanOrEqualToThreshold</ComparisonOperator>"
    "<TreatMissingData>missing</TreatMissingData></member></MetricAlarms><NextToken>nt</NextToken>"
    "</DescribeAlarmsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeAlarmsResponse>";

const char* kAlarmJson = R"({"MetricAlarms":[{"AlarmName":"ssm-agent-i-1",
  "AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ssm-agent-i-1",
  "AlarmConfigurationUpdatedTimestamp":1712910001.123,"ActionsEnabled":true,"OKActions":[],
  "AlarmActions":["arn:aws:sns:us-east-1:123456789012:SSM-Ping"],"InsufficientDataActions":[],
  "StateValue":"ALARM","StateReason":"Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/04/24 08:27:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",
  "StateUpdatedTimestamp":1712910506.456,"MetricName":"Status","Namespace":"SSM Agent","Statistic":"Maximum",
  "Dimensions":[{"Name":"Per-Instance Metrics","Value":"i-1"}],"Period":60,"EvaluationPeriods":1,
  "DatapointsToAlarm":1,"Threshold":1.0,"ComparisonOperator":"GreaterThanOrEqualToThreshold",
  "TreatMissingData":"missing"}],"NextToken":"nt"})";

void expect_post_alarm(const MetricAlarm& a) {
  EXPECT_EQ(a.alarm_name, "ssm-agent-i-1");
  EXPECT_EQ(a.alarm_arn, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ssm-agent-i-1");
  EXPECT_EQ(a.alarm_configuration_updated_timestamp,
            std::chrono::system_clock::from_time_t(1712910001) + std::chrono::milliseconds(123));
  EXPECT_TRUE(a.actions_enabled);
  EXPECT_TRUE(a.ok_actions.empty());
  EXPECT_EQ(a.alarm_actions, std::vector<std::string>{"arn:aws:sns:us-east-1:123456789012:SSM-Ping"});
  EXPECT_EQ(a.state_value, "ALARM");
  EXPECT_NE(a.state_reason.find("OK -> ALARM"), std::string::npos);
  EXPECT_EQ(a.metric_name, "Status");
  EXPECT_EQ(a.namespace_, "SSM Agent");
  EXPECT_EQ(a.statistic, "Maximum");
  EXPECT_EQ(a.dimensions, (std::vector<Dimension>{{"Per-Instance Metrics", "i-1"}}));
  EXPECT_EQ(a.period, 60);
  EXPECT_EQ(a.evaluation_periods, 1);
  EXPECT_EQ(a.datapoints_to_alarm, 1);
  EXPECT_EQ(a.threshold, 1.0);
  EXPECT_EQ(a.comparison_operator, "GreaterThanOrEqualToThreshold");
  EXPECT_EQ(a.treat_missing_data, "missing");
}
}  // namespace

TEST(CloudWatchClient, PutMetricDataJson) {
  Harness h;
  h.http->reply_json(200, "");
  CloudWatchClient cw(h.config());
  cw.put_metric_data(status_datum());
  const HttpRequest& r = h.http->requests[0];
  EXPECT_EQ(*find_header(r.headers, "X-Amz-Target"), "GraniteServiceVersion20100801.PutMetricData");
  EXPECT_EQ(*find_header(r.headers, "x-amzn-query-mode"), "true");
  json body = json::parse(r.body);
  EXPECT_EQ(body["Namespace"], "SSM Agent");
  const json& d = body["MetricData"][0];
  EXPECT_EQ(d["MetricName"], "Status");
  EXPECT_EQ(d["Dimensions"], json::parse(R"([{"Name":"Per-Instance Metrics","Value":"i-0572676272d863124"}])"));
  EXPECT_EQ(d["Value"], 1.0);
  EXPECT_EQ(d["Unit"], "Count");
  EXPECT_EQ(d["Timestamp"], 1712910420.0);
  EXPECT_EQ(d["StorageResolution"], 60);
  const json& agg = body["MetricData"][1];
  EXPECT_EQ(agg["Values"], json::parse("[0.0,1.0,2.0]"));
  EXPECT_EQ(agg["Counts"], json::parse("[10.0,2.0,1.0]"));
  EXPECT_EQ(agg["StatisticValues"], json::parse(R"({"SampleCount":13.0,"Sum":4.0,"Minimum":0.0,"Maximum":2.0})"));
  EXPECT_FALSE(agg.contains("Value"));
}

TEST(CloudWatchClient, PutMetricDataQuery) {
  Harness h;
  h.http->reply(200, "<PutMetricDataResponse><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></PutMetricDataResponse>");
  CloudWatchClient cw(h.config(), CloudWatchWire::Query);
  cw.put_metric_data(status_datum());
  auto f = form(h.http->requests[0]);
  EXPECT_EQ(f.at("Action"), "PutMetricData");
  EXPECT_EQ(f.at("Version"), "2010-08-01");
  EXPECT_EQ(f.at("Namespace"), "SSM Agent");
  EXPECT_EQ(f.at("MetricData.member.1.MetricName"), "Status");
  EXPECT_EQ(f.at("MetricData.member.1.Dimensions.member.1.Name"), "Per-Instance Metrics");
  EXPECT_EQ(f.at("MetricData.member.1.Dimensions.member.1.Value"), "i-0572676272d863124");
  EXPECT_EQ(f.at("MetricData.member.1.Value"), "1");
  EXPECT_EQ(f.at("MetricData.member.1.Unit"), "Count");
  EXPECT_EQ(f.at("MetricData.member.1.Timestamp"), "2024-04-12T08:27:00Z");
  EXPECT_EQ(f.at("MetricData.member.2.Values.member.3"), "2");
  EXPECT_EQ(f.at("MetricData.member.2.Counts.member.1"), "10");
  EXPECT_EQ(f.at("MetricData.member.2.StatisticValues.SampleCount"), "13");
  EXPECT_EQ(find_header(h.http->requests[0].headers, "X-Amz-Target"), nullptr);
}

TEST(CloudWatchClient, PutMetricAlarmBothWires) {
  json body = encode_put_metric_alarm_json(post_alarm());
  EXPECT_EQ(body["AlarmName"], "ssm-agent-i-0572676272d863124");
  EXPECT_EQ(body["Threshold"], 1.0);
  EXPECT_EQ(body["Period"], 60);
  EXPECT_EQ(body["DatapointsToAlarm"], 1);
  EXPECT_EQ(body["TreatMissingData"], "missing");
  EXPECT_EQ(body["OKActions"].size(), 1u);
  EXPECT_EQ(body["Tags"], json::parse(R"([{"Key":"managed-by","Value":"pingwatch"}])"));
  EXPECT_FALSE(body.contains("InsufficientDataActions"));

  auto params = encode_put_metric_alarm_query(post_alarm());
  std::map<std::string, std::string> f(params.begin(), params.end());
  EXPECT_EQ(f.at("AlarmActions.member.1"), "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping");
  EXPECT_EQ(f.at("OKActions.member.1"), "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping");
  EXPECT_EQ(f.at("Dimensions.member.1.Name"), "Per-Instance Metrics");
  EXPECT_EQ(f.at("Tags.member.1.Key"), "managed-by");
  EXPECT_EQ(f.at("ActionsEnabled"), "true");
  EXPECT_EQ(f.at("ComparisonOperator"), "GreaterThanOrEqualToThreshold");
  EXPECT_EQ(f.at("AlarmDescription"), "SSM agent ping status");
}

TEST(CloudWatchClient, DescribeAlarmsDecodesSameOnBothWires) {
  Harness hq;
  hq.http->reply(200, kAlarmXml);
  CloudWatchClient q(hq.config(), CloudWatchWire::Query);
  DescribeAlarmsRequest req;
  req.alarm_name_prefix = "ssm-agent-";
  req.max_records = 100;
  auto pq = q.describe_alarms(req);
  ASSERT_EQ(pq.metric_alarms.size(), 1u);
  expect_post_alarm(pq.metric_alarms[0]);
  EXPECT_EQ(pq.next_token, "nt");
  auto f = form(hq.http->requests[0]);
  EXPECT_EQ(f.at("AlarmNamePrefix"), "ssm-agent-");
  EXPECT_EQ(f.at("MaxRecords"), "100");

  Harness hj;
  hj.http->reply_json(200, kAlarmJson);
  CloudWatchClient j(hj.config());
  auto pj = j.describe_alarms(req);
  ASSERT_EQ(pj.metric_alarms.size(), 1u);
  expect_post_alarm(pj.metric_alarms[0]);
  EXPECT_EQ(json::parse(hj.http->requests[0].body), json::parse(R"({"AlarmNamePrefix":"ssm-agent-","MaxRecords":100})"));
}

TEST(CloudWatchClient, DescribeAllAlarmsPages) {
  Harness h;
  h.http->reply_json(200, R"({"MetricAlarms":[{"AlarmName":"a"}],"NextToken":"n1"})");
  h.http->reply_json(200, R"({"MetricAlarms":[{"AlarmName":"b"}]})");
  CloudWatchClient cw(h.config());
  DescribeAlarmsRequest req;
  req.alarm_names = {"a", "b"};
  auto all = cw.describe_all_alarms(req);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].alarm_name, "b");
  EXPECT_EQ(json::parse(h.http->requests[1].body)["NextToken"], "n1");
  EXPECT_EQ(json::parse(h.http->requests[1].body)["AlarmNames"], json::parse(R"(["a","b"])"));
}

TEST(CloudWatchClient, ListMetricsPagesWithNameOnlyDimensionFilter) {
  Harness h;
  h.http->reply(200,
                "<ListMetricsResponse><ListMetricsResult><Metrics><member><Namespace>SSM Agent</Namespace>"
                "<MetricName>Status</MetricName><Dimensions><member><Name>Per-Instance Metrics</Name><Value>i-1</Value>"
                "</member></Dimensions></member></Metrics><NextToken>p2</NextToken></ListMetricsResult>"
                "</ListMetricsResponse>");
  h.http->reply(200,
                "<ListMetricsResponse><ListMetricsResult><Metrics><member><Namespace>SSM Agent</Namespace>"
                "<MetricName>Status</MetricName><Dimensions><member><Name>Per-Instance Metrics</Name><Value>i-2</Value>"
                "</member></Dimensions></member></Metrics></ListMetricsResult></ListMetricsResponse>");
  CloudWatchClient cw(h.config(), CloudWatchWire::Query);
  ListMetricsRequest req;
  req.namespace_ = "SSM Agent";
  req.metric_name = "Status";
  req.dimensions = {{"Per-Instance Metrics", std::nullopt}};
  auto all = cw.list_all_metrics(req);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].dimensions[0].value, "i-2");
  auto f1 = form(h.http->requests[0]);
  EXPECT_EQ(f1.at("Dimensions.member.1.Name"), "Per-Instance Metrics");
  EXPECT_EQ(f1.count("Dimensions.member.1.Value"), 0u);
  EXPECT_EQ(form(h.http->requests[1]).at("NextToken"), "p2");
}

TEST(CloudWatchClient, DeleteTagAndListTags) {
  Harness h;
  h.http->reply_json(200, "{}");
  h.http->reply_json(200, "{}");
  h.http->reply_json(200, R"({"Tags":[{"Key":"managed-by","Value":"pingwatch"}]})");
  CloudWatchClient cw(h.config());
  cw.delete_alarms({"ssm-agent-i-1", "ssm-agent-i-2"});
  cw.tag_resource("arn:a", {{"managed-by", "pingwatch"}});
  auto tags = cw.list_tags_for_resource("arn:a");
  EXPECT_EQ(json::parse(h.http->requests[0].body), json::parse(R"({"AlarmNames":["ssm-agent-i-1","ssm-agent-i-2"]})"));
  EXPECT_EQ(json::parse(h.http->requests[1].body),
            json::parse(R"({"ResourceARN":"arn:a","Tags":[{"Key":"managed-by","Value":"pingwatch"}]})"));
  EXPECT_EQ(tags, (std::vector<Tag>{{"managed-by", "pingwatch"}}));
}

TEST(CloudWatchClient, GetMetricDataBothWires) {
  GetMetricDataRequest req;
  MetricDataQuery q;
  q.id = "m1";
  q.metric_stat = MetricStat{Metric{"SSM Agent", "Status", {{"Per-Instance Metrics", "i-1"}}}, 60, "Maximum", ""};
  req.queries = {q};
  req.start_time = test_epoch() - std::chrono::minutes(5);
  req.end_time = test_epoch();

  Harness hj;
  hj.http->reply_json(200, R"({"MetricDataResults":[{"Id":"m1","Label":"Status","Timestamps":[1712910360,1712910300],
    "Values":[1.0,0.0],"StatusCode":"Complete"}],"Messages":[]})");
  CloudWatchClient j(hj.config());
  auto rj = j.get_metric_data(req);
  ASSERT_EQ(rj.results.size(), 1u);
  EXPECT_EQ(rj.results[0].values, (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(rj.results[0].timestamps[0], std::chrono::system_clock::from_time_t(1712910360));
  json body = json::parse(hj.http->requests[0].body);
  EXPECT_EQ(body["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"][0]["Value"], "i-1");
  EXPECT_EQ(body["StartTime"], 1712910120.0);

  Harness hq;
  hq.http->reply(200,
                 "<GetMetricDataResponse><GetMetricDataResult><MetricDataResults><member><Id>m1</Id><Label>Status</Label>"
                 "<Timestamps><member>2024-04-12T08:26:00Z</member></Timestamps><Values><member>1.0</member></Values>"
                 "<StatusCode>Complete</StatusCode></member></MetricDataResults></GetMetricDataResult>"
                 "</GetMetricDataResponse>");
  CloudWatchClient q2(hq.config(), CloudWatchWire::Query);
  auto rq = q2.get_metric_data(req);
  ASSERT_EQ(rq.results.size(), 1u);
  EXPECT_EQ(rq.results[0].timestamps[0], std::chrono::system_clock::from_time_t(1712910360));
  auto f = form(hq.http->requests[0]);
  EXPECT_EQ(f.at("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name"), "Per-Instance Metrics");
  EXPECT_EQ(f.at("MetricDataQueries.member.1.MetricStat.Stat"), "Maximum");
  EXPECT_EQ(f.at("StartTime"), "2024-04-12T08:22:00Z");
}

TEST(CloudWatchClient, GetMetricDataMismatchedArraysAreMalformed) {
  Harness h;
  h.http->reply_json(200, R"({"MetricDataResults":[{"Id":"m1","Timestamps":[1712910360],"Values":[]}]})");
  CloudWatchClient cw(h.config());
  GetMetricDataRequest req;
  req.queries = {MetricDataQuery{"m1", std::nullopt, "SUM(METRICS())", "", std::nullopt, 60}};
  try {
    cw.get_metric_data(req);
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "MalformedResponse");
    EXPECT_NE(e.message.find("GetMetricData"), std::string::npos);
  }
}

TEST(CloudWatchClient, GetMetricStatisticsQuery) {
  Harness h;
  h.http->reply(200,
                "<GetMetricStatisticsResponse><GetMetricStatisticsResult><Label>Status</Label><Datapoints><member>"
                "<Timestamp>2024-04-12T08:27:00Z</Timestamp><Maximum>1.0</Maximum><SampleCount>2.0</SampleCount>"
                "<Unit>Count</Unit><ExtendedStatistics><entry><key>p99</key><value>0.5</value></entry></ExtendedStatistics>"
                "</member></Datapoints></GetMetricStatisticsResult></GetMetricStatisticsResponse>");
  CloudWatchClient cw(h.config(), CloudWatchWire::Query);
  GetMetricStatisticsRequest req;
  req.namespace_ = "SSM Agent";
  req.metric_name = "Status";
  req.dimensions = {{"Per-Instance Metrics", "i-1"}};
  req.start_time = test_epoch() - std::chrono::minutes(10);
  req.end_time = test_epoch();
  req.statistics = {"Maximum", "SampleCount"};
  auto out = cw.get_metric_statistics(req);
  EXPECT_EQ(out.label, "Status");
  ASSERT_EQ(out.datapoints.size(), 1u);
  EXPECT_EQ(out.datapoints[0].maximum, 1.0);
  EXPECT_EQ(out.datapoints[0].sample_count, 2.0);
  EXPECT_FALSE(out.datapoints[0].average);
  EXPECT_EQ(out.datapoints[0].extended_statistics.at("p99"), 0.5);
  auto f = form(h.http->requests[0]);
  EXPECT_EQ(f.at("Statistics.member.2"), "SampleCount");
  EXPECT_EQ(f.at("Period"), "60");
}

TEST(CloudWatchClient, QueryCompatibleErrorCodeOnJson) {
  Harness h;
  h.http->reply_json(400, R"({"__type":"com.amazonaws.cloudwatch#LimitExceededFault","message":"too many"})",
                     {{"x-amzn-query-error", "LimitExceeded;Sender"}});
  CloudWatchClient cw(h.config());
  try {
    cw.put_metric_alarm(post_alarm());
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "LimitExceeded");
    EXPECT_EQ(e.operation, "PutMetricAlarm");
  }
}
