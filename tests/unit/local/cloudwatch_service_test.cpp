// The CloudWatch service through handle()/tick(), in both wire protocols, with a recording SNS.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include <nlohmann/json.hpp>

#include "local/cloudwatch/alarm_notification.h"
#include "local/cloudwatch/cloudwatch_service.h"
#include "local/services.h"

using namespace pingwatch::local;
using namespace pingwatch::local::cloudwatch;
using nlohmann::json;

namespace {

constexpr double k0820 = 1712910000;   // 2024-04-12T08:20:00Z, the post's experiment
constexpr const char* kTopic = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping";
constexpr const char* kInstance = "i-0572676272d863124";

struct Published {
  std::string topic, subject, message;
  bool structured;
};

class RecordingSns : public SnsPublisher {
 public:
  std::vector<Published> published;
  std::string publish(const std::string& topic, const std::string& subject, const std::string& message,
                      bool structured, const json&) override {
    published.push_back({topic, subject, message, structured});
    return "msg-" + std::to_string(published.size());
  }
};

class CloudWatchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wall0_ = SimClock::wall_now();
    context_.clock = std::make_shared<SimClock>(k0820, 1.0, wall0_);
    context_.default_region = "ap-northeast-1";
    context_.sns = &sns_;
    service_ = make_cloudwatch_service(context_);
  }

  // A client's wall-clock timestamp that the stack maps onto the simulated time `sim`.
  double client_ts(double sim) const { return sim - k0820 + wall0_; }

  Request json_request(const std::string& op, json body) {
    Request r;
    r.method = "POST";
    r.path = "/";
    r.service = "monitoring";
    r.operation = op;
    r.protocol = WireProtocol::Json10;
    r.json = std::move(body);
    r.body = r.json.dump();
    r.region = "ap-northeast-1";
    r.account_id = "123456789012";
    r.request_id = "req-" + std::to_string(++requests_);
    return r;
  }

  Request query_request(const std::string& op, std::map<std::string, std::string> params) {
    Request r = json_request(op, json::object());
    r.protocol = WireProtocol::Query;
    r.json = json::object();
    params["Action"] = op;
    params["Version"] = "2010-08-01";
    r.params = std::move(params);
    r.body.clear();
    for (const auto& [k, v] : r.params) r.body += k + "=" + v + "&";
    return r;
  }

  json call(const std::string& op, json body) {
    Response response = service_->handle(json_request(op, std::move(body)));
    EXPECT_EQ(response.status, 200);
    return json::parse(response.body);
  }

  ServiceError error_of(const std::string& op, json body) {
    try {
      service_->handle(json_request(op, std::move(body)));
    } catch (const ServiceError& e) {
      return e;
    }
    ADD_FAILURE() << op << " did not fail";
    return ServiceError(0, "", "");
  }

  void put_status(double sim_time, double value) {
    call("PutMetricData",
         {{"Namespace", "SSM Agent"},
          {"MetricData", json::array({{{"MetricName", "Status"},
                                       {"Dimensions", json::array({{{"Name", "Per-Instance Metrics"}, {"Value", kInstance}}})},
                                       {"Timestamp", client_ts(sim_time)},
                                       {"Value", value},
                                       {"Unit", "Count"}}})}});
  }

  json post_alarm() {
    return {{"AlarmName", std::string("ssm-agent-") + kInstance},
            {"AlarmActions", json::array({kTopic})},
            {"MetricName", "Status"},
            {"Namespace", "SSM Agent"},
            {"Statistic", "Maximum"},
            {"Dimensions", json::array({{{"Name", "Per-Instance Metrics"}, {"Value", kInstance}}})},
            {"Period", 60},
            {"EvaluationPeriods", 1},
            {"DatapointsToAlarm", 1},
            {"Threshold", 1.0},
            {"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
            {"TreatMissingData", "missing"}};
  }

  json describe(const std::string& name) {
    auto out = call("DescribeAlarms", {{"AlarmNames", json::array({name})}});
    return out["MetricAlarms"].at(0);
  }

  double wall0_ = 0;
  StackContext context_;
  RecordingSns sns_;
  std::unique_ptr<Service> service_;
  int requests_ = 0;
};

}  // namespace

