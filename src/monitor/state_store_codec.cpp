// JSON forms of the watch state and notices, shared by the SQLite and DynamoDB backends.
#include "monitor/state_store.h"

namespace pingwatch::monitor {

std::string_view to_string(OutboxStatus status) {
  switch (status) {
    case OutboxStatus::Pending: return "pending";
    case OutboxStatus::Sending: return "sending";
    case OutboxStatus::Sent: return "sent";
  }
  return "pending";
}

std::optional<OutboxStatus> parse_outbox_status(std::string_view text) {
  for (auto s : {OutboxStatus::Pending, OutboxStatus::Sending, OutboxStatus::Sent}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

StoredState StateStore::load_meta() {
  StoredState s = load();
  s.watch.nodes.clear();
  return s;
}

StoredState StateStore::load_compact() {
  StoredState s = load();
  for (auto it = s.watch.nodes.begin(); it != s.watch.nodes.end();) {
    if (core::is_quiet(it->second)) {
      s.quiet.push_back(core::quiet_node(it->second));
      it = s.watch.nodes.erase(it);
    } else {
      ++it;
    }
  }
  return s;
}

void StateStore::for_each_record(const std::function<void(core::NodeRecord&& record)>& on_record) {
  StoredState s = load();
  for (auto& [id, record] : s.watch.nodes) on_record(std::move(record));
}

std::vector<core::NodeRecord> StateStore::load_records(const std::vector<std::string>& ids) {
  StoredState s = load();
  std::vector<core::NodeRecord> out;
  for (const auto& id : ids) {
    if (auto it = s.watch.nodes.find(id); it != s.watch.nodes.end()) out.push_back(std::move(it->second));
  }
  return out;
}

nlohmann::json record_to_json(const core::NodeRecord& r) {
  nlohmann::json j = {{"id", r.instance_id},
                      {"condition", std::string(core::to_string(r.condition))},
                      {"status", r.ssm_status},
                      {"since", r.since},
                      {"last_seen", r.last_seen},
                      {"episode", r.episode},
                      {"alerted", r.alerted},
                      {"held_kind", r.held_kind ? std::string(core::to_string(*r.held_kind)) : std::string()},
                      {"vanished_reason", r.vanished_reason},
                      {"ignored", r.ignored},
                      {"name_tag", r.name_tag},
                      {"computer_name", r.computer_name},
                      {"ip", r.ip_address},
                      {"platform", r.platform},
                      {"agent", r.agent_version}};
  if (r.last_ping) j["last_ping"] = *r.last_ping;
  if (r.pending) {
    j["pending"] = std::string(core::to_string(*r.pending));
    j["pending_count"] = r.pending_count;
    j["pending_since"] = r.pending_since;
  }
  return j;
}

core::NodeRecord record_from_json(const nlohmann::json& j) {
  core::NodeRecord r;
  r.instance_id = j.at("id").get<std::string>();
  r.condition = core::parse_condition(j.value("condition", "healthy")).value_or(core::Condition::Healthy);
  r.ssm_status = j.value("status", "");
  r.since = j.value("since", 0.0);
  r.last_seen = j.value("last_seen", 0.0);
  if (j.contains("last_ping")) r.last_ping = j.at("last_ping").get<double>();
  if (j.contains("pending")) {
    r.pending = core::parse_condition(j.at("pending").get<std::string>());
    r.pending_count = j.value("pending_count", 0);
    r.pending_since = j.value("pending_since", 0.0);
  }
  r.episode = j.value("episode", "");
  r.alerted = j.value("alerted", false);
  if (const auto held = j.value("held_kind", ""); !held.empty()) {
    r.held_kind = core::parse_transition_kind(held).value_or(core::TransitionKind::Lost);   // as it was always read
  }
  r.vanished_reason = j.value("vanished_reason", "");
  r.ignored = j.value("ignored", false);
  r.name_tag = j.value("name_tag", "");
  r.computer_name = j.value("computer_name", "");
  r.ip_address = j.value("ip", "");
  r.platform = j.value("platform", "");
  r.agent_version = j.value("agent", "");
  return r;
}

nlohmann::json notice_to_json(const core::Notice& n) {
  return {{"id", n.id},     {"subject", n.subject},       {"body", n.body},
          {"json", n.json}, {"attributes", n.attributes}, {"keys", n.transition_keys},
          {"digest", n.digest}};
}

core::Notice notice_from_json(const nlohmann::json& j) {
  core::Notice n;
  n.id = j.at("id").get<std::string>();
  n.subject = j.value("subject", "");
  n.body = j.value("body", "");
  n.json = j.value("json", nlohmann::json::object());
  n.attributes = j.value("attributes", std::map<std::string, std::string>{});
  n.transition_keys = j.value("keys", std::vector<std::string>{});
  n.digest = j.value("digest", false);
  return n;
}

StateDiff diff_states(const core::WatchState& previous, const core::WatchState& next) {
  StateDiff d;
  for (const auto& [id, record] : next.nodes) {
    auto it = previous.nodes.find(id);
    if (it == previous.nodes.end() || !(it->second == record)) d.upserts.push_back(id);
  }
  for (const auto& [id, record] : previous.nodes) {
    if (!next.nodes.count(id)) d.removals.push_back(id);
  }
  return d;
}

}  // namespace pingwatch::monitor
