#pragma once
// Tags as the emulated services keep them: insertion order, unique keys. Tagging an existing key replaces its
// value (TagResource / AddTagsToResource semantics in SSM, SNS and CloudWatch alike).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace pingwatch::local {

using TagList = std::vector<std::pair<std::string, std::string>>;

inline void upsert_tag(TagList& tags, const std::pair<std::string, std::string>& tag) {
  auto it = std::find_if(tags.begin(), tags.end(), [&tag](const auto& t) { return t.first == tag.first; });
  if (it != tags.end()) it->second = tag.second;
  else tags.push_back(tag);
}

}  // namespace pingwatch::local
