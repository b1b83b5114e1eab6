#include "local/sns/topic_arn.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "local/service.h"

namespace pingwatch::local::sns {
namespace {

std::vector<std::string> split_colons(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) return parts;
    start = colon + 1;
  }
}

bool all_of(const std::string& text, int (*pred)(int)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [pred](unsigned char c) { return pred(c) != 0; });
}

bool valid_name(const std::string& name) {
  std::string base = name;
  if (base.size() > 5 && base.compare(base.size() - 5, 5, ".fifo") == 0) base.resize(base.size() - 5);
  return !base.empty() && name.size() <= 256 &&
         std::all_of(base.begin(), base.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
}

bool valid_region(const std::string& region) {
  return !region.empty() && std::all_of(region.begin(), region.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-';
  });
}

}  // namespace

void validate_topic_arn(const std::string& arn, const std::string& param, const std::string& region) {
  const std::vector<std::string> parts = split_colons(arn);
  // AWS's ARN parser words this one case itself (e.g. Publish with TopicArn "foo").
  if (parts.size() < 6)
    throw ServiceError(400, "InvalidParameter", "Invalid parameter: " + param + " Reason: An ARN must have at least 6 "
                                                "elements, not " + std::to_string(parts.size()));
  const bool well_formed = parts.size() == 6 && parts[0] == "arn" && parts[1].rfind("aws", 0) == 0 &&
                           parts[2] == "sns" && valid_region(parts[3]) && parts[4].size() == 12 &&
                           all_of(parts[4], ::isdigit) && valid_name(parts[5]);
  // A topic of another region is not addressable from this regional endpoint: AWS answers the same error.
  if (!well_formed || (!region.empty() && parts[3] != region))
    throw ServiceError(400, "InvalidParameter", "Invalid parameter: " + param);
}

std::string topic_arn_region(const std::string& arn) {
  const std::vector<std::string> parts = split_colons(arn);
  return parts.size() >= 4 ? parts[3] : std::string();
}

}  // namespace pingwatch::local::sns
