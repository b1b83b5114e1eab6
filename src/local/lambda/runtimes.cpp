#include "local/lambda/runtimes.h"

#include <unistd.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include "local/service.h"

namespace pingwatch::local::lambda {
namespace {

// The runtimes of botocore's Lambda model (shape Runtime), split by what Lambda does with them today
// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
const std::set<std::string>& custom_runtimes() {
  static const std::set<std::string> runtimes = {"provided.al2023", "provided.al2", "provided"};
  return runtimes;
}
const std::set<std::string>& python_runtimes() {
  // python3.9 is deprecated but functions can still be created with it until the block-create date.
  static const std::set<std::string> runtimes = {"python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
                                                 "python3.14"};
  return runtimes;
}
const std::set<std::string>& blocked_runtimes() {
  // Past their block-function-create date: Lambda answers InvalidParameterValueException.
  static const std::set<std::string> runtimes = {
      "nodejs",       "nodejs4.3",     "nodejs6.10",    "nodejs8.10",    "nodejs10.x", "nodejs12.x", "nodejs14.x",
      "nodejs16.x",   "nodejs4.3-edge", "java8",        "python2.7",     "python3.6",  "python3.7",  "python3.8",
      "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6",   "go1.x",      "ruby2.5",
      "ruby2.7"};
  return runtimes;
}
const std::set<std::string>& other_managed_runtimes() {
  static const std::set<std::string> runtimes = {"nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x", "java8.al2",
                                                 "java11",     "java17",     "java21",     "java25",     "dotnet8",
                                                 "dotnet10",   "ruby3.2",    "ruby3.3",    "ruby3.4",    "ruby4.0"};
  return runtimes;
}

std::string enum_list() {
  std::set<std::string> all = custom_runtimes();
  for (const auto* group : {&python_runtimes(), &blocked_runtimes(), &other_managed_runtimes()})
    all.insert(group->begin(), group->end());
  std::string out;
  for (const auto& r : all) out += (out.empty() ? "" : ", ") + r;
  return out;
}

bool executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0; }

}  // namespace

RuntimeKind runtime_kind(const std::string& runtime) {
  if (custom_runtimes().count(runtime)) return RuntimeKind::Custom;
  if (python_runtimes().count(runtime)) return RuntimeKind::Python;
  if (blocked_runtimes().count(runtime))
    throw ServiceError(400, "InvalidParameterValueException",
                       "The runtime parameter of " + runtime +
                           " is no longer supported for creating or updating AWS Lambda functions. We recommend you "
                           "use a supported runtime while creating or updating functions.");
  if (other_managed_runtimes().count(runtime))
    throw ServiceError(400, "InvalidParameterValueException",
                       "The local stack runs custom runtimes (provided.al2023, provided.al2, provided) and Python "
                       "(python3.9 to python3.14) only; runtime '" + runtime +
                           "' is not available here. Package the function with a bootstrap executable.");
  // Lambda answers an unknown name with InvalidParameterValueException and this text (reported from AWS, e.g.
  // awslabs/amazon-redshift-monitoring#25: "Value python3 at 'runtime' failed to satisfy constraint: ...").
  throw ServiceError(400, "InvalidParameterValueException",
                     "Value " + runtime + " at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [" +
                         enum_list() + "] or be a valid ARN");
}

std::string python_interpreter() {
  if (const char* chosen = std::getenv("PINGWATCH_LAMBDA_PYTHON"); chosen != nullptr && *chosen != '\0') return chosen;
  if (executable("/usr/bin/python3")) return "/usr/bin/python3";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (executable(dir + "/python3")) return dir + "/python3";
  return "";
}

}  // namespace pingwatch::local::lambda
