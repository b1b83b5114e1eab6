#pragma once
// The local SSM service (awsJson1_1, X-Amz-Target AmazonSSM.*): DescribeInstanceInformation over the
// simulated fleet, and tags on managed nodes.
#include <functional>
#include <memory>
#include <string>

#include "local/fleet/fleet.h"
#include "local/service.h"

namespace pingwatch::local {

class SsmService : public Service {
 public:
  SsmService(StackContext& context, std::shared_ptr<fleet::Fleet> fleet);
  std::string signing_name() const override { return "ssm"; }
  Response handle(const Request& request) override;
  void tick(double sim_now) override;
  nlohmann::json save() const override;
  void load(const nlohmann::json& state) override;

  fleet::Fleet& fleet() { return *fleet_; }

  // Operations, public for unit tests (they take the parsed JSON body, return the JSON reply).
  nlohmann::json describe_instance_information(const nlohmann::json& input, double now) const;
  // The same reply as JSON text, written directly (the request path: no intermediate document).
  std::string describe_instance_information_text(const nlohmann::json& input, double now) const;
  nlohmann::json add_tags_to_resource(const nlohmann::json& input);
  nlohmann::json remove_tags_from_resource(const nlohmann::json& input);
  nlohmann::json list_tags_for_resource(const nlohmann::json& input) const;

 private:
  // Validates the input, walks one page under the fleet's read lock calling emit per node; returns the NextToken ("" = last page).
  std::string describe_page(const nlohmann::json& input, double now,
                            const std::function<void(const fleet::Fleet&, const fleet::Node&)>& emit) const;
  StackContext& context_;
  std::shared_ptr<fleet::Fleet> fleet_;
};

// The SSM service on the fleet the stack builds from its options (the EC2 service shares it).
std::unique_ptr<SsmService> make_ssm_service_with_fleet(StackContext& context, std::shared_ptr<fleet::Fleet> fleet);

// AWS's "N validation error(s) detected: …" text, collected while checking an input.
class ValidationErrors {
 public:
  void add(const std::string& value, const std::string& path, const std::string& constraint);
  bool empty() const { return items_.empty(); }
  [[noreturn]] void raise() const;        // throws ServiceError(400, "ValidationException", text)
  void raise_if_any() const { if (!empty()) raise(); }
  std::string text() const;
 private:
  std::vector<std::string> items_;
};

}  // namespace pingwatch::local
