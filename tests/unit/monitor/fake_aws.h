#pragma once
// An in-memory SSM + CloudWatch that answers the JSON protocols (awsJson1_1 for SSM, awsJson1_0 for
// CloudWatch) as an aws::HttpClient, so the real typed clients and jobs run against it without a socket.
// It enforces the limits the jobs must respect (MaxResults 5..50, <= 1000 data and <= 1 MB per
// PutMetricData, <= 100 names per DeleteAlarms, MaxRecords <= 100) and counts every operation.
// The script tests (tests/integration) run against `pingwatch local` (src/local) instead.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/client_factory.h"
#include "aws/cloudwatch_client.h"
#include "aws/http.h"
#include "aws/http_date.h"
#include "aws/ssm_client.h"

namespace pingwatch::testing {

class FakeAws : public aws::HttpClient {
 public:
  struct Node {
    std::string id;
    std::string ping_status = "Online";
    std::string platform_type = "Linux";
  };

  // ----- fleet and faults -----
  void set_nodes(std::vector<Node> nodes) {
    std::lock_guard lock(mutex_);
    nodes_ = std::move(nodes);
  }
  void add_nodes(const std::string& prefix, int count, const std::string& status = "Online") {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i) nodes_.push_back({prefix + std::to_string(100000 + i), status, "Linux"});
  }
  void remove_nodes(std::size_t count) {   // the last `count` nodes stop being managed
    std::lock_guard lock(mutex_);
    nodes_.resize(nodes_.size() - std::min(count, nodes_.size()));
  }
  std::size_t node_count() const {
    std::lock_guard lock(mutex_);
    return nodes_.size();
  }
  void fail_ssm_page(int page_index, std::string code = "AccessDeniedException") {   // 0-based
    std::lock_guard lock(mutex_);
    fail_page_ = page_index;
    fail_code_ = std::move(code);
  }
  void set_server_time(aws::SystemTime t) {
    std::lock_guard lock(mutex_);
    server_time_ = t;
  }
  void fail_operation(std::string op) {   // every call of `op` is refused with AccessDeniedException
    std::lock_guard lock(mutex_);
    fail_op_ = std::move(op);
  }
  void set_put_metric_data_delay(std::chrono::milliseconds d) { put_delay_ = d; }
  void put_alarm_directly(const nlohmann::json& alarm) {   // as if made by someone else
    std::lock_guard lock(mutex_);
    alarms_[alarm.at("AlarmName").get<std::string>()] = alarm;
  }

  // ----- observations -----
  std::map<std::string, long> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  long calls_of(const std::string& op) const {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(op);
    return it == calls_.end() ? 0 : it->second;
  }
  long write_calls() const {
    return calls_of("PutMetricData") + calls_of("PutMetricAlarm") + calls_of("DeleteAlarms") + calls_of("TagResource");
  }
  void reset_calls() {
    std::lock_guard lock(mutex_);
    calls_.clear();
  }
  std::vector<nlohmann::json> metric_data() const {   // every datum received, with its Namespace
    std::lock_guard lock(mutex_);
    return data_;
  }
  std::map<std::string, nlohmann::json> alarms() const {
    std::lock_guard lock(mutex_);
    return alarms_;
  }
  std::vector<std::size_t> put_metric_data_sizes() const {   // bytes of each PutMetricData body
    std::lock_guard lock(mutex_);
    return put_sizes_;
  }
  std::vector<double> put_metric_alarm_times() const {   // wall seconds of each PutMetricAlarm
    std::lock_guard lock(mutex_);
    return put_alarm_times_;
  }
  int max_concurrent_puts() const { return max_concurrent_; }

