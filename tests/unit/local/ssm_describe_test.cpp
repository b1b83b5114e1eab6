// The local SSM service's DescribeInstanceInformation and tag operations, called directly.
#include <unistd.h>

#include <gtest/gtest.h>

#include <ctime>
#include <set>

#include "local/ssm/ssm_service.h"

namespace pingwatch::local {
namespace {

constexpr double kStart = 1712908800;

struct Fixture {
  StackContext context;
  std::shared_ptr<fleet::Fleet> fleet;
  std::unique_ptr<SsmService> ssm;
  explicit Fixture(std::size_t nodes, const std::string& fleet_json = "") {
    context.clock = std::make_shared<SimClock>(kStart, 60);
    fleet::FleetOptions options;
    options.nodes = nodes;
    options.seed = 7;
    if (!fleet_json.empty()) {
      options.fleet_file = ::testing::TempDir() + "/pw_ssm_fleet-" + std::to_string(::getpid()) + ".json";
      FILE* f = std::fopen(options.fleet_file.c_str(), "w");
      std::fputs(fleet_json.c_str(), f);
      std::fclose(f);
    }
    fleet = std::make_shared<fleet::Fleet>(options, kStart);
    ssm = make_ssm_service_with_fleet(context, fleet);
  }
  nlohmann::json describe(const nlohmann::json& input, double now = kStart) { return ssm->describe_instance_information(input, now); }
};

std::string error_code(const std::function<void()>& call, std::string* message = nullptr) {
  try {
    call();
  } catch (const ServiceError& e) {
    if (message) *message = e.what();
    return e.code;
  }
  return "";
}

std::set<std::string> page_all(Fixture& fx, nlohmann::json input, std::size_t* pages = nullptr) {
  std::set<std::string> seen;
  std::size_t count = 0;
  for (int guard = 0; guard < 10000; ++guard) {
    auto out = fx.describe(input);
    ++count;
    for (const auto& node : out["InstanceInformationList"]) {
      EXPECT_TRUE(seen.insert(node["InstanceId"].get<std::string>()).second) << "duplicate " << node["InstanceId"];
    }
    if (!out.contains("NextToken")) break;
    input["NextToken"] = out["NextToken"];
  }
  if (pages) *pages = count;
  return seen;
}

TEST(SsmDescribe, DefaultPageIsTenAndPagingSeesEveryNodeOnce) {
  Fixture fx(123);
  auto first = fx.describe(nlohmann::json::object());
  EXPECT_EQ(first["InstanceInformationList"].size(), 10u);
  EXPECT_TRUE(first.contains("NextToken"));
  std::size_t pages = 0;
  EXPECT_EQ(page_all(fx, {{"MaxResults", 50}}, &pages).size(), 123u);
  EXPECT_EQ(pages, 3u);   // 50 + 50 + 23, no trailing empty page
}

TEST(SsmDescribe, MaxResultsValidatedWithAwsText) {
  Fixture fx(5);
  std::string message;
  EXPECT_EQ(error_code([&] { fx.describe({{"MaxResults", 60}}); }, &message), "ValidationException");
  EXPECT_EQ(message, "1 validation error detected: Value '60' at 'maxResults' failed to satisfy constraint: "
                     "Member must have value less than or equal to 50");
  EXPECT_EQ(error_code([&] { fx.describe({{"MaxResults", 4}}); }, &message), "ValidationException");
  EXPECT_EQ(message, "1 validation error detected: Value '4' at 'maxResults' failed to satisfy constraint: "
                     "Member must have value greater than or equal to 5");
  EXPECT_EQ(error_code([&] { fx.describe({{"MaxResults", "ten"}}); }), "SerializationException");
}

TEST(SsmDescribe, InvalidOrForeignNextTokenIsRefused) {
  Fixture fx(30);
  EXPECT_EQ(error_code([&] { fx.describe({{"NextToken", "garbage!"}}); }), "InvalidNextToken");
  auto page = fx.describe({{"MaxResults", 5}});
  // A token issued without filters is not valid for a filtered listing.
  EXPECT_EQ(error_code([&] {
              fx.describe({{"NextToken", page["NextToken"]},
                           {"Filters", {{{"Key", "PingStatus"}, {"Values", {"Online"}}}}}});
            }),
            "InvalidNextToken");
}

TEST(SsmDescribe, EveryFieldIsThere) {
  Fixture fx(0, R"({"nodes":[{"id":"i-0572676272d863124","platform":"windows-2022","association_status":"Success"},
                             {"id":"mi-0123456789abcdef0","platform":"ubuntu-22.04","name":"onprem-db","iam_role":"SSMServiceRole"}]})");
  auto out = fx.describe(nlohmann::json::object(), kStart + 30);
  ASSERT_EQ(out["InstanceInformationList"].size(), 2u);
  const auto& ec2 = out["InstanceInformationList"][0];
  EXPECT_EQ(ec2["InstanceId"], "i-0572676272d863124");
  EXPECT_EQ(ec2["PingStatus"], "Online");
  EXPECT_TRUE(ec2["LastPingDateTime"].is_number());
  EXPECT_EQ(ec2["PlatformType"], "Windows");
  EXPECT_EQ(ec2["ResourceType"], "EC2Instance");
  EXPECT_EQ(ec2["SourceType"], "AWS::EC2::Instance");
  EXPECT_EQ(ec2["SourceId"], "i-0572676272d863124");
  EXPECT_EQ(ec2["AssociationStatus"], "Success");
  EXPECT_TRUE(ec2.contains("AgentVersion") && ec2.contains("IsLatestVersion") && ec2.contains("PlatformName") &&
              ec2.contains("PlatformVersion") && ec2.contains("IPAddress") && ec2.contains("ComputerName"));
  EXPECT_FALSE(ec2.contains("IamRole"));   // not reported for EC2 instances
  const auto& hybrid = out["InstanceInformationList"][1];
  EXPECT_EQ(hybrid["ResourceType"], "ManagedInstance");
  EXPECT_EQ(hybrid["Name"], "onprem-db");
  EXPECT_EQ(hybrid["IamRole"], "SSMServiceRole");
  EXPECT_TRUE(hybrid["RegistrationDate"].is_number());
  EXPECT_TRUE(hybrid.contains("ActivationId"));
  EXPECT_EQ(hybrid["SourceType"], "AWS::SSM::ManagedInstance");
  // The request path writes the reply as text directly: it must be the same document.
  EXPECT_EQ(nlohmann::json::parse(fx.ssm->describe_instance_information_text(nlohmann::json::object(), kStart + 30)), out);
}

