// EC2 DescribeInstances over the simulated fleet, driven through handle() as the router calls it: AWS's errors
// for malformed and unknown ids, and instances carrying the fields of botocore's Instance shape, consistent
// with what SSM's DescribeInstanceInformation reports for the same node.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <memory>

#include "local/fleet/ec2_instance.h"
#include "local/fleet/ec2_service.h"
#include "local/fleet/fleet.h"
#include "local/fleet/platforms.h"
#include "local/services.h"
#include "local/ssm/ssm_service.h"

using namespace pingwatch::local;

namespace {

constexpr double kSim0 = 1712910300;   // 2024-04-12T08:25:00Z

class Ec2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    context.clock = std::make_shared<SimClock>(kSim0, 1e-9);
    context.default_region = "ap-northeast-1";
    fleet::FleetOptions options;
    options.nodes = 60;
    options.seed = 11;
    options.region = "ap-northeast-1";
    fleet = std::make_shared<fleet::Fleet>(options, kSim0);
    ec2 = make_ec2_service(context, fleet);
    ssm = make_ssm_service_with_fleet(context, fleet);
  }

  Response describe(std::map<std::string, std::string> params) {
    Request r;
    r.method = "POST";
    r.path = "/";
    r.service = "ec2";
    r.operation = "DescribeInstances";
    r.protocol = WireProtocol::Query;
    r.params = std::move(params);
    r.region = "ap-northeast-1";
    r.account_id = "123456789012";
    r.request_id = "req-1";
    return ec2->handle(r);
  }

  ServiceError describe_error(std::map<std::string, std::string> params) {
    try {
      describe(std::move(params));
    } catch (const ServiceError& e) {
      return e;
    }
    ADD_FAILURE() << "DescribeInstances did not fail";
    return ServiceError(0, "", "");
  }

  pugi::xml_node instance(const std::string& id) {
    const Response r = describe({{"InstanceId.1", id}});
    doc.reset();
    EXPECT_TRUE(doc.load_string(r.body.c_str())) << r.body;
    return doc.child("DescribeInstancesResponse").child("reservationSet").child("item").child("instancesSet").child("item");
  }

  const fleet::Node& node_of_type(const std::string& type) {
    for (const auto& n : fleet->nodes())
      if (n.platform_type == type) return n;
    ADD_FAILURE() << "no " << type << " node in the generated fleet";
    return fleet->nodes().front();
  }

  StackContext context;
  std::shared_ptr<fleet::Fleet> fleet;
  std::unique_ptr<Service> ec2, ssm;
  pugi::xml_document doc;
};

std::string text(pugi::xml_node node, const char* path) { return node.first_element_by_path(path).text().as_string(); }

}  // namespace

TEST_F(Ec2Test, MalformedIdIsInvalidInstanceIdMalformed) {
  auto e = describe_error({{"InstanceId.1", "i-xyz"}});
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "InvalidInstanceID.Malformed");
  EXPECT_STREQ(e.what(), "Invalid id: \"i-xyz\"");
  // A malformed id wins over a well-formed unknown one listed before it; hybrid ids are not EC2's.
  EXPECT_EQ(describe_error({{"InstanceId.1", "i-0123456789abcdef0"}, {"InstanceId.2", "web-1"}}).code,
            "InvalidInstanceID.Malformed");
  EXPECT_STREQ(describe_error({{"InstanceId.1", "mi-0123456789abcdef0"}}).what(), "Invalid id: \"mi-0123456789abcdef0\"");
  EXPECT_EQ(describe_error({{"InstanceId.1", "i-0123456789ABCDEF0"}}).code, "InvalidInstanceID.Malformed");
}

TEST_F(Ec2Test, WellFormedUnknownIdsAreNotFound) {
  auto one = describe_error({{"InstanceId.1", "i-0123456789abcdef0"}});
  EXPECT_EQ(one.code, "InvalidInstanceID.NotFound");
  EXPECT_STREQ(one.what(), "The instance ID 'i-0123456789abcdef0' does not exist");
  auto two = describe_error({{"InstanceId.1", "i-0123456789abcdef0"}, {"InstanceId.2", fleet->nodes()[0].id},
                             {"InstanceId.3", "i-12345678"}});
  EXPECT_STREQ(two.what(), "The instance IDs 'i-0123456789abcdef0, i-12345678' do not exist");
}

