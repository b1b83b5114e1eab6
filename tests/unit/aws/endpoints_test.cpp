// Region and endpoint resolution with a fake environment and temporary config files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "aws/endpoints.h"

using namespace pingwatch::aws;
namespace fs = std::filesystem;

namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  GetEnv fn() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

class EndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pingwatch-endpoints-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    env_.vars["HOME"] = dir_.string();   // no real ~/.aws leaks in
    env_.vars["AWS_CONFIG_FILE"] = (dir_ / "config").string();
    env_.vars["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "credentials").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write_config(const std::string& text) { std::ofstream(dir_ / "config") << text; }

  fs::path dir_;
  FakeEnv env_;
  ServiceInfo ssm_{"ssm", "ssm", "SSM", "ssm"};
  ServiceInfo cw_{"monitoring", "monitoring", "CLOUDWATCH", "cloudwatch"};
};

}  // namespace

TEST_F(EndpointsTest, DefaultEndpointsPerPartition) {
  EndpointInputs in{"ap-northeast-1", std::nullopt, "", env_.fn()};
  EXPECT_EQ(resolve_endpoint(ssm_, in), "https://ssm.ap-northeast-1.amazonaws.com");
  in.region = "cn-north-1";
  EXPECT_EQ(resolve_endpoint(cw_, in), "https://monitoring.cn-north-1.amazonaws.com.cn");
  in.region = "us-gov-west-1";
  EXPECT_EQ(resolve_endpoint(ssm_, in), "https://ssm.us-gov-west-1.amazonaws.com");
}

TEST_F(EndpointsTest, PrecedenceFlagThenServiceEnvThenGlobalEnvThenProfile) {
  write_config(
      "[default]\nregion = eu-west-1\nendpoint_url = http://profile-global:1\nservices = local\n"
      "[services local]\ncloudwatch =\n  endpoint_url = http://profile-cw:2\n");
  EndpointInputs in{"us-east-1", std::nullopt, "", env_.fn()};
  EXPECT_EQ(resolve_endpoint(cw_, in), "http://profile-cw:2");
  EXPECT_EQ(resolve_endpoint(ssm_, in), "http://profile-global:1");
  env_.vars["AWS_ENDPOINT_URL"] = "http://env-global:3";
  EXPECT_EQ(resolve_endpoint(cw_, in), "http://env-global:3");
  env_.vars["AWS_ENDPOINT_URL_CLOUDWATCH"] = "http://env-cw:4";
  EXPECT_EQ(resolve_endpoint(cw_, in), "http://env-cw:4");
  EXPECT_EQ(resolve_endpoint(ssm_, in), "http://env-global:3");
  in.endpoint_url = "http://flag:5";
  EXPECT_EQ(resolve_endpoint(cw_, in), "http://flag:5");
}

TEST_F(EndpointsTest, IgnoreConfiguredEndpointUrls) {
  write_config("[default]\nendpoint_url = http://profile-global:1\n");
  env_.vars["AWS_ENDPOINT_URL_SSM"] = "http://env-ssm:1";
  env_.vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EndpointInputs in{"us-east-1", std::nullopt, "", env_.fn()};
  EXPECT_EQ(resolve_endpoint(ssm_, in), "https://ssm.us-east-1.amazonaws.com");
  in.endpoint_url = "http://flag:5";   // the command-line flag is not "configured": it still wins
  EXPECT_EQ(resolve_endpoint(ssm_, in), "http://flag:5");

  env_.vars.erase("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  env_.vars.erase("AWS_ENDPOINT_URL_SSM");
  write_config("[default]\nendpoint_url = http://profile-global:1\nignore_configured_endpoint_urls = true\n");
  EndpointInputs in2{"us-east-1", std::nullopt, "", env_.fn()};
  EXPECT_EQ(resolve_endpoint(ssm_, in2), "https://ssm.us-east-1.amazonaws.com");
}

TEST_F(EndpointsTest, NamedProfileEndpoint) {
  write_config("[profile local]\nendpoint_url = http://127.0.0.1:4566\n[local]\nendpoint_url = http://wrong\n");
  EndpointInputs in{"us-east-1", std::nullopt, "local", env_.fn()};
  EXPECT_EQ(resolve_endpoint(ssm_, in), "http://127.0.0.1:4566");
  env_.vars["AWS_PROFILE"] = "local";
  EndpointInputs via_env{"us-east-1", std::nullopt, "", env_.fn()};
  EXPECT_EQ(resolve_endpoint(ssm_, via_env), "http://127.0.0.1:4566");
}

TEST_F(EndpointsTest, MissingOrBadRegionIsAClearError) {
  EndpointInputs in{"", std::nullopt, "", env_.fn()};
  try {
    resolve_endpoint(ssm_, in);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("AWS_REGION"), std::string::npos);
  }
  in.region = "evil.com/x";
  EXPECT_THROW(resolve_endpoint(ssm_, in), std::runtime_error);
}