TEST(SsmDescribe, TextReplyEqualsDocumentForAPagedFleet) {
  Fixture fx(60);
  fx.fleet->apply_fault(fx.fleet->nodes()[4].id, fleet::Fault::NetworkBlock, kStart);
  nlohmann::json input = {{"MaxResults", 25}};
  for (int page = 0; page < 3; ++page) {
    const auto doc = fx.describe(input, kStart + 1234.5678);
    EXPECT_EQ(nlohmann::json::parse(fx.ssm->describe_instance_information_text(input, kStart + 1234.5678)), doc);
    if (!doc.contains("NextToken")) break;
    input["NextToken"] = doc["NextToken"];
  }
}

TEST(SsmDescribe, FiltersSelectNodes) {
  Fixture fx(0, R"({"nodes":[
      {"id":"i-00000000000000001","platform":"amazon-linux-2023","tags":{"Env":"prod","Team":"a"}},
      {"id":"i-00000000000000002","platform":"windows-2022","tags":{"Env":"dev"}},
      {"id":"i-00000000000000003","platform":"ubuntu-22.04","tags":{"Env":"prod"}},
      {"id":"mi-00000000000000004","platform":"ubuntu-22.04","iam_role":"HybridRole","activation_id":"act-1"}]})");
  fx.fleet->apply_fault("i-00000000000000003", fleet::Fault::AgentStop, kStart);
  const double later = kStart + 3600;
  auto ids = [&](const nlohmann::json& input) {
    std::vector<std::string> out;
    const auto reply = fx.describe(input, later);
    for (const auto& n : reply["InstanceInformationList"]) out.push_back(n["InstanceId"]);
    return out;
  };
  using V = std::vector<std::string>;
  auto filter = [](const std::string& key, V values) { return nlohmann::json{{"Filters", {{{"Key", key}, {"Values", values}}}}}; };
  EXPECT_EQ(ids(filter("PingStatus", {"ConnectionLost"})), V{"i-00000000000000003"});
  EXPECT_EQ(ids(filter("PlatformTypes", {"Windows"})), V{"i-00000000000000002"});
  EXPECT_EQ(ids(filter("ResourceType", {"ManagedInstance"})), V{"mi-00000000000000004"});
  EXPECT_EQ(ids(filter("tag-key", {"Team"})), V{"i-00000000000000001"});
  EXPECT_EQ(ids(filter("tag:Env", {"prod"})), (V{"i-00000000000000001", "i-00000000000000003"}));
  EXPECT_EQ(ids(filter("InstanceIds", {"i-00000000000000002", "i-0ffffffffffffffff"})), V{"i-00000000000000002"});
  EXPECT_EQ(ids(filter("IamRole", {"HybridRole"})), V{"mi-00000000000000004"});
  EXPECT_EQ(ids(filter("ActivationIds", {"act-1"})), V{"mi-00000000000000004"});
  EXPECT_EQ(ids(filter("SourceTypes", {"AWS::SSM::ManagedInstance"})), V{"mi-00000000000000004"});
  EXPECT_EQ(ids(filter("AgentVersion", {"0.0.0.0"})), V{});
  // Two non-tag filters are ANDed.
  nlohmann::json both = {{"Filters", {{{"Key", "PingStatus"}, {"Values", {"Online"}}}, {{"Key", "PlatformTypes"}, {"Values", {"Linux"}}}}}};
  EXPECT_EQ(ids(both), (V{"i-00000000000000001", "mi-00000000000000004"}));
  // The legacy list works the same way.
  nlohmann::json legacy = {{"InstanceInformationFilterList", {{{"key", "PingStatus"}, {"valueSet", {"ConnectionLost"}}}}}};
  EXPECT_EQ(ids(legacy), V{"i-00000000000000003"});
}

