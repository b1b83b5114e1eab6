// encode_tool: prints, one JSON line per case, the exact HTTP request pingwatch's typed clients send for
// every operation they implement (real client code path; a capturing transport answers each call with a
// minimal success reply). The botocore conformance test parses each body against the service model.
//   encode_tool            -> all cases
//   encode_tool <case>     -> only cases whose name starts with <case>
#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/cloudwatch_client.h"
#include "aws/dynamodb_client.h"
#include "aws/ec2_client.h"
#include "aws/organizations_client.h"
#include "aws/sns_client.h"
#include "aws/ssm_client.h"
#include "aws/sts_client.h"

using namespace pingwatch::aws;
using nlohmann::json;

namespace {

class CapturingHttp : public HttpClient {
 public:
  HttpResponse send(const HttpRequest& request) override {
    last = request;
    const std::string* target = find_header(request.headers, "X-Amz-Target");
    if (target != nullptr) {
      return HttpResponse{200, {{"Content-Type", "application/x-amz-json-1.1"}},
                          R"({"Table":{"TableName":"t"},"TableDescription":{"TableName":"t"}})"};
    }
    // Query: answer <OpResponse><OpResult> with the fields the decoders insist on.
    std::string op;
    const auto a = request.body.find("Action=");
    if (a != std::string::npos) op = request.body.substr(a + 7, request.body.find('&', a) - a - 7);
    std::string inner =
        "<TopicArn>arn:aws:sns:us-east-1:123456789012:SSM-Ping</TopicArn><MessageId>m-1</MessageId>"
        "<Account>123456789012</Account><Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
        "<SessionToken>t</SessionToken><Expiration>2024-04-12T09:27:00Z</Expiration></Credentials>";
    return HttpResponse{200, {}, "<" + op + "Response><" + op + "Result>" + inner + "</" + op + "Result></" + op + "Response>"};
  }
  HttpRequest last;
};

class Fixed : public CredentialsProvider {
 public:
  Credentials get() override { return {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt, "tool"}; }
};

SystemTime t0() { return std::chrono::system_clock::from_time_t(1712910420); }

struct Case {
  std::string name;
  std::string model;       // botocore service name
  std::string operation;
  std::function<void(const ClientConfig&)> run;
};

std::vector<Dimension> dims() { return {{"Per-Instance Metrics", "i-0572676272d863124"}}; }

PutMetricDataRequest metric_data() {
  PutMetricDataRequest r;
  r.namespace_ = "SSM Agent";
  MetricDatum d;
  d.metric_name = "Status";
  d.dimensions = dims();
  d.value = 1.0;
  d.unit = "Count";
  d.timestamp = t0() + std::chrono::milliseconds(250);
  d.storage_resolution = 60;
  r.metric_data.push_back(d);
  MetricDatum many;
  many.metric_name = "NodesByStatus";
  many.dimensions = {{"Fleet", "東京"}};
  many.values = {0, 1, 2};
  many.counts = {10, 2, 1};
  many.unit = "Count";
  r.metric_data.push_back(many);
  MetricDatum stats;
  stats.metric_name = "PingAge";
  stats.statistic_values = StatisticSet{3, 90, 10, 60};
  stats.unit = "Seconds";
  r.metric_data.push_back(stats);
  return r;
}

PutMetricAlarmRequest alarm() {
  PutMetricAlarmRequest a;
  a.alarm_name = "ssm-agent-i-0572676272d863124";
  a.alarm_description = "SSM Agent ping status of i-0572676272d863124 (名前)";
  a.actions_enabled = true;
  a.ok_actions = {"arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping"};
  a.alarm_actions = {"arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping"};
  a.insufficient_data_actions = {"arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping"};
  a.namespace_ = "SSM Agent";
  a.metric_name = "Status";
  a.dimensions = dims();
  a.statistic = "Maximum";
  a.period = 60;
  a.evaluation_periods = 1;
  a.datapoints_to_alarm = 1;
  a.threshold = 1.0;
  a.comparison_operator = "GreaterThanOrEqualToThreshold";
  a.treat_missing_data = "missing";
  a.unit = "Count";
  a.tags = {{"managed-by", "pingwatch"}, {"owner", "運用チーム"}};
  return a;
}

std::vector<Case> cloudwatch_cases(CloudWatchWire wire, const std::string& prefix) {
  auto cw = [wire](const ClientConfig& c) { return CloudWatchClient(c, wire); };
  return {
      {prefix + ".PutMetricData", "cloudwatch", "PutMetricData", [=](const ClientConfig& c) { cw(c).put_metric_data(metric_data()); }},
      {prefix + ".ListMetrics", "cloudwatch", "ListMetrics",
       [=](const ClientConfig& c) {
         ListMetricsRequest r;
         r.namespace_ = "SSM Agent";
         r.metric_name = "Status";
         r.dimensions = {{"Per-Instance Metrics", std::nullopt}, {"Fleet", std::string("東京")}};
         r.recently_active = "PT3H";
         r.next_token = "tok+/=";
         cw(c).list_metrics(r);
       }},
      {prefix + ".PutMetricAlarm", "cloudwatch", "PutMetricAlarm", [=](const ClientConfig& c) { cw(c).put_metric_alarm(alarm()); }},
      {prefix + ".DescribeAlarms", "cloudwatch", "DescribeAlarms",
       [=](const ClientConfig& c) {
         DescribeAlarmsRequest r;
         r.alarm_names = {"ssm-agent-i-1", "ssm-agent-i-2"};
         r.state_value = "ALARM";
         r.max_records = 100;
         r.next_token = "n";
         cw(c).describe_alarms(r);
       }},
      {prefix + ".DescribeAlarmsPrefix", "cloudwatch", "DescribeAlarms",
       [=](const ClientConfig& c) {
         DescribeAlarmsRequest r;
         r.alarm_name_prefix = "ssm-agent-";
         r.action_prefix = "arn:aws:sns:";
         cw(c).describe_alarms(r);
       }},
      {prefix + ".DeleteAlarms", "cloudwatch", "DeleteAlarms",
       [=](const ClientConfig& c) { cw(c).delete_alarms({"ssm-agent-i-1", "ssm-agent-i-2"}); }},
      {prefix + ".TagResource", "cloudwatch", "TagResource",
       [=](const ClientConfig& c) {
         cw(c).tag_resource("arn:aws:cloudwatch:us-east-1:123456789012:alarm:ssm-agent-i-1",
                            {{"managed-by", "pingwatch"}, {"環境", "本番"}});
       }},
      {prefix + ".ListTagsForResource", "cloudwatch", "ListTagsForResource",
       [=](const ClientConfig& c) { cw(c).list_tags_for_resource("arn:aws:cloudwatch:us-east-1:123456789012:alarm:a"); }},
      {prefix + ".GetMetricData", "cloudwatch", "GetMetricData",
       [=](const ClientConfig& c) {
         GetMetricDataRequest r;
         MetricDataQuery q;
         q.id = "m1";
         q.metric_stat = MetricStat{Metric{"SSM Agent", "Status", dims()}, 60, "Maximum", "Count"};
         q.return_data = true;
         q.label = "status";
         MetricDataQuery e;
         e.id = "e1";
         e.expression = "MAX(METRICS())";
         e.period = 60;
         r.queries = {q, e};
         r.start_time = t0() - std::chrono::minutes(10);
         r.end_time = t0();
         r.scan_by = "TimestampDescending";
         r.max_datapoints = 100;
         cw(c).get_metric_data(r);
       }},
      {prefix + ".GetMetricStatistics", "cloudwatch", "GetMetricStatistics",
       [=](const ClientConfig& c) {
         GetMetricStatisticsRequest r;
         r.namespace_ = "SSM Agent";
         r.metric_name = "Status";
         r.dimensions = dims();
         r.start_time = t0() - std::chrono::minutes(10);
         r.end_time = t0();
         r.period = 60;
         r.statistics = {"Maximum", "SampleCount"};
         r.unit = "Count";
         cw(c).get_metric_statistics(r);
       }},
      {prefix + ".GetMetricStatisticsExtended", "cloudwatch", "GetMetricStatistics",
       [=](const ClientConfig& c) {
         GetMetricStatisticsRequest r;
         r.namespace_ = "SSM Agent";
         r.metric_name = "Status";
         r.start_time = t0() - std::chrono::minutes(10);
         r.end_time = t0();
         r.extended_statistics = {"p99"};
         cw(c).get_metric_statistics(r);
       }},
  };
}

std::vector<Case> all_cases() {
  std::vector<Case> cases = {
      {"ssm.DescribeInstanceInformation", "ssm", "DescribeInstanceInformation",
       [](const ClientConfig& c) {
         DescribeInstanceInformationRequest r;
         r.filters = {{"tag:Name", {"web-東京"}}, {"tag-key", {"Env"}}};
         r.max_results = 50;
         r.next_token = "AAEAA+/==";
         SsmClient(c).describe_instance_information(r);
       }},
      {"ssm.DescribeInstanceInformationLegacy", "ssm", "DescribeInstanceInformation",
       [](const ClientConfig& c) {
         DescribeInstanceInformationRequest r;
         r.instance_information_filter_list = {{"PingStatus", {"ConnectionLost", "Inactive"}}};
         r.max_results = 5;
         SsmClient(c).describe_instance_information(r);
       }},
      {"ssm.ListTagsForResource", "ssm", "ListTagsForResource",
       [](const ClientConfig& c) { SsmClient(c).list_tags_for_resource("ManagedInstance", "mi-0123456789abcdef0"); }},
      {"sns.CreateTopic", "sns", "CreateTopic",
       [](const ClientConfig& c) {
         SnsClient(c).create_topic("SSM-Ping", {{"DisplayName", "SSM Ping 通知"}}, {{"app", "pingwatch"}});
       }},
      {"sns.Subscribe", "sns", "Subscribe",
       [](const ClientConfig& c) {
         SnsClient(c).subscribe("arn:aws:sns:us-east-1:123456789012:SSM-Ping", "email", "ops@example.com",
                                {{"FilterPolicy", R"({"event":["lost"]})"}}, true);
       }},
      {"sns.Publish", "sns", "Publish",
       [](const ClientConfig& c) {
         PublishRequest p;
         p.topic_arn = "arn:aws:sns:us-east-1:123456789012:SSM-Ping";
         p.subject = "ALARM: \"ssm-agent-i-1\" in Asia Pacific (Tokyo)";
         p.message = R"({"default":"node lost","email":"ノードが応答しません"})";
         p.message_structure = "json";
         p.message_attributes["event"] = {"String", "lost", ""};
         p.message_attributes["count"] = {"Number", "3", ""};
         p.message_attributes["ids"] = {"String.Array", R"(["i-1","i-2"])", ""};
         SnsClient(c).publish(p);
       }},
      {"sns.ListTopics", "sns", "ListTopics", [](const ClientConfig& c) { SnsClient(c).list_topics("next+/="); }},
      {"sns.ListSubscriptionsByTopic", "sns", "ListSubscriptionsByTopic",
       [](const ClientConfig& c) {
         SnsClient(c).list_subscriptions_by_topic("arn:aws:sns:us-east-1:123456789012:SSM-Ping", "n");
       }},
      {"organizations.ListAccounts", "organizations", "ListAccounts",
       [](const ClientConfig& c) { OrganizationsClient(c).list_accounts(); }},
      {"organizations.ListAccountsPaged", "organizations", "ListAccounts",
       [](const ClientConfig& c) { OrganizationsClient(c).list_accounts("AAEAAQ==", 5); }},
      {"sts.GetCallerIdentity", "sts", "GetCallerIdentity", [](const ClientConfig& c) { StsClient(c).get_caller_identity(); }},
      {"sts.AssumeRole", "sts", "AssumeRole",
       [](const ClientConfig& c) {
         StsClient(c).assume_role({"arn:aws:iam::123456789012:role/pingwatch", "pingwatch-session", 3600, "ext-1",
                                   R"({"Version":"2012-10-17","Statement":[]})"});
       }},
      {"dynamodb.CreateTable", "dynamodb", "CreateTable",
       [](const ClientConfig& c) {
         DynamoDbClient(c).create_table(json::parse(R"({"TableName":"pingwatch-state",
           "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
           "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})"));
       }},
      {"dynamodb.DescribeTable", "dynamodb", "DescribeTable",
       [](const ClientConfig& c) { DynamoDbClient(c).describe_table("pingwatch-state"); }},
      {"dynamodb.GetItem", "dynamodb", "GetItem",
       [](const ClientConfig& c) { DynamoDbClient(c).get_item("pingwatch-state", json{{"pk", {{"S", "node#i-1"}}}}, true); }},
      {"dynamodb.PutItem", "dynamodb", "PutItem",
       [](const ClientConfig& c) {
         DynamoDbClient(c).put_item("pingwatch-state",
                                    json{{"pk", {{"S", "node#i-1"}}}, {"status", {{"S", "Online"}}}, {"n", {{"N", "3"}}}},
                                    DynamoCondition{"attribute_not_exists(pk) OR #v < :v", json{{"#v", "version"}},
                                                    json{{":v", {{"N", "4"}}}}});
       }},
      {"dynamodb.UpdateItem", "dynamodb", "UpdateItem",
       [](const ClientConfig& c) {
         DynamoDbClient(c).update_item("pingwatch-state", json{{"pk", {{"S", "node#i-1"}}}}, "SET #s = :s",
                                       DynamoCondition{"", json{{"#s", "status"}}, json{{":s", {{"S", "Lost"}}}}},
                                       "ALL_NEW");
       }},
      {"dynamodb.DeleteItem", "dynamodb", "DeleteItem",
       [](const ClientConfig& c) {
         DynamoDbClient(c).delete_item("pingwatch-state", json{{"pk", {{"S", "node#i-1"}}}}, {}, "ALL_OLD");
       }},
      {"dynamodb.Query", "dynamodb", "Query",
       [](const ClientConfig& c) {
         DynamoDbClient(c).query(json::parse(R"({"TableName":"pingwatch-state","KeyConditionExpression":"pk = :p",
           "ExpressionAttributeValues":{":p":{"S":"node#i-1"}},"Limit":100})"));
       }},
      {"dynamodb.Scan", "dynamodb", "Scan",
       [](const ClientConfig& c) {
         DynamoDbClient(c).scan(json::parse(R"({"TableName":"pingwatch-state","ExclusiveStartKey":{"pk":{"S":"x"}}})"));
       }},
      {"dynamodb.BatchWriteItem", "dynamodb", "BatchWriteItem",
       [](const ClientConfig& c) {
         DynamoDbClient(c).batch_write_item(json::parse(R"({"pingwatch-state":[
           {"PutRequest":{"Item":{"pk":{"S":"a"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}]})"));
       }},
      {"dynamodb.BatchGetItem", "dynamodb", "BatchGetItem",
       [](const ClientConfig& c) {
         DynamoDbClient(c).batch_get_item(json::parse(R"({"pingwatch-state":{"Keys":[{"pk":{"S":"a"}}]}})"));
       }},
      {"ec2.DescribeInstances", "ec2", "DescribeInstances",
       [](const ClientConfig& c) {
         DescribeInstancesRequest r;
         r.instance_ids = {"i-0572676272d863124", "i-1"};
         r.filters = {{"instance-state-name", {"running", "stopped"}}, {"tag:Name", {"web-東京"}}};
         Ec2Client(c).describe_instances(r);
       }},
      {"ec2.DescribeInstancesPaged", "ec2", "DescribeInstances",
       [](const ClientConfig& c) {
         DescribeInstancesRequest r;
         r.max_results = 1000;
         r.next_token = "tok";
         Ec2Client(c).describe_instances(r);
       }},
  };
  for (auto& c : cloudwatch_cases(CloudWatchWire::Json10, "cloudwatch-json")) cases.push_back(std::move(c));
  for (auto& c : cloudwatch_cases(CloudWatchWire::Query, "cloudwatch-query")) cases.push_back(std::move(c));
  return cases;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string only = argc > 1 ? argv[1] : "";
  auto http = std::make_shared<CapturingHttp>();
  ClientConfig config;
  config.region = "us-east-1";
  config.endpoint = "http://127.0.0.1:1";
  config.credentials = std::make_shared<Fixed>();
  config.http = http;
  config.clock = [] { return t0(); };
  int failures = 0;
  for (const auto& c : all_cases()) {
    if (!only.empty() && c.name.rfind(only, 0) != 0) continue;
    try {
      c.run(config);
    } catch (const std::exception& e) {
      std::cerr << c.name << ": " << e.what() << '\n';
      ++failures;
      continue;
    }
    json headers = json::object();
    for (const auto& [k, v] : http->last.headers) headers[k] = v;
    std::cout << json{{"case", c.name}, {"model", c.model}, {"operation", c.operation}, {"url", http->last.url},
                      {"headers", headers}, {"body", http->last.body}}
                     .dump()
              << '\n';
  }
  return failures == 0 ? 0 : 1;
}