TEST_F(CloudWatchServiceTest, ThePostsExperimentAlarmsAt0828AndSendsTheNotification) {
  call("PutMetricAlarm", post_alarm());
  const std::string name = std::string("ssm-agent-") + kInstance;
  auto created = describe(name);
  EXPECT_EQ(created["StateValue"], "INSUFFICIENT_DATA");
  EXPECT_EQ(created["StateReason"], "Unchecked: Initial alarm creation");
  EXPECT_EQ(created["AlarmArn"], std::string("arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:") + name);
  EXPECT_TRUE(created["StateUpdatedTimestamp"].is_number());

  // The node is Online (0) until 08:26, ConnectionLost (1) from 08:27; the Lambda puts at :05 each minute.
  for (int minute = 20; minute <= 26; ++minute) {
    put_status(k0820 + (minute - 20) * 60 + 5, 0);
    service_->tick(k0820 + (minute - 20) * 60 + 30);
  }
  EXPECT_EQ(describe(name)["StateValue"], "OK");
  EXPECT_EQ(describe(name)["StateReason"],
            "Threshold Crossed: 1 datapoint [0.0 (12/04/24 08:20:00)] was not greater than or equal to the threshold (1.0).");
  EXPECT_TRUE(sns_.published.empty());   // no OKActions; the reason is the one of the transition (08:21)

  put_status(k0820 + 7 * 60 + 5, 1);      // 08:27:05
  service_->tick(k0820 + 7 * 60 + 50);    // still inside 08:27: nothing new is complete
  EXPECT_EQ(describe(name)["StateValue"], "OK");
  service_->tick(1712910506.456);         // 08:28:26.456
  auto alarm = describe(name);
  EXPECT_EQ(alarm["StateValue"], "ALARM");
  const std::string reason =
      "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/04/24 08:27:00)] was greater than or equal to the "
      "threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).";
  EXPECT_EQ(alarm["StateReason"], reason);
  EXPECT_DOUBLE_EQ(alarm["StateUpdatedTimestamp"].get<double>(), 1712910506.456);

  ASSERT_EQ(sns_.published.size(), 1u);
  EXPECT_EQ(sns_.published[0].topic, kTopic);
  EXPECT_EQ(sns_.published[0].subject, "ALARM: \"ssm-agent-i-0572676272d863124\" in Asia Pacific (Tokyo)");
  EXPECT_TRUE(sns_.published[0].structured);
  auto structure = json::parse(sns_.published[0].message);
  auto message = json::parse(structure["default"].get<std::string>());
  EXPECT_EQ(message["NewStateReason"], reason);
  EXPECT_EQ(message["OldStateValue"], "OK");
  EXPECT_EQ(message["StateChangeTime"], "2024-04-12T08:28:26.456+0000");
  EXPECT_NE(structure["email"].get<std::string>().find("at \"Friday 12 April, 2024 08:28:26 UTC\"."), std::string::npos);

  // Staying in ALARM sends nothing more; history has the transitions and the action.
  put_status(k0820 + 8 * 60 + 5, 1);
  service_->tick(k0820 + 9 * 60 + 1);
  EXPECT_EQ(sns_.published.size(), 1u);
  auto history = call("DescribeAlarmHistory", {{"AlarmName", name}})["AlarmHistoryItems"];
  ASSERT_GE(history.size(), 4u);
  EXPECT_EQ(history[0]["HistoryItemType"], "Action");
  EXPECT_EQ(history[0]["HistorySummary"], std::string("Successfully executed action ") + kTopic);
  EXPECT_EQ(history[1]["HistoryItemType"], "StateUpdate");
  EXPECT_EQ(history[1]["HistorySummary"], "Alarm updated from OK to ALARM");
  auto data = json::parse(history[1]["HistoryData"].get<std::string>());
  EXPECT_EQ(data["newState"]["stateReasonData"]["recentDatapoints"], json::array({1.0}));
  EXPECT_EQ(history.back()["HistorySummary"], "Alarm \"" + name + "\" created");
}

