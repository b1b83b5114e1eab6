// EC2 DescribeInstances (query protocol, API version 2016-11-15) over the simulated fleet, so a monitor
// can tell a node that vanished from SSM because it was stopped/terminated from one that is running but
// no longer managed. Hybrid (mi-) nodes are not EC2 instances and are not listed.
#include <algorithm>
#include <ctime>
#include <set>

#include "local/fleet/ec2_instance.h"
#include "local/fleet/ec2_service.h"
#include "local/protocol_render.h"
#include "local/service.h"
#include "local/sns/wire_util.h"

namespace pingwatch::local {

namespace {

int state_code(fleet::Ec2State s) {
  switch (s) {
    case fleet::Ec2State::Running: return 16;
    case fleet::Ec2State::Stopped: return 80;
    case fleet::Ec2State::Terminated: return 48;
  }
  return 16;
}

// EC2's own spelling of a state change: "User initiated (2024-04-12 08:30:00 GMT)".
std::string user_initiated(double at) {
  const std::time_t t = static_cast<std::time_t>(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "User initiated (%Y-%m-%d %H:%M:%S GMT)", &tm);
  return text;
}

std::string tag(const std::string& name, const std::string& value) {
  return "<" + name + ">" + xml_escape(value) + "</" + name + ">";
}

// An EC2 instance id as EC2 parses it: i- and 8 or 17 lower-case hex digits (hybrid mi- ids are SSM's, not EC2's).
bool ec2_instance_id(const std::string& id) { return id.starts_with("i-") && fleet::valid_instance_id(id); }

// InstanceId.N in N order, as the request listed them.
std::vector<std::string> requested_ids(const std::map<std::string, std::string>& params) {
  std::vector<std::pair<long, std::string>> numbered;
  for (const auto& [key, value] : params) {
    if (!key.starts_with("InstanceId.")) continue;
    try {
      numbered.emplace_back(std::stol(key.substr(11)), value);
    } catch (const std::exception&) {
      numbered.emplace_back(0, value);
    }
  }
  std::sort(numbered.begin(), numbered.end());
  std::vector<std::string> ids;
  for (auto& [n, id] : numbered)
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  return ids;
}

struct Ec2Filter {
  std::string name;
  std::vector<std::string> values;
};

// Filter.N.Name / Filter.N.Value.M; only the filters a monitor uses are known.
std::vector<Ec2Filter> parse_filters(const std::map<std::string, std::string>& p) {
  std::vector<Ec2Filter> filters;
  for (int i = 1;; ++i) {
    auto name = p.find("Filter." + std::to_string(i) + ".Name");
    if (name == p.end()) break;
    Ec2Filter f{name->second, {}};
    for (int j = 1;; ++j) {
      auto v = p.find("Filter." + std::to_string(i) + ".Value." + std::to_string(j));
      if (v == p.end()) break;
      f.values.push_back(v->second);
    }
    if (f.name != "instance-state-name" && f.name != "instance-id" && f.name != "tag-key" && !f.name.starts_with("tag:")) {
      throw ServiceError(400, "InvalidParameterValue", "The filter '" + f.name + "' is invalid");
    }
    filters.push_back(std::move(f));
  }
  return filters;
}

class Ec2Service : public Service {
 public:
  Ec2Service(StackContext& context, std::shared_ptr<fleet::Fleet> fleet) : context_(context), fleet_(std::move(fleet)) {}
  std::string signing_name() const override { return "ec2"; }

  Response handle(const Request& request) override {
    if (request.operation != "DescribeInstances") {
      throw ServiceError(400, "InvalidAction", "The action " + request.operation + " is not valid for this web service.");
    }
    return describe_instances(request);
  }

