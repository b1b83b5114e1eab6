// SsmClient: DescribeInstanceInformation encoding, every field decoded, paging, tags.
#include <gtest/gtest.h>

#include "aws/ssm_client.h"
#include "fake_http.h"

using namespace pingwatch::aws;
using namespace pingwatch::aws::testing;
using nlohmann::json;
using pingwatch::core::PingStatus;

namespace {
json node_json(const std::string& id, const std::string& status) {
  return {{"InstanceId", id},           {"PingStatus", status},        {"LastPingDateTime", 1712910000.123},
          {"AgentVersion", "3.3.40.0"}, {"IsLatestVersion", false},    {"PlatformType", "Linux"},
          {"PlatformName", "Amazon Linux"}, {"PlatformVersion", "2023"}, {"ResourceType", "EC2Instance"},
          {"IPAddress", "10.0.0.5"},    {"ComputerName", "ip-10-0-0-5.ec2.internal"}};
}

std::string page_body(std::vector<json> nodes, const std::string& token) {
  json body = {{"InstanceInformationList", nodes}};
  if (!token.empty()) body["NextToken"] = token;
  return body.dump();
}
}  // namespace

TEST(SsmClient, EncodesFiltersAndPaging) {
  DescribeInstanceInformationRequest r;
  r.filters = {{"PingStatus", {"ConnectionLost", "Inactive"}}, {"tag:Env", {"prod"}}};
  r.max_results = 50;
  r.next_token = "tok";
  EXPECT_EQ(encode_describe_instance_information(r),
            json::parse(R"({"Filters":[{"Key":"PingStatus","Values":["ConnectionLost","Inactive"]},
                                       {"Key":"tag:Env","Values":["prod"]}],
                            "MaxResults":50,"NextToken":"tok"})"));
  DescribeInstanceInformationRequest legacy;
  legacy.instance_information_filter_list = {{"PingStatus", {"Online"}}};
  EXPECT_EQ(encode_describe_instance_information(legacy),
            json::parse(R"({"InstanceInformationFilterList":[{"key":"PingStatus","valueSet":["Online"]}]})"));
  DescribeInstanceInformationRequest both = r;
  both.instance_information_filter_list = legacy.instance_information_filter_list;
  EXPECT_THROW(encode_describe_instance_information(both), std::invalid_argument);
  EXPECT_EQ(encode_describe_instance_information({}), json::object());
}

TEST(SsmClient, DecodesEveryField) {
  json item = {{"InstanceId", "mi-0123456789abcdef0"},
               {"PingStatus", "ConnectionLost"},
               {"LastPingDateTime", 1712910000.5},
               {"AgentVersion", "3.3.40.0"},
               {"IsLatestVersion", true},
               {"PlatformType", "Windows"},
               {"PlatformName", "Microsoft Windows Server 2022"},
               {"PlatformVersion", "10.0.20348"},
               {"ActivationId", "act-1"},
               {"IamRole", "SSMServiceRole"},
               {"RegistrationDate", 1700000000},
               {"ResourceType", "ManagedInstance"},
               {"Name", "onprem-1"},
               {"IPAddress", "192.168.1.9"},
               {"ComputerName", "WIN-1"},
               {"AssociationStatus", "Success"},
               {"LastAssociationExecutionDate", 1712900000},
               {"SourceId", "mi-0123456789abcdef0"},
               {"SourceType", "AWS::SSM::ManagedInstance"}};
  auto n = decode_instance_information(item);
  EXPECT_EQ(n.instance_id, "mi-0123456789abcdef0");
  EXPECT_EQ(n.ping_status, PingStatus::ConnectionLost);
  EXPECT_EQ(n.ping_status_raw, "ConnectionLost");
  EXPECT_DOUBLE_EQ(*n.last_ping, 1712910000.5);
  EXPECT_EQ(n.agent_version, "3.3.40.0");
  EXPECT_EQ(n.is_latest_version, true);
  EXPECT_EQ(n.platform_type, "Windows");
  EXPECT_EQ(n.platform_name, "Microsoft Windows Server 2022");
  EXPECT_EQ(n.platform_version, "10.0.20348");
  EXPECT_EQ(n.activation_id, "act-1");
  EXPECT_EQ(n.iam_role, "SSMServiceRole");
  EXPECT_DOUBLE_EQ(*n.registration_date, 1700000000);
  EXPECT_EQ(n.resource_type, "ManagedInstance");
  EXPECT_EQ(n.name, "onprem-1");
  EXPECT_EQ(n.ip_address, "192.168.1.9");
  EXPECT_EQ(n.computer_name, "WIN-1");
  EXPECT_EQ(n.association_status, "Success");
  EXPECT_EQ(n.source_id, "mi-0123456789abcdef0");
  EXPECT_EQ(n.source_type, "AWS::SSM::ManagedInstance");
}