TEST_F(CloudWatchServiceTest, EvaluatesOnlyCompletePeriodsOnMinuteBoundaries) {
  call("PutMetricAlarm", post_alarm());
  const std::string name = std::string("ssm-agent-") + kInstance;
  service_->tick(k0820 + 1);   // the boundary of the creation minute is skipped
  put_status(k0820 + 65, 1);   // 08:21:05
  service_->tick(k0820 + 100); // 08:21:40: the 08:21 period is not complete
  EXPECT_EQ(describe(name)["StateValue"], "INSUFFICIENT_DATA");
  service_->tick(k0820 + 120.2);   // 08:22:00.2
  EXPECT_EQ(describe(name)["StateValue"], "ALARM");
  // Data stops: the datapoint stays in the evaluation range (N + 2 periods) for two more minutes.
  service_->tick(k0820 + 180.5);
  service_->tick(k0820 + 240.5);
  EXPECT_EQ(describe(name)["StateValue"], "ALARM");
  service_->tick(k0820 + 300.5);
  EXPECT_EQ(describe(name)["StateValue"], "INSUFFICIENT_DATA");
  EXPECT_EQ(describe(name)["StateReason"], "Insufficient Data: 1 datapoint was unknown.");
}

TEST_F(CloudWatchServiceTest, UpdatingAnAlarmKeepsItsState) {
  call("PutMetricAlarm", post_alarm());
  const std::string name = std::string("ssm-agent-") + kInstance;
  call("SetAlarmState", {{"AlarmName", name}, {"StateValue", "ALARM"}, {"StateReason", "testing"}});
  EXPECT_EQ(sns_.published.size(), 1u);   // SetAlarmState runs the actions of the new state
  auto updated = post_alarm();
  updated["Threshold"] = 2.0;
  call("PutMetricAlarm", updated);
  auto alarm = describe(name);
  EXPECT_EQ(alarm["StateValue"], "ALARM");
  EXPECT_EQ(alarm["StateReason"], "testing");
  EXPECT_EQ(alarm["Threshold"], 2.0);
}

TEST_F(CloudWatchServiceTest, DisabledActionsDoNotPublish) {
  call("PutMetricAlarm", post_alarm());
  const std::string name = std::string("ssm-agent-") + kInstance;
  call("DisableAlarmActions", {{"AlarmNames", json::array({name})}});
  EXPECT_EQ(describe(name)["ActionsEnabled"], false);
  call("SetAlarmState", {{"AlarmName", name}, {"StateValue", "ALARM"}, {"StateReason", "x"}});
  EXPECT_TRUE(sns_.published.empty());
  call("EnableAlarmActions", {{"AlarmNames", json::array({name})}});
  call("SetAlarmState", {{"AlarmName", name}, {"StateValue", "ALARM"}, {"StateReason", "same state"}});
  EXPECT_TRUE(sns_.published.empty());   // no transition, no action
  call("SetAlarmState", {{"AlarmName", name}, {"StateValue", "OK"}, {"StateReason", "y"}});
  call("SetAlarmState", {{"AlarmName", name}, {"StateValue", "ALARM"}, {"StateReason", "z"}});
  EXPECT_EQ(sns_.published.size(), 1u);
}