  // ----- the wire -----
  aws::HttpResponse send(const aws::HttpRequest& request) override {
    const std::string* target = aws::find_header(request.headers, "X-Amz-Target");
    if (target == nullptr) return error(400, "MissingAction", "no X-Amz-Target");
    const std::string op = target->substr(target->find('.') + 1);
    bool refused = false;
    {
      std::lock_guard lock(mutex_);
      ++calls_[op];
      refused = op == fail_op_;
    }
    if (refused) return error(400, "AccessDeniedException", "User is not authorized to perform " + op);
    nlohmann::json in = request.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(request.body);
    if (op == "DescribeInstanceInformation") return describe_instance_information(in);
    if (op == "PutMetricData") return put_metric_data(in, request.body.size());
    if (op == "DescribeAlarms") return describe_alarms(in);
    if (op == "PutMetricAlarm") return put_metric_alarm(in);
    if (op == "DeleteAlarms") return delete_alarms(in);
    if (op == "TagResource") return reply(nlohmann::json::object());
    return error(400, "UnknownOperationException", op);
  }

  // Clients wired to this fake, with no retries (failures must surface at once in tests).
  aws::ClientConfig client_config(std::shared_ptr<aws::HttpClient> self) const {
    aws::ClientConfig c;
    c.region = "ap-northeast-1";
    c.endpoint = "http://fake.invalid";
    c.credentials = aws::make_static_credentials({"AKIDFAKE", "secret", "", std::nullopt, "test"});
    c.http = std::move(self);
    c.retry.max_attempts = 1;
    c.sleep = [](std::chrono::milliseconds) {};
    return c;
  }