TEST(SsmClient, UnknownPingStatusIsKeptNotFatal) {
  auto n = decode_instance_information(json{{"InstanceId", "i-1"}, {"PingStatus", "Hibernating"}});
  EXPECT_EQ(n.ping_status, PingStatus::Unknown);
  EXPECT_EQ(n.ping_status_raw, "Hibernating");
  EXPECT_FALSE(n.last_ping);
}

TEST(SsmClient, WrongTypesAreMalformedResponses) {
  Harness h;
  h.http->reply_json(200, R"({"InstanceInformationList":[{"InstanceId":"i-1","LastPingDateTime":"soon"}]})");
  h.http->reply_json(200, R"({"InstanceInformationList":{"InstanceId":"i-1"}})");
  SsmClient ssm(h.config());
  for (const char* expected : {"LastPingDateTime", "InstanceInformationList"}) {
    try {
      ssm.describe_instance_information({});
      FAIL();
    } catch (const AwsError& e) {
      EXPECT_EQ(e.code, "MalformedResponse");
      EXPECT_NE(e.message.find("DescribeInstanceInformation"), std::string::npos);
      EXPECT_NE(e.message.find(expected), std::string::npos) << e.message;
    }
  }
}

TEST(SsmClient, AllPagesFollowsNextTokenAndKeepsLastServerTime) {
  Harness h;
  h.http->reply_json(200, page_body({node_json("i-1", "Online"), node_json("i-2", "Online")}, "t1"),
                     date_header(test_epoch()));
  h.http->reply_json(200, page_body({node_json("i-3", "ConnectionLost")}, "t2"),
                     date_header(test_epoch() + std::chrono::seconds(1)));
  h.http->reply_json(200, page_body({node_json("i-4", "Inactive")}, ""),
                     date_header(test_epoch() + std::chrono::seconds(2)));
  SsmClient ssm(h.config());
  DescribeInstanceInformationRequest r;
  r.max_results = 2;
  auto snap = ssm.describe_all_instance_information(r);
  ASSERT_EQ(snap.nodes.size(), 4u);
  EXPECT_EQ(snap.nodes[3].instance_id, "i-4");
  EXPECT_EQ(snap.nodes[2].ping_status, PingStatus::ConnectionLost);
  EXPECT_TRUE(snap.complete);
  EXPECT_DOUBLE_EQ(snap.server_time, 1712910422.0);
  ASSERT_EQ(h.http->requests.size(), 3u);
  EXPECT_EQ(json::parse(h.http->requests[0].body), json::parse(R"({"MaxResults":2})"));
  EXPECT_EQ(json::parse(h.http->requests[1].body), json::parse(R"({"MaxResults":2,"NextToken":"t1"})"));
  EXPECT_EQ(json::parse(h.http->requests[2].body), json::parse(R"({"MaxResults":2,"NextToken":"t2"})"));
}

TEST(SsmClient, PageCallbackCanStopAndMaxPagesLimits) {
  Harness h;
  h.http->reply_json(200, page_body({node_json("i-1", "Online")}, "t1"));
  h.http->reply_json(200, page_body({node_json("i-2", "Online")}, "t2"));
  SsmClient ssm(h.config());
  int seen = 0;
  EXPECT_EQ(ssm.for_each_instance_information_page({}, [&](const auto&) { return ++seen < 2; }), 2);
  EXPECT_EQ(seen, 2);
  h.http->reply_json(200, page_body({node_json("i-1", "Online")}, "t1"));
  EXPECT_EQ(ssm.for_each_instance_information_page({}, [&](const auto&) { return true; }, 1), 1);
}