TEST(SsmDescribe, FilterErrorsAsAws) {
  Fixture fx(3);
  std::string message;
  auto filter = [](const std::string& key, std::vector<std::string> values) {
    return nlohmann::json{{"Filters", {{{"Key", key}, {"Values", values}}}}};
  };
  EXPECT_EQ(error_code([&] { fx.describe(filter("ResourceType", {"EC2Instance", "ManagedInstance"})); }, &message),
            "InvalidInstanceInformationFilterValue");
  EXPECT_EQ(message, "ResourceType filter may contain only one value.");
  EXPECT_EQ(error_code([&] { fx.describe(filter("ResourceType", {"Document"})); }, &message),
            "InvalidInstanceInformationFilterValue");
  EXPECT_EQ(message, "ResourceType filter is invalid, valid values are EC2Instance, ManagedInstance");
  EXPECT_EQ(error_code([&] { fx.describe(filter("PingStatus", {"Offline"})); }), "InvalidInstanceInformationFilterValue");
  EXPECT_EQ(error_code([&] { fx.describe(filter("Colour", {"blue"})); }), "InvalidFilterKey");
  EXPECT_EQ(error_code([&] { fx.describe(filter("InstanceIds", {"not-an-id"})); }), "InvalidInstanceId");
  EXPECT_EQ(error_code([&] { fx.describe(filter("PingStatus", {})); }, &message), "ValidationException");
  EXPECT_NE(message.find("'filters.1.member.values'"), std::string::npos);
  nlohmann::json mixed = {{"Filters", {{{"Key", "tag:Env"}, {"Values", {"prod"}}}, {{"Key", "PingStatus"}, {"Values", {"Online"}}}}}};
  EXPECT_EQ(error_code([&] { fx.describe(mixed); }, &message), "ValidationException");
  EXPECT_EQ(message, "Cannot mix tag or inventory filter with any other filter.");
  nlohmann::json both = {{"Filters", {{{"Key", "PingStatus"}, {"Values", {"Online"}}}}},
                         {"InstanceInformationFilterList", {{{"key", "PingStatus"}, {"valueSet", {"Online"}}}}}};
  EXPECT_EQ(error_code([&] { fx.describe(both); }), "ValidationException");
  nlohmann::json bad_legacy = {{"InstanceInformationFilterList", {{{"key", "tag:Env"}, {"valueSet", {"x"}}}}}};
  EXPECT_EQ(error_code([&] { fx.describe(bad_legacy); }, &message), "ValidationException");
  EXPECT_NE(message.find("Member must satisfy enum value set"), std::string::npos);
}