TEST_F(CloudWatchServiceTest, PutMetricDataValidationAsAws) {
  auto datum = [](json extra) {
    json d = {{"MetricName", "Status"}};
    d.update(extra);
    return json{{"Namespace", "SSM Agent"}, {"MetricData", json::array({d})}};
  };
  auto e = error_of("PutMetricData", {{"MetricData", json::array({{{"MetricName", "m"}, {"Value", 1}}})}});
  EXPECT_EQ(e.code, "MissingParameter");
  EXPECT_STREQ(e.what(), "The parameter Namespace is required.");

  e = error_of("PutMetricData", datum({{"Value", 1}, {"StatisticValues", {{"SampleCount", 1}, {"Sum", 1}, {"Minimum", 1}, {"Maximum", 1}}}}));
  EXPECT_EQ(e.code, "InvalidParameterCombination");
  EXPECT_STREQ(e.what(), "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.");

  e = error_of("PutMetricData", datum({{"Value", 1}, {"Values", json::array({1, 2})}}));
  EXPECT_EQ(e.code, "InvalidParameterCombination");
  EXPECT_STREQ(e.what(), "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.");

  e = error_of("PutMetricData", datum({{"Value", "NaN"}}));
  EXPECT_EQ(e.code, "InvalidParameterValue");
  EXPECT_STREQ(e.what(), "The value NaN for parameter MetricData.member.1.Value is invalid.");

  e = error_of("PutMetricData", datum({{"Value", "Infinity"}}));
  EXPECT_STREQ(e.what(), "The value \u221E for parameter MetricData.member.1.Value is invalid.");

  e = error_of("PutMetricData", datum({{"Values", json::array({1, 2})}, {"Counts", json::array({1})}}));
  EXPECT_EQ(e.code, "InvalidParameterValue");
  EXPECT_STREQ(e.what(), "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.");

  json many_values = json::array();
  for (int i = 0; i < 151; ++i) many_values.push_back(i);
  e = error_of("PutMetricData", datum({{"Values", many_values}}));
  EXPECT_STREQ(e.what(), "The collection MetricData.member.1.Values must not have a size greater than 150.");

  json dims = json::array();
  for (int i = 0; i < 31; ++i) dims.push_back({{"Name", "d" + std::to_string(i)}, {"Value", "v"}});
  e = error_of("PutMetricData", datum({{"Value", 1}, {"Dimensions", dims}}));
  EXPECT_STREQ(e.what(), "The collection MetricData.member.1.Dimensions must not have a size greater than 30.");

  json data = json::array();
  for (int i = 0; i < 1001; ++i) data.push_back({{"MetricName", "m"}, {"Value", 1}});
  e = error_of("PutMetricData", {{"Namespace", "n"}, {"MetricData", data}});
  EXPECT_EQ(e.code, "InvalidParameterValue");
  EXPECT_STREQ(e.what(), "The collection MetricData must not have a size greater than 1000.");

  // Timestamps are judged against the SIMULATED now (08:20): 15 days back and 3 hours ahead fail, both listed.
  json two = json::array({{{"MetricName", "a"}, {"Value", 1}, {"Timestamp", client_ts(k0820 - 15 * 86400)}},
                          {{"MetricName", "b"}, {"Value", 1}, {"Timestamp", client_ts(k0820 + 3 * 3600)}}});
  e = error_of("PutMetricData", {{"Namespace", "n"}, {"MetricData", two}});
  EXPECT_EQ(e.code, "InvalidParameterValue");
  EXPECT_STREQ(e.what(),
               "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.\n"
               "The parameter MetricData.member.2.Timestamp must specify a time no more than two hours in the future.");
  // ... while 13 days back is fine.
  call("PutMetricData", {{"Namespace", "n"}, {"MetricData", json::array({{{"MetricName", "a"}, {"Value", 1}, {"Timestamp", client_ts(k0820 - 13 * 86400)}}})}});

  e = error_of("PutMetricData", datum(json::object()));
  EXPECT_EQ(e.code, "MissingParameter");
  e = error_of("PutMetricData", {{"Namespace", "AWS/EC2"}, {"MetricData", json::array({{{"MetricName", "m"}, {"Value", 1}}})}});
  EXPECT_EQ(e.code, "InvalidParameterValue");

  Request big = json_request("PutMetricData", datum({{"Value", 1}}));
  big.body.assign(1048577, ' ');
  try {
    service_->handle(big);
    ADD_FAILURE() << "a body over 1 MB was accepted";
  } catch (const ServiceError& err) {
    EXPECT_EQ(err.status, 413);
  }
}