TEST(SsmClient, RepeatedNextTokenStopsWithAnError) {
  Harness h;
  h.http->reply_json(200, page_body({node_json("i-1", "Online")}, "same"));
  h.http->reply_json(200, page_body({node_json("i-2", "Online")}, "same"));
  SsmClient ssm(h.config());
  try {
    ssm.describe_all_instance_information();
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "MalformedResponse");
    EXPECT_NE(e.message.find("NextToken repeated"), std::string::npos);
  }
}

TEST(SsmClient, ListTagsForResource) {
  Harness h;
  h.http->reply_json(200, R"({"TagList":[{"Key":"Name","Value":"web-1"},{"Key":"Env","Value":"東京"}]})");
  SsmClient ssm(h.config());
  auto tags = ssm.list_tags_for_resource("ManagedInstance", "mi-1");
  EXPECT_EQ(tags.at("Name"), "web-1");
  EXPECT_EQ(tags.at("Env"), "東京");
  EXPECT_EQ(json::parse(h.http->requests[0].body), json::parse(R"({"ResourceType":"ManagedInstance","ResourceId":"mi-1"})"));
  EXPECT_EQ(*find_header(h.http->requests[0].headers, "X-Amz-Target"), "AmazonSSM.ListTagsForResource");
}

namespace {
const std::string kThrottled = R"({"__type":"ThrottlingException","message":"Rate exceeded"})";
}  // namespace

TEST(SsmClient, AListingUnderWayResumesAPageThatFailedAfterTheRetries) {
  Harness h;
  h.http->reply_json(200, page_body({node_json("i-1", "Online")}, "t1"));
  for (int i = 0; i < 3; ++i) h.http->reply_json(400, kThrottled);   // the SDK's 3 attempts of page 2
  h.http->fail(TransportError::Kind::Connect, "connection reset");  // first resume: transport error
  h.http->reply_json(503, R"({"__type":"ServiceUnavailable","message":"busy"})");
  h.http->reply_json(200, page_body({node_json("i-2", "Online")}, ""));
  SsmClient ssm(h.config());
  const auto snap = ssm.describe_all_instance_information();
  ASSERT_EQ(snap.nodes.size(), 2u);
  EXPECT_EQ(snap.nodes[1].instance_id, "i-2");
  // Every request after the first asked for page 2 again, with the same NextToken.
  for (std::size_t i = 1; i < h.http->requests.size(); ++i) {
    EXPECT_EQ(json::parse(h.http->requests[i].body).value("NextToken", ""), "t1");
  }
  // Page 1, the SDK's 3 attempts of page 2, then one resume whose own attempts get through on the third.
  EXPECT_EQ(h.http->requests.size(), 7u);
}

TEST(SsmClient, TheFirstPageAndRefusalsAreNotResumed) {
  Harness h;
  for (int i = 0; i < 3; ++i) h.http->reply_json(400, kThrottled);
  SsmClient ssm(h.config());
  EXPECT_THROW(ssm.describe_all_instance_information(), AwsError);
  EXPECT_EQ(h.http->requests.size(), 3u);   // the SDK's attempts only: a first page that fails is reported at once

  Harness d;
  d.http->reply_json(200, page_body({node_json("i-1", "Online")}, "t1"));
  d.http->reply_json(400, R"({"__type":"AccessDeniedException","message":"no"})");
  SsmClient denied(d.config());
  EXPECT_THROW(denied.describe_all_instance_information(), AwsError);
  EXPECT_EQ(d.http->requests.size(), 2u);
}

TEST(SsmClient, APageThatKeepsFailingEndsTheListingAfterThreeResumes) {
  Harness h;
  h.http->reply_json(200, page_body({node_json("i-1", "Online")}, "t1"));
  for (int i = 0; i < 3 * (1 + SsmClient::kListingResumes); ++i) h.http->reply_json(400, kThrottled);
  SsmClient ssm(h.config());
  int pages = 0;
  try {
    ssm.for_each_instance_information_page({}, [&](const auto&) { return ++pages > 0; });
    FAIL() << "a page that never succeeds must end the listing";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "ThrottlingException");
  }
  EXPECT_EQ(pages, 1);
  EXPECT_EQ(h.http->requests.size(), 1u + 3u * (1 + SsmClient::kListingResumes));
}