TEST(SsmDescribe, FilteredPagingSeesEveryMatchOnce) {
  Fixture fx(500);
  // Stop a third of the agents; page through ConnectionLost nodes only.
  std::size_t stopped = 0;
  for (std::size_t i = 0; i < fx.fleet->nodes().size(); i += 3, ++stopped) {
    fx.fleet->apply_fault(fx.fleet->nodes()[i].id, fleet::Fault::AgentStop, kStart);
  }
  nlohmann::json input = {{"MaxResults", 7}, {"Filters", {{{"Key", "PingStatus"}, {"Values", {"ConnectionLost"}}}}}};
  std::set<std::string> seen;
  for (int guard = 0; guard < 1000; ++guard) {
    auto out = fx.describe(input, kStart + 3600);
    for (const auto& n : out["InstanceInformationList"]) {
      EXPECT_EQ(n["PingStatus"], "ConnectionLost");
      seen.insert(n["InstanceId"]);
    }
    if (!out.contains("NextToken")) break;
    input["NextToken"] = out["NextToken"];
  }
  EXPECT_EQ(seen.size(), stopped);
}

TEST(SsmDescribe, StoppedTerminatedAndDeregisteredNodesAreNotListed) {
  Fixture fx(20);
  const auto& nodes = fx.fleet->nodes();
  fx.fleet->apply_fault(nodes[0].id, fleet::Fault::Stop, kStart);
  fx.fleet->apply_fault(nodes[1].id, fleet::Fault::Terminate, kStart);
  fx.fleet->apply_fault(nodes[2].id, fleet::Fault::Deregister, kStart);
  const auto seen = page_all(fx, {{"MaxResults", 50}});
  EXPECT_EQ(seen.size(), 17u);
  EXPECT_FALSE(seen.count(nodes[0].id) || seen.count(nodes[1].id) || seen.count(nodes[2].id));
}

TEST(SsmTags, AddListRemoveOnManagedNodes) {
  Fixture fx(0, R"({"nodes":[{"id":"mi-0123456789abcdef0","platform":"ubuntu-22.04"},{"id":"i-0572676272d863124"}]})");
  nlohmann::json target = {{"ResourceType", "ManagedInstance"}, {"ResourceId", "mi-0123456789abcdef0"}};
  auto add = target;
  add["Tags"] = {{{"Key", "Env"}, {"Value", "prod"}}, {{"Key", "Owner"}, {"Value", "ops"}}};
  fx.ssm->add_tags_to_resource(add);
  auto listed = fx.ssm->list_tags_for_resource(target);
  ASSERT_EQ(listed["TagList"].size(), 2u);
  EXPECT_EQ(listed["TagList"][0]["Key"], "Env");
  auto filtered = fx.describe({{"Filters", {{{"Key", "tag:Env"}, {"Values", {"prod"}}}}}});
  ASSERT_EQ(filtered["InstanceInformationList"].size(), 1u);
  auto remove = target;
  remove["TagKeys"] = {"Env"};
  fx.ssm->remove_tags_from_resource(remove);
  EXPECT_EQ(fx.ssm->list_tags_for_resource(target)["TagList"].size(), 1u);
  EXPECT_EQ(error_code([&] {
              fx.ssm->list_tags_for_resource({{"ResourceType", "ManagedInstance"}, {"ResourceId", "mi-0000000000000000f"}});
            }),
            "InvalidResourceId");
  EXPECT_EQ(error_code([&] { fx.ssm->list_tags_for_resource({{"ResourceType", "Bucket"}, {"ResourceId", "x"}}); }),
            "ValidationException");
  auto too_many = target;
  too_many["Tags"] = nlohmann::json::array();
  for (int i = 0; i < 60; ++i) too_many["Tags"].push_back({{"Key", "k" + std::to_string(i)}, {"Value", "v"}});
  EXPECT_EQ(error_code([&] { fx.ssm->add_tags_to_resource(too_many); }), "TooManyTagsError");
}