TEST_F(Ec2Test, InstancesCarryTheInstanceShapeConsistentWithSsm) {
  const fleet::Node& linux = node_of_type("Linux");
  pugi::xml_node i = instance(linux.id);
  ASSERT_TRUE(i);
  const fleet::Ec2Facts f = fleet::ec2_facts(linux, "ap-northeast-1", "123456789012");
  EXPECT_EQ(text(i, "privateIpAddress"), linux.ip_address);                 // SSM's IPAddress
  EXPECT_EQ(text(i, "privateDnsName"), linux.computer_name);                // a Linux host names itself so
  EXPECT_EQ(text(i, "platformDetails"), "Linux/UNIX");
  EXPECT_FALSE(i.child("platform"));                                        // Platform is only ever "windows"
  EXPECT_EQ(text(i, "instanceState/name"), "running");
  EXPECT_EQ(text(i, "instanceState/code"), "16");
  EXPECT_EQ(text(i, "placement/availabilityZone").rfind("ap-northeast-1", 0), 0u);
  EXPECT_NE(text(i, "placement/availabilityZone"), "ap-northeast-1b");     // not a zone of new accounts there
  EXPECT_EQ(text(i, "vpcId").rfind("vpc-0", 0), 0u);
  EXPECT_EQ(text(i, "subnetId").rfind("subnet-0", 0), 0u);
  EXPECT_EQ(text(i, "imageId").rfind("ami-0", 0), 0u);
  EXPECT_EQ(text(i, "instanceType"), f.instance_type);
  EXPECT_EQ(text(i, "architecture"), f.architecture);
  EXPECT_EQ(text(i, "hypervisor"), "xen");
  EXPECT_EQ(text(i, "rootDeviceType"), "ebs");
  EXPECT_EQ(text(i, "rootDeviceName"), f.root_device_name);
  EXPECT_EQ(text(i, "blockDeviceMapping/item/deviceName"), f.root_device_name);
  EXPECT_EQ(text(i, "launchTime"), text(i, "networkInterfaceSet/item/attachment/attachTime"));
  EXPECT_LT(pingwatch::local::fleet::default_launch_time(linux.id, kSim0), kSim0);
  EXPECT_EQ(text(i, "networkInterfaceSet/item/privateIpAddress"), linux.ip_address);
  EXPECT_EQ(text(i, "networkInterfaceSet/item/subnetId"), text(i, "subnetId"));
  EXPECT_EQ(text(i, "networkInterfaceSet/item/vpcId"), text(i, "vpcId"));
  EXPECT_EQ(text(i, "networkInterfaceSet/item/privateIpAddressesSet/item/primary"), "true");
  EXPECT_EQ(text(i, "tagSet/item/key"), "Name");
  EXPECT_EQ(text(i, "tagSet/item/value"), linux.tags[0].second);
  EXPECT_EQ(text(i, "metadataOptions/httpEndpoint"), "enabled");
  EXPECT_EQ(text(i, "iamInstanceProfile/arn"),
            "arn:aws:iam::123456789012:instance-profile/AmazonSSMRoleForInstancesQuickSetup");

  const fleet::Node& windows = node_of_type("Windows");
  pugi::xml_node w = instance(windows.id);
  EXPECT_EQ(text(w, "platform"), "windows");
  EXPECT_EQ(text(w, "platformDetails"), "Windows");
  EXPECT_EQ(text(w, "usageOperation"), "RunInstances:0002");
  EXPECT_EQ(text(w, "architecture"), "x86_64");
  EXPECT_EQ(text(w, "privateIpAddress"), windows.ip_address);
  // EC2's DNS name comes from the IP, whatever Windows calls itself (SSM's ComputerName EC2AMAZ-...).
  EXPECT_EQ(text(w, "privateDnsName"), fleet::ec2_computer_name(windows.ip_address, "Linux", "ap-northeast-1", 0));
}

