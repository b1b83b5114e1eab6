// EC2 DescribeInstances (query protocol, API version 2016-11-15) over the simulated fleet, so a monitor
// can tell a node that vanished from SSM because it was stopped/terminated from one that is running but
// no longer managed. Hybrid (mi-) nodes are not EC2 instances and are not listed.
#include <algorithm>
#include <set>

#include "local/fleet/ec2_service.h"
#include "local/protocol_render.h"
#include "local/service.h"

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

struct Ec2Filter {
  std::string name;
  std::vector<std::string> values;
};

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
    std::set<std::string> ids;
    std::vector<Ec2Filter> filters;
    for (const auto& [key, value] : p) {
      if (key.starts_with("InstanceId.")) ids.insert(value);
    }
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
    for (const auto& id : ids) {
      const fleet::Node* n = fleet_->find(id);
      if (n == nullptr || n->hybrid) {
        throw ServiceError(400, "InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
      }
    }
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

  std::string render(const fleet::Node& n) const {
    std::string tags;
    for (const auto& [k, v] : n.tags) tags += "<item><key>" + xml_escape(k) + "</key><value>" + xml_escape(v) + "</value></item>";
    const bool running = n.ec2_state == fleet::Ec2State::Running;
    const bool windows = n.platform_type == "Windows";
    return "<item><reservationId>r-" + n.id.substr(2) + "</reservationId><ownerId>" + context_.account_id +
           "</ownerId><groupSet/><instancesSet><item><instanceId>" + n.id + "</instanceId><imageId>ami-0" +
           n.id.substr(5, 16) + "</imageId><instanceState><code>" + std::to_string(state_code(n.ec2_state)) +
           "</code><name>" + std::string(fleet::ec2_state_name(n.ec2_state)) + "</name></instanceState><privateDnsName>" +
           (running && !windows ? xml_escape(n.computer_name) : "") + "</privateDnsName><instanceType>t3.micro</instanceType>" +
           "<placement><availabilityZone>" + context_.default_region + "a</availabilityZone></placement>" +
           (running ? "<privateIpAddress>" + n.ip_address + "</privateIpAddress>" : "") +
           (windows ? "<platform>windows</platform><platformDetails>Windows</platformDetails>"
                    : "<platformDetails>Linux/UNIX</platformDetails>") +
           "<tagSet>" + tags + "</tagSet></item></instancesSet></item>";
  }

  StackContext& context_;
  std::shared_ptr<fleet::Fleet> fleet_;
};

}  // namespace

std::unique_ptr<Service> make_ec2_service(StackContext& context, std::shared_ptr<fleet::Fleet> fleet) {
  return std::make_unique<Ec2Service>(context, std::move(fleet));
}

}  // namespace pingwatch::local