TEST_F(EndpointsTest, RegionOrder) {
  write_config("[default]\nregion = eu-west-1\n[profile tokyo]\nregion = ap-northeast-1\n");
  EXPECT_EQ(resolve_region("", env_.fn()), "eu-west-1");
  EXPECT_EQ(resolve_region("tokyo", env_.fn()), "ap-northeast-1");
  env_.vars["AWS_DEFAULT_REGION"] = "us-west-2";
  EXPECT_EQ(resolve_region("tokyo", env_.fn()), "us-west-2");
  env_.vars["AWS_REGION"] = "us-east-2";
  EXPECT_EQ(resolve_region("tokyo", env_.fn()), "us-east-2");
}

TEST_F(EndpointsTest, NoRegionAnywhereIsEmpty) { EXPECT_EQ(resolve_region("", env_.fn()), ""); }

TEST(Partitions, PartitionOf) {
  EXPECT_EQ(partition_of("us-east-1"), "aws");
  EXPECT_EQ(partition_of("ap-northeast-1"), "aws");
  EXPECT_EQ(partition_of("cn-northwest-1"), "aws-cn");
  EXPECT_EQ(partition_of("us-gov-east-1"), "aws-us-gov");
}

TEST(RegionLongName, CommercialRegions) {
  EXPECT_EQ(region_long_name("ap-northeast-1"), "Asia Pacific (Tokyo)");
  EXPECT_EQ(region_long_name("us-east-1"), "US East (N. Virginia)");
  EXPECT_EQ(region_long_name("eu-west-1"), "Europe (Ireland)");
  EXPECT_EQ(region_long_name("sa-east-1"), "South America (Sao Paulo)");
  EXPECT_EQ(region_long_name("il-central-1"), "Israel (Tel Aviv)");
  EXPECT_EQ(region_long_name("cn-north-1"), "China (Beijing)");
  EXPECT_EQ(region_long_name("us-gov-west-1"), "AWS GovCloud (US-West)");
  EXPECT_EQ(region_long_name("xx-nowhere-9"), "xx-nowhere-9");
}

TEST(ProcessEnv, ReadsTheRealEnvironment) {
  ::setenv("PINGWATCH_ENDPOINTS_TEST_VAR", "v", 1);
  EXPECT_EQ(process_env()("PINGWATCH_ENDPOINTS_TEST_VAR"), std::optional<std::string>("v"));
  EXPECT_EQ(process_env()("PINGWATCH_ENDPOINTS_TEST_UNSET_VAR"), std::nullopt);
}

// Organizations has one endpoint per partition (botocore's endpoint-rule-set-1.json for organizations): in aws it
// is organizations.us-east-1.amazonaws.com signed for us-east-1 whatever the client's region; with a configured
// endpoint (local stack, moto) the rule set returns it without a signing region, so the client's region signs.
TEST_F(EndpointsTest, OrganizationsIsPartitionGlobal) {
  const ServiceInfo orgs{"organizations", "organizations", "ORGANIZATIONS", "organizations", true};
  EndpointInputs in{"ap-northeast-1", std::nullopt, "", env_.fn()};
  EXPECT_EQ(resolve_endpoint(orgs, in), "https://organizations.us-east-1.amazonaws.com");
  EXPECT_EQ(signing_region(orgs, in), "us-east-1");
  in.region = "cn-north-1";
  EXPECT_EQ(resolve_endpoint(orgs, in), "https://organizations.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(signing_region(orgs, in), "cn-northwest-1");
  in.region = "us-gov-east-1";
  EXPECT_EQ(resolve_endpoint(orgs, in), "https://organizations.us-gov-west-1.amazonaws.com");
  EXPECT_EQ(signing_region(orgs, in), "us-gov-west-1");
  in.region = "ap-northeast-1";
  env_.vars["AWS_ENDPOINT_URL_ORGANIZATIONS"] = "http://127.0.0.1:4566";
  EXPECT_EQ(resolve_endpoint(orgs, in), "http://127.0.0.1:4566");
  EXPECT_EQ(signing_region(orgs, in), "ap-northeast-1");
  EXPECT_EQ(signing_region(ssm_, in), "ap-northeast-1");   // regional services sign for their region
}