TEST_F(Ec2Test, InstancesAreDeterministicPerNode) {
  const std::string id = fleet->nodes()[3].id;
  const std::string first = describe({{"InstanceId.1", id}}).body;
  fleet::FleetOptions options = fleet->options();
  auto same = std::make_shared<fleet::Fleet>(options, kSim0);
  auto again = make_ec2_service(context, same);
  Request r;
  r.operation = "DescribeInstances";
  r.params = {{"InstanceId.1", id}};
  r.request_id = "req-1";
  EXPECT_EQ(again->handle(r).body, first);
}

TEST_F(Ec2Test, FaultsShowInStateProfileAndMetadataOptions) {
  const std::string id = fleet->nodes()[5].id;
  fleet->apply_fault(id, fleet::Fault::RoleDetached, kSim0 + 60);
  fleet->apply_fault(id, fleet::Fault::ImdsDisabled, kSim0 + 60);
  pugi::xml_node i = instance(id);
  EXPECT_FALSE(i.child("iamInstanceProfile"));
  EXPECT_EQ(text(i, "metadataOptions/httpEndpoint"), "disabled");
  fleet->apply_fault(id, fleet::Fault::Stop, kSim0 + 300);   // 2024-04-12T08:30:00Z
  i = instance(id);
  EXPECT_EQ(text(i, "instanceState/name"), "stopped");
  EXPECT_EQ(text(i, "instanceState/code"), "80");
  EXPECT_EQ(text(i, "reason"), "User initiated (2024-04-12 08:30:00 GMT)");
  EXPECT_EQ(text(i, "stateReason/code"), "Client.UserInitiatedShutdown");
  EXPECT_EQ(text(i, "privateIpAddress"), fleet->find(id)->ip_address);   // a stopped instance keeps its IP
  fleet->apply_fault(id, fleet::Fault::Recover, kSim0 + 600);
  i = instance(id);
  EXPECT_EQ(text(i, "launchTime"), "2024-04-12T08:35:00.000Z");             // a start is a new launch
  EXPECT_EQ(text(i, "metadataOptions/httpEndpoint"), "enabled");
  EXPECT_TRUE(i.child("iamInstanceProfile"));
  fleet->apply_fault(id, fleet::Fault::Terminate, kSim0 + 900);
  i = instance(id);
  EXPECT_EQ(text(i, "instanceState/code"), "48");
  EXPECT_FALSE(i.child("privateIpAddress"));
  EXPECT_FALSE(i.child("vpcId"));
  EXPECT_EQ(text(i, "privateDnsName"), "");
}

TEST_F(Ec2Test, EveryInstanceAgreesWithSsmDescribeInstanceInformation) {
  std::map<std::string, nlohmann::json> managed;
  nlohmann::json body = {{"MaxResults", 50}};
  for (;;) {
    Request r;
    r.service = "ssm";
    r.operation = "DescribeInstanceInformation";
    r.protocol = WireProtocol::Json11;
    r.json = body;
    r.region = "ap-northeast-1";
    r.request_id = "req-2";
    const auto page = nlohmann::json::parse(ssm->handle(r).body);
    for (const auto& info : page["InstanceInformationList"]) managed[info["InstanceId"]] = info;
    if (!page.contains("NextToken")) break;
    body["NextToken"] = page["NextToken"];
  }
  ASSERT_EQ(managed.size(), fleet->nodes().size());
  const Response all = describe({});
  ASSERT_TRUE(doc.load_string(all.body.c_str()));
  std::size_t seen = 0;
  for (pugi::xml_node reservation : doc.child("DescribeInstancesResponse").child("reservationSet").children("item")) {
    pugi::xml_node i = reservation.child("instancesSet").child("item");
    const nlohmann::json& info = managed.at(text(i, "instanceId"));
    EXPECT_EQ(text(i, "privateIpAddress"), info["IPAddress"].get<std::string>());
    EXPECT_EQ(text(i, "platform") == "windows", info["PlatformType"] == "Windows");
    if (info["PlatformType"] == "Linux") {
      EXPECT_EQ(text(i, "privateDnsName"), info["ComputerName"].get<std::string>());
    }
    if (info["PlatformType"] == "MacOS") {
      EXPECT_EQ(text(i, "architecture"), "arm64_mac");
    }
    EXPECT_FALSE(text(i, "launchTime").empty());
    ++seen;
  }
  EXPECT_EQ(seen, managed.size());
}