 private:
  aws::HttpResponse reply(const nlohmann::json& body, const char* content_type = "application/x-amz-json-1.1") {
    aws::HttpResponse r;
    r.status = 200;
    r.body = body.dump();
    std::lock_guard lock(mutex_);
    r.headers = {{"Content-Type", content_type},
                 {"Date", aws::format_http_date(server_time_.value_or(std::chrono::system_clock::now()))},
                 {"x-amzn-RequestId", "fake-" + std::to_string(++request_counter_)}};
    return r;
  }
  aws::HttpResponse error(int status, const std::string& code, const std::string& message) {
    aws::HttpResponse r;
    r.status = status;
    r.body = nlohmann::json{{"__type", code}, {"message", message}}.dump();
    r.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"x-amzn-RequestId", "fake-error"}};
    return r;
  }

  aws::HttpResponse describe_instance_information(const nlohmann::json& in) {
    const int max = in.value("MaxResults", 10);
    if (max < 5 || max > 50) return error(400, "InvalidParameterValue", "MaxResults must be 5..50");
    std::size_t offset = 0;
    if (in.contains("NextToken")) offset = std::stoul(in["NextToken"].get<std::string>());
    nlohmann::json list = nlohmann::json::array();
    std::string next;
    std::string fail;
    {
      std::lock_guard lock(mutex_);
      const int page = static_cast<int>(offset / static_cast<std::size_t>(max));
      if (page == fail_page_) fail = fail_code_;
      for (std::size_t i = offset; fail.empty() && i < nodes_.size() && i < offset + static_cast<std::size_t>(max); ++i) {
        list.push_back({{"InstanceId", nodes_[i].id},
                        {"PingStatus", nodes_[i].ping_status},
                        {"LastPingDateTime", 1.7e9},
                        {"PlatformType", nodes_[i].platform_type},
                        {"ResourceType", "EC2Instance"}});
      }
      if (offset + static_cast<std::size_t>(max) < nodes_.size()) next = std::to_string(offset + static_cast<std::size_t>(max));
    }
    if (!fail.empty()) return error(400, fail, "injected failure at NextToken " + std::to_string(offset));
    nlohmann::json out{{"InstanceInformationList", list}};
    if (!next.empty()) out["NextToken"] = next;
    return reply(out);
  }

  aws::HttpResponse put_metric_data(const nlohmann::json& in, std::size_t body_bytes) {
    struct InFlight {
      std::atomic<int>& n;
      std::atomic<int>& max;
      explicit InFlight(std::atomic<int>& a, std::atomic<int>& m) : n(a), max(m) {
        const int now = ++n;
        int seen = max.load();
        while (now > seen && !max.compare_exchange_weak(seen, now)) {
        }
      }
      ~InFlight() { --n; }
    } flight(in_flight_, max_concurrent_);
    if (put_delay_.count() > 0) std::this_thread::sleep_for(put_delay_);
    const auto& data = in.at("MetricData");
    if (data.size() > 1000) return error(400, "InvalidParameterValue", "more than 1000 MetricData");
    if (body_bytes > 1'000'000) return error(413, "RequestEntityTooLarge", "request larger than 1 MB");
    std::lock_guard lock(mutex_);
    put_sizes_.push_back(body_bytes);
    for (auto d : data) {
      d["Namespace"] = in.at("Namespace");
      data_.push_back(std::move(d));
    }
    return reply_unlocked(nlohmann::json::object());
  }

  aws::HttpResponse describe_alarms(const nlohmann::json& in) {
    const int max = in.value("MaxRecords", 50);
    if (max < 1 || max > 100) return error(400, "InvalidParameterValue", "MaxRecords must be 1..100");
    const std::string prefix = in.value("AlarmNamePrefix", "");
    std::size_t offset = in.contains("NextToken") ? std::stoul(in["NextToken"].get<std::string>()) : 0;
    nlohmann::json list = nlohmann::json::array();
    std::string next;
    {
      std::lock_guard lock(mutex_);
      std::size_t index = 0;
      for (const auto& [name, alarm] : alarms_) {
        if (name.rfind(prefix, 0) != 0) continue;
        if (index >= offset && index < offset + static_cast<std::size_t>(max)) list.push_back(alarm);
        ++index;
      }
      if (offset + static_cast<std::size_t>(max) < index) next = std::to_string(offset + static_cast<std::size_t>(max));
    }
    nlohmann::json out{{"MetricAlarms", list}, {"CompositeAlarms", nlohmann::json::array()}};
    if (!next.empty()) out["NextToken"] = next;
    return reply(out, "application/x-amz-json-1.0");
  }

  aws::HttpResponse put_metric_alarm(const nlohmann::json& in) {
    nlohmann::json a = in;
    const std::string name = in.at("AlarmName");
    a["AlarmArn"] = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:" + name;
    a.erase("Tags");
    if (!a.contains("ActionsEnabled")) a["ActionsEnabled"] = true;
    a["StateValue"] = "INSUFFICIENT_DATA";
    std::lock_guard lock(mutex_);
    put_alarm_times_.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count());
    auto it = alarms_.find(name);
    if (it == alarms_.end() && in.contains("Tags")) tags_[name] = in["Tags"];
    alarms_[name] = a;
    return reply_unlocked(nlohmann::json::object());
  }

  aws::HttpResponse delete_alarms(const nlohmann::json& in) {
    const auto& names = in.at("AlarmNames");
    if (names.size() > 100) return error(400, "InvalidParameterValue", "more than 100 AlarmNames");
    std::lock_guard lock(mutex_);
    for (const auto& n : names) alarms_.erase(n.get<std::string>());
    return reply_unlocked(nlohmann::json::object());
  }

  aws::HttpResponse reply_unlocked(const nlohmann::json& body) {   // caller holds mutex_
    aws::HttpResponse r;
    r.status = 200;
    r.body = body.dump();
    r.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                 {"Date", aws::format_http_date(server_time_.value_or(std::chrono::system_clock::now()))},
                 {"x-amzn-RequestId", "fake-" + std::to_string(++request_counter_)}};
    return r;
  }

  mutable std::mutex mutex_;
  std::vector<Node> nodes_;
  int fail_page_ = -1;
  std::string fail_op_;
  std::string fail_code_;
  std::optional<aws::SystemTime> server_time_;
  std::map<std::string, long> calls_;
  std::vector<nlohmann::json> data_;
  std::vector<std::size_t> put_sizes_;
  std::vector<double> put_alarm_times_;
  std::map<std::string, nlohmann::json> alarms_;
  std::map<std::string, nlohmann::json> tags_;
  long request_counter_ = 0;
  std::chrono::milliseconds put_delay_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_concurrent_{0};
};

}  // namespace pingwatch::testing