TEST_F(CloudWatchServiceTest, PutMetricAlarmValidation) {
  auto with = [&](json change) {
    json a = post_alarm();
    a.update(change);
    return error_of("PutMetricAlarm", a);
  };
  EXPECT_STREQ(with({{"Period", 45}}).what(), "Period must be 10, 20, 30 or a multiple of 60");
  EXPECT_EQ(with({{"Period", 45}}).code, "ValidationError");
  EXPECT_STREQ(with({{"EvaluationPeriods", 2}, {"DatapointsToAlarm", 3}}).what(),
               "DatapointsToAlarm must be less than or equal to EvaluationPeriods");
  auto e = with({{"ComparisonOperator", "Bigger"}});
  EXPECT_EQ(e.code, "ValidationError");
  EXPECT_EQ(std::string(e.what()).rfind("1 validation error detected: Value 'Bigger' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [", 0), 0u);
  EXPECT_EQ(with({{"TreatMissingData", "sometimes"}}).code, "ValidationError");
  json six = json::array();
  for (int i = 0; i < 6; ++i) six.push_back(std::string(kTopic) + std::to_string(i));
  e = with({{"AlarmActions", six}});
  EXPECT_NE(std::string(e.what()).find("at 'alarmActions' failed to satisfy constraint: Member must have length less than or equal to 5"), std::string::npos);
  EXPECT_STREQ(with({{"Period", 3600}, {"EvaluationPeriods", 200}}).what(),
               "Metrics cannot be checked across more than 7 days (EvaluationPeriods * Period must be <= 604800)");
  EXPECT_STREQ(with({{"Period", 60}, {"EvaluationPeriods", 1441}, {"DatapointsToAlarm", 1}}).what(),
               "Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400)");
  // 10, 20, 30 and multiples of 60 are fine.
  for (int period : {10, 20, 30, 120}) {
    json a = post_alarm();
    a["Period"] = period;
    call("PutMetricAlarm", a);
  }
}

TEST_F(CloudWatchServiceTest, DescribeDeleteAndPaging) {
  for (int i = 0; i < 120; ++i) {
    json a = post_alarm();
    char name[32];
    std::snprintf(name, sizeof name, "alarm-%03d", i);
    a["AlarmName"] = name;
    call("PutMetricAlarm", a);
  }
  auto page = call("DescribeAlarms", {{"AlarmNamePrefix", "alarm-"}});
  EXPECT_EQ(page["MetricAlarms"].size(), 50u);   // default MaxRecords
  page = call("DescribeAlarms", {{"AlarmNamePrefix", "alarm-"}, {"MaxRecords", 100}});
  EXPECT_EQ(page["MetricAlarms"].size(), 100u);
  ASSERT_TRUE(page.contains("NextToken"));
  page = call("DescribeAlarms", {{"AlarmNamePrefix", "alarm-"}, {"MaxRecords", 100}, {"NextToken", page["NextToken"]}});
  EXPECT_EQ(page["MetricAlarms"].size(), 20u);
  EXPECT_FALSE(page.contains("NextToken"));
  EXPECT_EQ(page["MetricAlarms"][0]["AlarmName"], "alarm-100");

  auto e = error_of("DescribeAlarms", {{"MaxRecords", 101}});
  EXPECT_EQ(e.code, "ValidationError");
  EXPECT_STREQ(e.what(), "1 validation error detected: Value '101' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100");
  EXPECT_EQ(call("DescribeAlarms", {{"StateValue", "ALARM"}})["MetricAlarms"].size(), 0u);

  json names = json::array();
  for (int i = 0; i < 101; ++i) names.push_back("n" + std::to_string(i));
  EXPECT_EQ(error_of("DeleteAlarms", {{"AlarmNames", names}}).code, "ValidationError");
  e = error_of("DeleteAlarms", {{"AlarmNames", json::array({"alarm-000", "nope"})}});
  EXPECT_EQ(e.code, "ResourceNotFound");
  EXPECT_EQ(call("DescribeAlarms", {{"AlarmNames", json::array({"alarm-000"})}})["MetricAlarms"].size(), 1u);   // nothing deleted
  call("DeleteAlarms", {{"AlarmNames", json::array({"alarm-000", "alarm-001"})}});
  EXPECT_EQ(call("DescribeAlarms", {{"AlarmNames", json::array({"alarm-000", "alarm-001", "alarm-002"})}})["MetricAlarms"].size(), 1u);
}

