#include "core/alarm_spec.h"

#include <fmt/format.h>

namespace pingwatch::core {

std::string alarm_name_for(std::string_view instance_id, std::string_view prefix) {
  std::string name(prefix);
  name += instance_id;
  return name;
}

std::optional<std::string> instance_id_from_alarm_name(std::string_view alarm_name, std::string_view prefix) {
  if (alarm_name.size() <= prefix.size() || alarm_name.substr(0, prefix.size()) != prefix) return std::nullopt;
  return std::string(alarm_name.substr(prefix.size()));
}

bool is_managed_by_pingwatch(std::string_view alarm_description) {
  return alarm_description.substr(0, kManagedDescriptionPrefix.size()) == kManagedDescriptionPrefix;
}

AlarmSpec alarm_spec_for(std::string_view instance_id, const AlarmSpecOptions& o) {
  AlarmSpec spec;
  spec.alarm_name = alarm_name_for(instance_id, o.alarm_prefix);
  spec.alarm_description = fmt::format(
      "{}SSM Agent PingStatus of {} ({}/{} 0=Online 1=ConnectionLost 2=Inactive). Deleted by pingwatch when the "
      "node is no longer managed.",
      kManagedDescriptionPrefix, instance_id, o.namespace_, o.metric_name);
  spec.actions_enabled = true;
  if (!o.topic_arn.empty()) spec.alarm_actions = {o.topic_arn};
  spec.ok_actions = o.ok_actions;
  spec.namespace_ = o.namespace_;
  spec.metric_name = o.metric_name;
  spec.dimensions = {{o.dimension_name, std::string(instance_id)}};
  for_each_rule_field(spec, o, [](const char*, auto& to, const auto& from) { to = from; });
  spec.tags = {{std::string(kManagedTagKey), std::string(kManagedTagValue)}};
  return spec;
}

}  // namespace pingwatch::core