TEST(SsmDescribe, PagingAHundredThousandNodesFollowsTheToken) {
  // 100,000 nodes: pages from deep inside the list resume from the token's id (a binary search), so 2,000
  // pages cover the fleet exactly once. CPU time, with a bound generous enough for sanitizer builds.
  Fixture fx(100000);   // generation dominates this test's time in a Debug build
  ASSERT_EQ(fx.fleet->nodes().size(), 100000u);
  const std::clock_t cpu0 = std::clock();
  nlohmann::json input = {{"MaxResults", 50}};
  std::size_t seen = 0, pages = 0;
  std::string last;
  while (pages < 2100) {
    const auto out = nlohmann::json::parse(fx.ssm->describe_instance_information_text(input, kStart));
    ++pages;
    for (const auto& n : out["InstanceInformationList"]) {
      EXPECT_LT(last, n["InstanceId"].get<std::string>());
      last = n["InstanceId"];
      ++seen;
    }
    if (!out.contains("NextToken")) break;
    input["NextToken"] = out["NextToken"];
  }
  EXPECT_EQ(seen, 100000u);
  EXPECT_EQ(pages, 2000u);
  const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  EXPECT_LT(cpu, 60.0) << "2000 pages took " << cpu << " CPU s";
}

// A fleet file can make a node report values SSM does not document (a future platform type or ping status), so a
// listing's coverage of unforeseen values can be tested. They are reported as they are and matched exactly, while
// the filters still refuse them as values, as AWS documents (only Windows | Linux | MacOS, Online | ConnectionLost | Inactive).
TEST(SsmDescribe, FleetFileNodesCanReportUndocumentedPlatformTypeAndPingStatus) {
  Fixture fx(0, R"({"nodes": [
    {"id": "i-0aaaaaaaaaaaaaaa1", "platform": "amazon-linux-2023", "platform_type": "Plan9"},
    {"id": "i-0aaaaaaaaaaaaaaa2", "platform": "ubuntu-22.04", "ping_status": "Hibernating"},
    {"id": "i-0aaaaaaaaaaaaaaa3", "platform": "ubuntu-22.04"}]})");
  auto all = fx.describe({{"MaxResults", 50}})["InstanceInformationList"];
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["PlatformType"], "Plan9");
  EXPECT_EQ(all[0]["PingStatus"], "Online");
  EXPECT_EQ(all[1]["PingStatus"], "Hibernating");
  EXPECT_EQ(all[1]["PlatformType"], "Linux");
  auto online = fx.describe({{"Filters", {{{"Key", "PingStatus"}, {"Values", {"Online", "ConnectionLost"}}}}}})["InstanceInformationList"];
  EXPECT_EQ(online.size(), 2u) << "a Hibernating node matches no documented status";
  auto linux_nodes = fx.describe({{"Filters", {{{"Key", "PlatformType"}, {"Values", {"Linux", "Windows", "MacOS"}}}}}})["InstanceInformationList"];
  EXPECT_EQ(linux_nodes.size(), 2u) << "a Plan9 node matches no documented platform type";
  EXPECT_EQ(error_code([&] { fx.describe({{"Filters", {{{"Key", "PlatformType"}, {"Values", {"Plan9"}}}}}}); }),
            "InvalidInstanceInformationFilterValue");
  EXPECT_EQ(error_code([&] { fx.describe({{"Filters", {{{"Key", "PingStatus"}, {"Values", {"Hibernating"}}}}}}); }),
            "InvalidInstanceInformationFilterValue");
}

}  // namespace
}  // namespace pingwatch::local