TEST_F(CloudWatchServiceTest, ListMetricsFiltersAndPages) {
  json data = json::array();
  for (int i = 0; i < 600; ++i)
    data.push_back({{"MetricName", "Status"},
                    {"Dimensions", json::array({{{"Name", "Per-Instance Metrics"}, {"Value", "i-" + std::to_string(1000 + i)}}})},
                    {"Value", i % 3}});
  data.erase(data.begin() + 500, data.end());
  call("PutMetricData", {{"Namespace", "SSM Agent"}, {"MetricData", data}});
  json more = json::array();
  for (int i = 500; i < 600; ++i)
    more.push_back({{"MetricName", "Status"},
                    {"Dimensions", json::array({{{"Name", "Per-Instance Metrics"}, {"Value", "i-" + std::to_string(1000 + i)}}})},
                    {"Value", 0}});
  more.push_back({{"MetricName", "Other"}, {"Value", 1}});
  call("PutMetricData", {{"Namespace", "SSM Agent"}, {"MetricData", more}});

  auto page = call("ListMetrics", {{"Namespace", "SSM Agent"}, {"MetricName", "Status"}});
  EXPECT_EQ(page["Metrics"].size(), 500u);
  ASSERT_TRUE(page.contains("NextToken"));
  auto rest = call("ListMetrics", {{"Namespace", "SSM Agent"}, {"MetricName", "Status"}, {"NextToken", page["NextToken"]}});
  EXPECT_EQ(rest["Metrics"].size(), 100u);
  EXPECT_FALSE(rest.contains("NextToken"));

  auto one = call("ListMetrics", {{"Dimensions", json::array({{{"Name", "Per-Instance Metrics"}, {"Value", "i-1007"}}})}});
  ASSERT_EQ(one["Metrics"].size(), 1u);
  EXPECT_EQ(one["Metrics"][0], json({{"Namespace", "SSM Agent"}, {"MetricName", "Status"},
                                     {"Dimensions", json::array({{{"Name", "Per-Instance Metrics"}, {"Value", "i-1007"}}})}}));
  auto by_name = call("ListMetrics", {{"Namespace", "SSM Agent"}, {"Dimensions", json::array({{{"Name", "Per-Instance Metrics"}}})}});
  EXPECT_EQ(by_name["Metrics"].size(), 500u);   // name-only filter matches all 600 (first page)
  auto other = call("ListMetrics", {{"MetricName", "Other"}});
  EXPECT_EQ(other["Metrics"][0]["Dimensions"], json::array());
}

