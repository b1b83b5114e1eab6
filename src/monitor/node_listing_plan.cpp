// The cells of a partitioned listing, planned from the catalog's counts (node_listing.h).
//
// AgentVersion is the partition key because it is the one filterable attribute whose values spread a fleet:
// PlatformType, ResourceType and PingStatus put most real fleets (and the local stack's) in a single value
// (Linux, EC2Instance, Online), so cells over them are as long as the sequential listing. AgentVersion values
// are open (a new agent ships every few weeks); that is why cells are only the fast path, never the proof of
// coverage (the closure and the census are, node_listing.cpp).
#include <algorithm>
#include <cmath>

#include "monitor/node_listing.h"

namespace pingwatch::monitor {

namespace {

// The PlatformType values SSM documents for the filter (API reference, InstanceInformationStringFilter). A
// version split over them loses no documented type; an undocumented one (a new OS family) is the closure's
// and the census's to find.
const std::vector<std::string>& documented_platform_types() {
  static const std::vector<std::string> types = {"Linux", "Windows", "MacOS"};
  return types;
}

constexpr std::size_t kMaxFilterValues = 100;   // InstanceInformationFilterValueSet: 1..100 values

}  // namespace

std::vector<ListingCell> plan_listing_cells(const std::map<std::pair<std::string, std::string>, long>& counts,
                                            int workers, int page_size) {
  std::map<std::string, long> per_version;
  long total = 0;
  for (const auto& [key, n] : counts) {
    if (key.first.empty()) continue;   // no value to filter on (min length 1)
    per_version[key.first] += n;
    total += n;
  }
  // Twice as many cells as workers lets the longest-first queue even out the chains' lengths.
  const long target = std::max<long>(page_size, static_cast<long>(std::ceil(static_cast<double>(total) / (2.0 * std::max(1, workers)))));
  std::vector<std::pair<std::string, long>> versions(per_version.begin(), per_version.end());
  std::sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) { return a.second > b.second; });

  std::vector<ListingCell> cells;
  std::vector<ListingCell> bins;   // small versions packed together (one AgentVersion filter, several values)
  for (const auto& [version, n] : versions) {
    if (n > target) {
      for (const auto& type : documented_platform_types()) {
        const auto it = counts.find({version, type});
        cells.push_back({{{"AgentVersion", {version}}, {"PlatformType", {type}}}, it == counts.end() ? 0 : it->second});
      }
      continue;
    }
    auto bin = std::find_if(bins.begin(), bins.end(), [&, n = n](const ListingCell& c) {
      return c.expected + n <= target && c.filters[0].values.size() < kMaxFilterValues;
    });
    if (bin == bins.end()) {
      bins.push_back({{{"AgentVersion", {}}}, 0});
      bin = bins.end() - 1;
    }
    bin->filters[0].values.push_back(version);
    bin->expected += n;
  }
  cells.insert(cells.end(), bins.begin(), bins.end());
  std::stable_sort(cells.begin(), cells.end(), [](const auto& a, const auto& b) { return a.expected > b.expected; });
  return cells;
}

}  // namespace pingwatch::monitor