 private:
  static bool in(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

  Response describe_instances(const Request& request) {
    const auto& p = request.params;
    const std::vector<std::string> id_list = requested_ids(p);
    check_ids(id_list);
    const std::set<std::string> ids(id_list.begin(), id_list.end());
    const std::vector<Ec2Filter> filters = parse_filters(p);
    std::size_t max_results = 1000;
    if (auto m = p.find("MaxResults"); m != p.end()) {
      if (!ids.empty()) {
        throw ServiceError(400, "InvalidParameterCombination",
                           "The parameter instancesSet cannot be used with the parameter maxResults");
      }
      long long v = 0;
      try {
        v = std::stoll(m->second);
      } catch (const std::exception&) {
        throw ServiceError(400, "InvalidParameterValue", "Invalid value '" + m->second + "' for maxResults");
      }
      if (v < 5 || v > 1000) {
        throw ServiceError(400, "InvalidParameterValue",
                           "Value ( " + m->second + " ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.");
      }
      max_results = static_cast<std::size_t>(v);
    }
    std::string after;
    if (auto t = p.find("NextToken"); t != p.end() && !t->second.empty()) {
      if (!t->second.starts_with("ec2:") || !fleet::valid_instance_id(t->second.substr(4))) {
        throw ServiceError(400, "InvalidPaginationToken", "Invalid pagination token");
      }
      after = t->second.substr(4);
    }
    auto lock = fleet_->read_lock();
    const auto& nodes = fleet_->nodes();
    auto matches = [&](const fleet::Node& n) {
      if (n.hybrid) return false;
      if (!ids.empty() && !ids.count(n.id)) return false;
      for (const auto& f : filters) {
        if (f.name == "instance-state-name" && !in(f.values, std::string(fleet::ec2_state_name(n.ec2_state)))) return false;
        if (f.name == "instance-id" && !in(f.values, n.id)) return false;
        if (f.name == "tag-key" &&
            !std::any_of(n.tags.begin(), n.tags.end(), [&](const auto& t) { return in(f.values, t.first); })) return false;
        if (f.name.starts_with("tag:")) {
          const std::string key = f.name.substr(4);
          if (!std::any_of(n.tags.begin(), n.tags.end(), [&](const auto& t) { return t.first == key && in(f.values, t.second); })) {
            return false;
          }
        }
      }
      return true;
    };
    std::string items;
    std::size_t count = 0;
    std::string next;
    std::size_t i = after.empty() ? 0 : fleet_->lower_bound_index(after);
    if (i < nodes.size() && nodes[i].id == after) ++i;
    for (; i < nodes.size(); ++i) {
      const fleet::Node& n = nodes[i];
      if (!matches(n)) continue;
      if (count == max_results) {
        next = "ec2:" + nodes[i - 1].id;
        break;
      }
      ++count;
      items += render(n);
    }
    const std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse xmlns=\"" +
                             query_namespace("ec2") + "\">\n  <requestId>" + request.request_id +
                             "</requestId>\n  <reservationSet>" + items + "</reservationSet>\n" +
                             (next.empty() ? "" : "  <nextToken>" + next + "</nextToken>\n") + "</DescribeInstancesResponse>\n";
    Response r;
    r.headers.emplace_back("Content-Type", "text/xml;charset=UTF-8");
    r.body = body;
    return r;
  }

  // InstanceId.N as EC2 checks them: any malformed id first ('Invalid id: "i-xyz"'), then every unknown one at once.
  void check_ids(const std::vector<std::string>& ids) const {
    for (const auto& id : ids) {
      if (!ec2_instance_id(id)) throw ServiceError(400, "InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\"");
    }
    std::vector<std::string> missing;
    {
      auto lock = fleet_->read_lock();
      for (const auto& id : ids) {
        const fleet::Node* n = fleet_->find(id);
        if (n == nullptr || n->hybrid) missing.push_back(id);
      }
    }
    if (missing.size() == 1) {
      throw ServiceError(400, "InvalidInstanceID.NotFound", "The instance ID '" + missing[0] + "' does not exist");
    }
    if (missing.size() > 1) {
      std::string list;
      for (const auto& id : missing) list += (list.empty() ? "" : ", ") + id;
      throw ServiceError(400, "InvalidInstanceID.NotFound", "The instance IDs '" + list + "' do not exist");
    }
  }

  // One reservationSet item: the instance with every field of botocore's Instance shape the fleet can know.
  std::string render(const fleet::Node& n) const {
    const fleet::Ec2Facts f = fleet::ec2_facts(n, fleet_->options().region, context_.account_id);
    const bool terminated = n.ec2_state == fleet::Ec2State::Terminated;
    const std::string launch = wire::iso8601_millis_z(n.launch_time);
    std::string x = "<item><reservationId>r-" + n.id.substr(2) + "</reservationId><ownerId>" + context_.account_id +
                    "</ownerId><groupSet/><instancesSet><item>" + tag("instanceId", n.id) + tag("imageId", f.image_id) +
                    "<instanceState><code>" + std::to_string(state_code(n.ec2_state)) + "</code><name>" +
                    std::string(fleet::ec2_state_name(n.ec2_state)) + "</name></instanceState>" +
                    tag("privateDnsName", terminated ? "" : f.private_dns_name) + "<dnsName/>" +
                    tag("reason", n.ec2_state == fleet::Ec2State::Running ? "" : user_initiated(n.state_changed_at)) +
                    "<amiLaunchIndex>0</amiLaunchIndex><productCodes/>" + tag("instanceType", f.instance_type) +
                    tag("launchTime", launch) + "<placement>" + tag("availabilityZone", f.availability_zone) +
                    "<groupName/>" + tag("tenancy", f.tenancy) + (f.host_id.empty() ? "" : tag("hostId", f.host_id)) +
                    "</placement>" + (f.platform.empty() ? "" : tag("platform", f.platform)) +
                    "<monitoring><state>disabled</state></monitoring>";
    if (!terminated) {
      x += tag("subnetId", f.subnet_id) + tag("vpcId", f.vpc_id) + tag("privateIpAddress", n.ip_address) +
           "<sourceDestCheck>true</sourceDestCheck><groupSet><item>" + tag("groupId", f.security_group_id) +
           "<groupName>default</groupName></item></groupSet>";
    } else {
      x += "<groupSet/>";
    }
    if (n.ec2_state != fleet::Ec2State::Running) {
      x += "<stateReason><code>Client.UserInitiatedShutdown</code><message>Client.UserInitiatedShutdown: User "
           "initiated shutdown</message></stateReason>";
    }
    x += tag("architecture", f.architecture) + "<rootDeviceType>ebs</rootDeviceType>" +
         tag("rootDeviceName", f.root_device_name) + render_block_devices(n, f, launch) +
         "<virtualizationType>hvm</virtualizationType><clientToken/><tagSet>" + render_tags(n) +
         "</tagSet><hypervisor>xen</hypervisor>" + (terminated ? "<networkInterfaceSet/>" : render_interface(n, f, launch));
    if (!n.role_detached && !terminated) {
      x += "<iamInstanceProfile>" + tag("arn", f.instance_profile_arn) + tag("id", f.instance_profile_id) +
           "</iamInstanceProfile>";
    }
    return x + render_options(n, f, launch) + "</item></instancesSet></item>";
  }

  static std::string render_tags(const fleet::Node& n) {
    std::string tags;
    for (const auto& [k, v] : n.tags) tags += "<item>" + tag("key", k) + tag("value", v) + "</item>";
    return tags;
  }

  static std::string render_block_devices(const fleet::Node& n, const fleet::Ec2Facts& f, const std::string& launch) {
    if (n.ec2_state == fleet::Ec2State::Terminated) return "<blockDeviceMapping/>";
    return "<blockDeviceMapping><item>" + tag("deviceName", f.root_device_name) + "<ebs>" + tag("volumeId", f.volume_id) +
           "<status>attached</status>" + tag("attachTime", launch) +
           "<deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>";
  }

  // The primary network interface: in the default VPC's subnet of the node's zone, with SSM's IPAddress.
  std::string render_interface(const fleet::Node& n, const fleet::Ec2Facts& f, const std::string& launch) const {
    const std::string group = "<groupSet><item>" + tag("groupId", f.security_group_id) +
                              "<groupName>default</groupName></item></groupSet>";
    return "<networkInterfaceSet><item>" + tag("networkInterfaceId", f.network_interface_id) +
           tag("subnetId", f.subnet_id) + tag("vpcId", f.vpc_id) + "<description/>" +
           tag("ownerId", context_.account_id) + "<status>in-use</status>" + tag("macAddress", f.mac_address) +
           tag("privateIpAddress", n.ip_address) + tag("privateDnsName", f.private_dns_name) +
           "<sourceDestCheck>true</sourceDestCheck>" + group + "<attachment>" + tag("attachmentId", f.attachment_id) +
           "<deviceIndex>0</deviceIndex><status>attached</status>" + tag("attachTime", launch) +
           "<deleteOnTermination>true</deleteOnTermination><networkCardIndex>0</networkCardIndex></attachment>"
           "<privateIpAddressesSet><item>" + tag("privateIpAddress", n.ip_address) +
           tag("privateDnsName", f.private_dns_name) + "<primary>true</primary></item></privateIpAddressesSet>"
           "<ipv6AddressesSet/><interfaceType>interface</interfaceType></item></networkInterfaceSet>";
  }

  static std::string render_options(const fleet::Node& n, const fleet::Ec2Facts& f, const std::string& launch) {
    return "<ebsOptimized>false</ebsOptimized><enaSupport>true</enaSupport><cpuOptions>" +
           tag("coreCount", std::to_string(f.core_count)) + tag("threadsPerCore", std::to_string(f.threads_per_core)) +
           "</cpuOptions><capacityReservationSpecification><capacityReservationPreference>open"
           "</capacityReservationPreference></capacityReservationSpecification><hibernationOptions><configured>false"
           "</configured></hibernationOptions><enclaveOptions><enabled>false</enabled></enclaveOptions>"
           "<metadataOptions><state>applied</state>" + tag("httpTokens", f.http_tokens) +
           tag("httpPutResponseHopLimit", std::to_string(f.hop_limit)) +
           tag("httpEndpoint", n.imds_disabled ? "disabled" : "enabled") +
           "<httpProtocolIpv6>disabled</httpProtocolIpv6><instanceMetadataTags>disabled</instanceMetadataTags>"
           "</metadataOptions><maintenanceOptions><autoRecovery>default</autoRecovery></maintenanceOptions>" +
           tag("platformDetails", f.platform_details) + tag("usageOperation", f.usage_operation) +
           tag("usageOperationUpdateTime", launch) +
           "<privateDnsNameOptions><hostnameType>ip-name</hostnameType><enableResourceNameDnsARecord>false"
           "</enableResourceNameDnsARecord><enableResourceNameDnsAAAARecord>false</enableResourceNameDnsAAAARecord>"
           "</privateDnsNameOptions>" + tag("currentInstanceBootMode", f.boot_mode);
  }

  StackContext& context_;
  std::shared_ptr<fleet::Fleet> fleet_;
};

}  // namespace

std::unique_ptr<Service> make_ec2_service(StackContext& context, std::shared_ptr<fleet::Fleet> fleet) {
  return std::make_unique<Ec2Service>(context, std::move(fleet));
}

}  // namespace pingwatch::local