TEST_F(CloudWatchServiceTest, GetMetricStatisticsAndGetMetricData) {
  for (int minute = 0; minute < 3; ++minute)
    for (double v : {1.0, 2.0, 3.0 + minute})
      call("PutMetricData", {{"Namespace", "ns"},
                             {"MetricData", json::array({{{"MetricName", "m"}, {"Value", v}, {"Timestamp", client_ts(k0820 - 600 + minute * 60 + 5)}}})}});
  auto stats = call("GetMetricStatistics", {{"Namespace", "ns"}, {"MetricName", "m"},
                                            {"StartTime", client_ts(k0820 - 600)}, {"EndTime", client_ts(k0820)},
                                            {"Period", 60}, {"Statistics", json::array({"Average", "Maximum", "SampleCount"})}});
  EXPECT_EQ(stats["Label"], "m");
  ASSERT_EQ(stats["Datapoints"].size(), 3u);
  EXPECT_DOUBLE_EQ(stats["Datapoints"][0]["Timestamp"].get<double>(), k0820 - 600);
  EXPECT_DOUBLE_EQ(stats["Datapoints"][2]["Maximum"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(stats["Datapoints"][0]["Average"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(stats["Datapoints"][1]["SampleCount"].get<double>(), 3.0);
  EXPECT_EQ(stats["Datapoints"][0]["Unit"], "None");

  auto data = call("GetMetricData", {{"StartTime", client_ts(k0820 - 600)}, {"EndTime", client_ts(k0820)},
                                     {"MetricDataQueries", json::array({{{"Id", "m1"},
                                                                         {"MetricStat", {{"Metric", {{"Namespace", "ns"}, {"MetricName", "m"}}},
                                                                                         {"Period", 60}, {"Stat", "Sum"}}}}})}});
  auto result = data["MetricDataResults"].at(0);
  EXPECT_EQ(result["Id"], "m1");
  EXPECT_EQ(result["Label"], "m");
  EXPECT_EQ(result["StatusCode"], "Complete");
  EXPECT_EQ(result["Values"], json::array({8.0, 7.0, 6.0}));   // newest first
  EXPECT_DOUBLE_EQ(result["Timestamps"][0].get<double>(), k0820 - 480);

  auto e = error_of("GetMetricStatistics", {{"Namespace", "ns"}, {"MetricName", "m"}, {"StartTime", client_ts(k0820)},
                                            {"EndTime", client_ts(k0820)}, {"Period", 60}, {"Statistics", json::array({"Sum"})}});
  EXPECT_STREQ(e.what(), "The parameter StartTime must not equal parameter EndTime.");
}

TEST_F(CloudWatchServiceTest, QueryProtocolInputAndXmlOutput) {
  auto put = query_request("PutMetricData", {{"Namespace", "SSM Agent"},
                                             {"MetricData.member.1.MetricName", "Status"},
                                             {"MetricData.member.1.Dimensions.member.1.Name", "Per-Instance Metrics"},
                                             {"MetricData.member.1.Dimensions.member.1.Value", kInstance},
                                             {"MetricData.member.1.Value", "1.0"},
                                             {"MetricData.member.1.Unit", "Count"},
                                             {"MetricData.member.1.Timestamp", "2024-04-12T08:19:05Z"}});
  // The query timestamp is the client's clock too: 08:19:05 wall maps through the simulated clock.
  put.params["MetricData.member.1.Timestamp"] = std::to_string(static_cast<long long>(client_ts(k0820 - 55)));
  Response r = service_->handle(put);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "<PutMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">\n"
            "  <ResponseMetadata>\n    <RequestId>" + put.request_id + "</RequestId>\n  </ResponseMetadata>\n"
            "</PutMetricDataResponse>\n");

  Response list = service_->handle(query_request("ListMetrics", {{"Namespace", "SSM Agent"}}));
  EXPECT_NE(list.body.find("<ListMetricsResult><Metrics><member><Namespace>SSM Agent</Namespace><MetricName>Status</MetricName>"
                           "<Dimensions><member><Name>Per-Instance Metrics</Name><Value>i-0572676272d863124</Value></member>"
                           "</Dimensions></member></Metrics></ListMetricsResult>"),
            std::string::npos)
      << list.body;

  auto alarm = query_request("PutMetricAlarm", {{"AlarmName", "q-alarm"},
                                                {"AlarmActions.member.1", kTopic},
                                                {"MetricName", "Status"},
                                                {"Namespace", "SSM Agent"},
                                                {"Statistic", "Maximum"},
                                                {"Dimensions.member.1.Name", "Per-Instance Metrics"},
                                                {"Dimensions.member.1.Value", kInstance},
                                                {"Period", "60"},
                                                {"EvaluationPeriods", "1"},
                                                {"DatapointsToAlarm", "1"},
                                                {"Threshold", "1.0"},
                                                {"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
                                                {"TreatMissingData", "missing"},
                                                {"OKActions", ""}});
  EXPECT_EQ(service_->handle(alarm).status, 200);
  Response described = service_->handle(query_request("DescribeAlarms", {{"AlarmNames.member.1", "q-alarm"}}));
  const std::string& xml = described.body;
  EXPECT_NE(xml.find("<DescribeAlarmsResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"), std::string::npos);
  EXPECT_NE(xml.find("<MetricAlarms><member><AlarmName>q-alarm</AlarmName><AlarmArn>arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:q-alarm</AlarmArn>"
                     "<AlarmConfigurationUpdatedTimestamp>2024-04-12T08:"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<ActionsEnabled>true</ActionsEnabled><OKActions></OKActions><AlarmActions><member>" + std::string(kTopic) +
                     "</member></AlarmActions>"),
            std::string::npos);
  EXPECT_NE(xml.find("<StateValue>INSUFFICIENT_DATA</StateValue><StateReason>Unchecked: Initial alarm creation</StateReason>"),
            std::string::npos);
  EXPECT_NE(xml.find("<Period>60</Period><EvaluationPeriods>1</EvaluationPeriods><DatapointsToAlarm>1</DatapointsToAlarm>"
                     "<Threshold>1.0</Threshold>"),
            std::string::npos);
  EXPECT_NE(xml.find("<RequestId>"), std::string::npos);

  // Errors name the query-style parameter.
  try {
    service_->handle(query_request("PutMetricData", {{"Namespace", "n"}, {"MetricData.member.1.MetricName", "m"},
                                                     {"MetricData.member.1.Value", "1"}, {"MetricData.member.1.Values.member.1", "2"}}));
    ADD_FAILURE();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.code, "InvalidParameterCombination");
    EXPECT_STREQ(e.what(), "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.");
  }
  try {
    service_->handle(query_request("FlyToTheMoon", {}));
    ADD_FAILURE();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.code, "InvalidAction");
  }
}

TEST_F(CloudWatchServiceTest, TagsOnAlarmArns) {
  json a = post_alarm();
  a["Tags"] = json::array({{{"Key", "team"}, {"Value", "ops"}}});
  call("PutMetricAlarm", a);
  std::string arn = describe(std::string("ssm-agent-") + kInstance)["AlarmArn"];
  call("TagResource", {{"ResourceARN", arn}, {"Tags", json::array({{{"Key", "env"}, {"Value", "dev"}}, {{"Key", "team"}, {"Value", "sre"}}})}});
  auto tags = call("ListTagsForResource", {{"ResourceARN", arn}})["Tags"];
  EXPECT_EQ(tags, json::array({{{"Key", "team"}, {"Value", "sre"}}, {{"Key", "env"}, {"Value", "dev"}}}));
  call("UntagResource", {{"ResourceARN", arn}, {"TagKeys", json::array({"team"})}});
  EXPECT_EQ(call("ListTagsForResource", {{"ResourceARN", arn}})["Tags"].size(), 1u);
  auto e = error_of("ListTagsForResource", {{"ResourceARN", "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:nope"}});
  EXPECT_EQ(e.code, "ResourceNotFoundException");
}

TEST_F(CloudWatchServiceTest, SaveAndLoadKeepMetricsAlarmsAndHistory) {
  call("PutMetricAlarm", post_alarm());
  put_status(k0820 + 5, 1);
  service_->tick(k0820 + 1);
  service_->tick(k0820 + 61);
  const std::string name = std::string("ssm-agent-") + kInstance;
  EXPECT_EQ(describe(name)["StateValue"], "ALARM");
  json saved = service_->save();

  auto restored = make_cloudwatch_service(context_);
  restored->load(json::parse(saved.dump()));
  service_ = std::move(restored);
  auto alarm = describe(name);
  EXPECT_EQ(alarm["StateValue"], "ALARM");
  EXPECT_EQ(alarm["Dimensions"], json::array({{{"Name", "Per-Instance Metrics"}, {"Value", kInstance}}}));
  EXPECT_EQ(call("ListMetrics", {{"Namespace", "SSM Agent"}})["Metrics"].size(), 1u);
  EXPECT_GE(call("DescribeAlarmHistory", {{"AlarmName", name}})["AlarmHistoryItems"].size(), 3u);
  EXPECT_EQ(service_->save(), saved);
}
