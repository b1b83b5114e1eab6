#pragma once
// An AWS Organization behind one aws::HttpClient: Organizations ListAccounts (paged, 20 at most a page, as the
// model's MaxResults), STS AssumeRole / GetCallerIdentity (awsQuery XML) and SNS Publish for the home account,
// and one FakeAws (SSM + CloudWatch) per (account, region), chosen by the request's SigV4 credential scope:
// the access key tells the account (AKIDHOME = the home account, ASIA<account> = a role assumed in it), the
// scope's region the region.
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "aws/http.h"
#include "aws/http_date.h"
#include "unit/monitor/fake_aws.h"

namespace pingwatch::testing {

class FakeOrganization : public aws::HttpClient {
 public:
  struct Account {
    std::string id, name, state = "ACTIVE";
    bool use_legacy_status = false;   // answer with Status only (older replies), not State
  };
  static constexpr const char* kHome = "123456789012";
  std::string role_name = "PingwatchMember";

  void add_account(Account a, const std::vector<std::string>& regions, bool has_role = true) {
    std::lock_guard lock(mutex_);
    for (const auto& r : regions) fleets_[{a.id, r}] = std::make_shared<FakeAws>();
    if (has_role) roles_.insert(a.id);
    accounts_.push_back(std::move(a));
  }
  std::shared_ptr<FakeAws> fleet(const std::string& account, const std::string& region) {
    std::lock_guard lock(mutex_);
    return fleets_.at({account, region});
  }
  void set_role(const std::string& account, bool exists) {
    std::lock_guard lock(mutex_);
    if (exists) roles_.insert(account);
    else roles_.erase(account);
  }
  long list_accounts_calls() const { std::lock_guard lock(mutex_); return list_calls_; }
  long assume_calls(const std::string& account) const {
    std::lock_guard lock(mutex_);
    auto it = assume_calls_.find(account);
    return it == assume_calls_.end() ? 0 : it->second;
  }
  struct Published { std::string subject, message; };
  std::vector<Published> published() const { std::lock_guard lock(mutex_); return published_; }

  aws::HttpResponse send(const aws::HttpRequest& request) override {
    const auto scope = credential_scope(request);
    if (scope.service == "organizations") return organizations(request, scope);
    if (scope.service == "sts" || scope.service == "sns") return query(request, scope);
    std::shared_ptr<FakeAws> fleet;
    {
      std::lock_guard lock(mutex_);
      auto it = fleets_.find({account_of_key(scope.key), scope.region});
      if (it == fleets_.end()) return xml(400, error_xml("UnrecognizedClientException", "no fleet for " + scope.key + " " + scope.region));
      fleet = it->second;
    }
    return fleet->send(request);
  }

 private:
  struct Scope { std::string key, region, service; };

  static Scope credential_scope(const aws::HttpRequest& request) {
    const std::string* auth = aws::find_header(request.headers, "Authorization");
    Scope s;
    if (!auth) return s;
    const auto start = auth->find("Credential=") + 11;
    std::vector<std::string> parts;
    std::string part;
    for (std::size_t i = start; i < auth->size() && (*auth)[i] != ','; ++i) {
      if ((*auth)[i] == '/') parts.push_back(std::exchange(part, {}));
      else part += (*auth)[i];
    }
    parts.push_back(part);
    if (parts.size() >= 4) s = Scope{parts[0], parts[2], parts[3]};
    return s;
  }
  static std::string account_of_key(const std::string& key) { return key.rfind("ASIA", 0) == 0 ? key.substr(4) : kHome; }

  static std::string url_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i] == '+' ? ' ' : s[i];
      }
    }
    return out;
  }
  static std::map<std::string, std::string> form(const std::string& body) {
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos <= body.size()) {
      const auto amp = body.find('&', pos);
      const std::string kv = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      const auto eq = kv.find('=');
      if (eq != std::string::npos) out[url_decode(kv.substr(0, eq))] = url_decode(kv.substr(eq + 1));
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
    return out;
  }
  static std::string error_xml(const std::string& code, const std::string& message) {
    return "<ErrorResponse><Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message +
           "</Message></Error><RequestId>r</RequestId></ErrorResponse>";
  }
  static aws::HttpResponse xml(int status, const std::string& body) {
    return aws::HttpResponse{status, {{"Content-Type", "text/xml"}, {"Date", aws::format_http_date(std::chrono::system_clock::now())}}, body};
  }
  static aws::HttpResponse json_reply(int status, const nlohmann::json& body) {
    return aws::HttpResponse{status, {{"Content-Type", "application/x-amz-json-1.1"}}, body.dump()};
  }

  aws::HttpResponse organizations(const aws::HttpRequest& request, const Scope& scope) {
    const std::string* target = aws::find_header(request.headers, "X-Amz-Target");
    if (!target || *target != "AWSOrganizationsV20161128.ListAccounts") {
      return json_reply(400, {{"__type", "InvalidInputException"}, {"Message", "unexpected target"}});
    }
    if (account_of_key(scope.key) != kHome) {
      return json_reply(400, {{"__type", "AccessDeniedException"}, {"Message", "not the management account"}});
    }
    const auto in = nlohmann::json::parse(request.body.empty() ? "{}" : request.body);
    const int max = in.value("MaxResults", 20);
    if (max < 1 || max > 20) return json_reply(400, {{"__type", "InvalidInputException"}, {"Message", "MaxResults 1..20"}});
    std::lock_guard lock(mutex_);
    ++list_calls_;
    const std::size_t offset = in.contains("NextToken") ? std::stoul(in["NextToken"].get<std::string>()) : 0;
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t i = offset; i < accounts_.size() && i < offset + static_cast<std::size_t>(max); ++i) {
      const auto& a = accounts_[i];
      nlohmann::json item = {{"Id", a.id}, {"Arn", "arn:aws:organizations::" + std::string(kHome) + ":account/o-exampleorgid/" + a.id},
                             {"Email", a.id + "@example.com"}, {"Name", a.name}, {"Status", a.state == "CLOSED" ? "SUSPENDED" : a.state},
                             {"JoinedMethod", "CREATED"}, {"JoinedTimestamp", 1.7e9}};
      if (!a.use_legacy_status) item["State"] = a.state;
      list.push_back(std::move(item));
    }
    nlohmann::json out = {{"Accounts", list}};
    if (offset + static_cast<std::size_t>(max) < accounts_.size()) out["NextToken"] = std::to_string(offset + static_cast<std::size_t>(max));
    return json_reply(200, out);
  }

  aws::HttpResponse query(const aws::HttpRequest& request, const Scope& scope) {
    auto params = form(request.body);
    const std::string& action = params["Action"];
    const std::string caller = account_of_key(scope.key);
    std::lock_guard lock(mutex_);
    if (action == "GetCallerIdentity") {
      return xml(200, "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::" + caller +
                          ":assumed-role/x/y</Arn><UserId>AROA</UserId><Account>" + caller +
                          "</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>");
    }
    if (action == "Publish") {
      published_.push_back({params["Subject"], params["Message"]});
      return xml(200, "<PublishResponse><PublishResult><MessageId>m-" + std::to_string(published_.size()) +
                          "</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>");
    }
    if (action != "AssumeRole") return xml(400, error_xml("InvalidAction", action));
    // arn:aws:iam::<account>:role/<name>
    const std::string arn = params["RoleArn"];
    const std::string account = arn.size() > 25 ? arn.substr(13, 12) : "";
    ++assume_calls_[account];
    if (caller != kHome || !roles_.count(account) || arn != "arn:aws:iam::" + account + ":role/" + role_name) {
      return xml(403, error_xml("AccessDenied", "User: arn:aws:sts::" + caller + ":assumed-role/PingwatchWatchRole/x is not authorized to perform: sts:AssumeRole on resource: " + arn));
    }
    const auto expires = std::chrono::system_clock::now() + std::chrono::hours(1);
    const std::time_t tt = std::chrono::system_clock::to_time_t(expires);
    char iso[32];
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xml(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA" + account +
                        "</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>" + iso +
                        "</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::" + account + ":assumed-role/" + role_name +
                        "/pingwatch-watch</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>"
                        "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>");
  }

  mutable std::mutex mutex_;
  std::vector<Account> accounts_;
  std::set<std::string> roles_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<FakeAws>> fleets_;
  long list_calls_ = 0;
  std::map<std::string, long> assume_calls_;
  std::vector<Published> published_;
};

}  // namespace pingwatch::testing
