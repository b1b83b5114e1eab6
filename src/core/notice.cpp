#include "core/notice.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace pingwatch::core {

std::string console_link(const std::string& region, const std::string& instance_id) {
  return fmt::format(
      "https://{0}.console.aws.amazon.com/systems-manager/fleet-manager/managed-nodes/{1}/general?region={0}", region,
      instance_id);
}

std::string format_utc(EpochSeconds t) {
  const std::time_t seconds = static_cast<std::time_t>(std::floor(t));
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(seconds));
}

std::string format_age(double seconds) {
  if (seconds < 0) seconds = 0;
  const long s = static_cast<long>(seconds);
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min", s / 60);
  if (s < 86400) return fmt::format("{} h {} min", s / 3600, (s % 3600) / 60);
  return fmt::format("{} d {} h", s / 86400, (s % 86400) / 3600);
}

std::string sanitize_subject(std::string_view text) {
  std::string out;
  for (unsigned char ch : text) {
    if (ch == '\n' || ch == '\r' || ch == '\t') out += ' ';
    else if (ch < 0x20 || ch >= 0x7f) out += '?';   // SNS subjects are ASCII without control characters
    else out += static_cast<char>(ch);
  }
  if (out.size() > kMaxSubjectLength) out = out.substr(0, kMaxSubjectLength - 3) + "...";
  return out;
}

namespace {

std::string headline(TransitionKind kind) {
  switch (kind) {
    case TransitionKind::Lost: return "LOST";
    case TransitionKind::UnhealthyAtStart: return "UNHEALTHY AT START";
    case TransitionKind::Vanished: return "VANISHED";
    case TransitionKind::Stale: return "STALE";
    case TransitionKind::Recovered: return "RECOVERED";
    case TransitionKind::Appeared: return "APPEARED";
  }
  return "CHANGED";
}

std::string status_or_absent(const std::string& status) { return status.empty() ? "not listed by SSM" : status; }

std::string explain(const Transition& t) {
  switch (t.kind) {
    case TransitionKind::Lost:
      return fmt::format("SSM reports {} (was {}).", status_or_absent(t.status),
                         t.previous_status.empty() ? "Online" : t.previous_status);
    case TransitionKind::UnhealthyAtStart:
      if (t.to == Condition::Stale) return "first seen Online but its last ping is already too old.";
      return fmt::format("first seen already {}.", status_or_absent(t.status));
    case TransitionKind::Vanished:
      return fmt::format("no longer a managed node (EC2 says: {}).", to_string(t.vanished_reason));
    case TransitionKind::Stale:
      return "SSM still shows Online, but the agent has not pinged for longer than the stale threshold.";
    case TransitionKind::Recovered:
      return fmt::format("back Online (was {}).", to_string(t.from));
    case TransitionKind::Appeared:
      return "a new managed node, Online.";
  }
  return {};
}

std::string node_label(const Transition& t) {
  return t.name_tag.empty() ? t.instance_id : fmt::format("{} ({})", t.instance_id, t.name_tag);
}

std::string dash(const std::string& s) { return s.empty() ? "-" : s; }

nlohmann::json transition_json(const Transition& t) {
  nlohmann::json j = {{"transition", std::string(to_string(t.kind))},
                      {"instance_id", t.instance_id},
                      {"from", std::string(to_string(t.from))},
                      {"to", std::string(to_string(t.to))},
                      {"previous_ping_status", t.previous_status},
                      {"ping_status", t.status},
                      {"since", t.since},
                      {"observed_at", t.observed_at},
                      {"last_ping", t.last_ping ? nlohmann::json(*t.last_ping) : nlohmann::json(nullptr)},
                      {"name_tag", t.name_tag},
                      {"computer_name", t.computer_name},
                      {"ip_address", t.ip_address},
                      {"platform", t.platform},
                      {"agent_version", t.agent_version},
                      {"deferred", t.deferred},
                      {"key", t.key}};
  if (t.kind == TransitionKind::Vanished) j["vanished_reason"] = std::string(to_string(t.vanished_reason));
  return j;
}

std::string short_utc(EpochSeconds t) {
  const std::time_t seconds = static_cast<std::time_t>(std::floor(t));
  return fmt::format("{:%m-%d %H:%M}", fmt::gmtime(seconds));
}

// "Prod (111111111111)"; the name is cut so subjects keep room for the node (SNS: < 100 characters).
std::string account_label(const std::string& id, const std::string& name, std::size_t max_name = 24) {
  if (name.empty()) return id;
  const std::string shown = name.size() > max_name ? name.substr(0, max_name - 3) + "..." : name;
  return id.empty() ? shown : fmt::format("{} ({})", shown, id);
}

std::string where(const NoticeContext& c) {
  std::string s = c.region;
  if (!c.account_id.empty() || !c.account_name.empty()) s = account_label(c.account_id, c.account_name) + "/" + s;
  return s;
}

void add_account(Notice& n, const NoticeContext& c) {
  if (!c.account_id.empty()) n.attributes["pingwatch.account_id"] = c.account_id;
  if (!c.account_name.empty()) {
    n.attributes["pingwatch.account_name"] = c.account_name;
    n.json["account_name"] = c.account_name;
  }
}

}  // namespace

Notice single_notice(const Transition& t, const NoticeContext& c) {
  Notice n;
  n.id = stable_hash("notice|" + c.account_id + "|" + c.region + "|" + t.key);
  n.transition_keys = {t.key};
  n.subject = sanitize_subject(fmt::format("[pingwatch] {}: {} in {}", headline(t.kind), node_label(t), where(c)));
  const double now = t.observed_at;
  std::string body;
  body += fmt::format("{} is {}: {}\n\n", node_label(t), headline(t.kind), explain(t));
  body += fmt::format("Transition:     {} ({} -> {})\n", to_string(t.kind), to_string(t.from), to_string(t.to));
  body += fmt::format("Since:          {} ({} ago)\n", format_utc(t.since), format_age(now - t.since));
  if (t.last_ping) {
    body += fmt::format("Last ping:      {} ({} ago)\n", format_utc(*t.last_ping), format_age(now - *t.last_ping));
  } else {
    body += "Last ping:      never recorded\n";
  }
  body += fmt::format("PingStatus:     {}\n", status_or_absent(t.status));
  body += fmt::format("Node:           {}\n", t.instance_id);
  body += fmt::format("Name tag:       {}\n", dash(t.name_tag));
  body += fmt::format("Computer name:  {}\n", dash(t.computer_name));
  body += fmt::format("IP address:     {}\n", dash(t.ip_address));
  body += fmt::format("Platform:       {}\n", dash(t.platform));
  body += fmt::format("Agent version:  {}\n", dash(t.agent_version));
  body += fmt::format("Account/Region: {} {}\n", dash(account_label(c.account_id, c.account_name, 256)),
                      c.region_name.empty() ? c.region : fmt::format("{} ({})", c.region, c.region_name));
  if (t.deferred) body += "Note:           held back by an exclusion or maintenance window until now\n";
  body += fmt::format("Console:        {}\n", console_link(c.region, t.instance_id));
  body += fmt::format("\nNotice id {} (a resend carries the same id).\n", n.id);
  n.body = std::move(body);
  n.json = {{"pingwatch_notice", 1},
            {"notice_id", n.id},
            {"digest", false},
            {"account_id", c.account_id},
            {"region", c.region},
            {"console_link", console_link(c.region, t.instance_id)},
            {"transitions", nlohmann::json::array({transition_json(t)})}};
  n.attributes = {{"pingwatch.notice_id", n.id},
                  {"pingwatch.transition", std::string(to_string(t.kind))},
                  {"pingwatch.instance_id", t.instance_id},
                  {"pingwatch.region", c.region},
                  {"pingwatch.count", "1"}};
  add_account(n, c);
  return n;
}

Notice digest_notice(const std::vector<const Transition*>& transitions, const NoticeContext& c, int part, int parts) {
  Notice n;
  n.digest = true;
  std::string keys;
  for (const auto* t : transitions) {
    n.transition_keys.push_back(t->key);
    keys += t->key + ",";
  }
  n.id = stable_hash("digest|" + c.account_id + "|" + c.region + "|" + keys);
  std::map<TransitionKind, std::vector<const Transition*>> groups;
  for (const auto* t : transitions) groups[t->kind].push_back(t);
  std::string summary;
  for (const auto& [kind, list] : groups) {
    if (!summary.empty()) summary += ", ";
    summary += fmt::format("{} {}", list.size(), to_string(kind));
  }
  const std::string part_text = parts > 1 ? fmt::format(" (part {}/{})", part, parts) : "";
  n.subject = sanitize_subject(
      fmt::format("[pingwatch] {} nodes changed in {}: {}{}", transitions.size(), where(c), summary, part_text));
  const double now = transitions.empty() ? 0 : transitions.front()->observed_at;
  std::string body = fmt::format("{} managed nodes changed in {} at {}{}: {}.\n", transitions.size(), where(c),
                                 format_utc(now), part_text, summary);
  nlohmann::json groups_json = nlohmann::json::object();
  for (const auto& [kind, list] : groups) {
    body += fmt::format("\n{} ({}):\n", headline(kind), list.size());
    nlohmann::json ids = nlohmann::json::array();
    for (const auto* t : list) {
      // One line per node, short enough to scan: id, name, status (or why it vanished), last ping.
      body += fmt::format("  {}  {}  {}  ping {}\n", t->instance_id, t->name_tag.empty() ? "-" : t->name_tag.substr(0, 32),
                          t->kind == TransitionKind::Vanished ? std::string(to_string(t->vanished_reason))
                                                              : (t->status.empty() ? "-" : t->status),
                          t->last_ping ? short_utc(*t->last_ping) : "never");
      ids.push_back(t->instance_id);
    }
    groups_json[std::string(to_string(kind))] = std::move(ids);
  }
  body += fmt::format("\nConsole: https://{0}.console.aws.amazon.com/systems-manager/fleet-manager/managed-nodes?region={0}\n",
                      c.region);
  body += fmt::format("Notice id {} (a resend carries the same id).\n", n.id);
  n.body = std::move(body);
  n.json = {{"pingwatch_notice", 1}, {"notice_id", n.id},     {"digest", true},   {"account_id", c.account_id},
            {"region", c.region},    {"observed_at", now},    {"count", transitions.size()},
            {"groups", std::move(groups_json)}};
  if (parts > 1) {
    n.json["part"] = part;
    n.json["parts"] = parts;
  }
  n.attributes = {{"pingwatch.notice_id", n.id},
                  {"pingwatch.transition", "digest"},
                  {"pingwatch.region", c.region},
                  {"pingwatch.count", std::to_string(transitions.size())}};
  add_account(n, c);
  return n;
}

Notice member_failure_notice(const MemberFailure& f) {
  Notice n;
  n.id = stable_hash("member-failure|" + f.account_id + "|" + std::to_string(f.streak));
  n.transition_keys = {"member-failure|" + f.account_id + "|" + std::to_string(f.streak)};
  const std::string who = account_label(f.account_id, f.account_name);
  n.subject = sanitize_subject(fmt::format("[pingwatch] MEMBER UNREACHABLE: {} for {} cycles", who, f.consecutive_cycles));
  std::string regions;
  for (const auto& r : f.regions) regions += (regions.empty() ? "" : ", ") + r;
  std::string body;
  body += fmt::format("Account {} has not been watched for {} cycles in a row: its managed nodes are not monitored.\n\n",
                      account_label(f.account_id, f.account_name, 256), f.consecutive_cycles);
  body += fmt::format("Account:        {}\n", f.account_id);
  body += fmt::format("Account name:   {}\n", dash(f.account_name));
  body += fmt::format("Role:           {}\n", dash(f.role_arn));
  body += fmt::format("Regions:        {}\n", dash(regions));
  body += fmt::format("Failing since:  {} ({} ago)\n", format_utc(f.first_failed_at), format_age(f.observed_at - f.first_failed_at));
  body += fmt::format("Last error:     {}\n", dash(f.error));
  body += "\nDeploy the member role to this account (deploy/member-role.yaml, docs/deploy.md: StackSets), or add the\n"
          "account to watch.exclude_accounts. The other accounts are watched as usual.\n";
  body += fmt::format("\nNotice id {} (a resend carries the same id).\n", n.id);
  n.body = std::move(body);
  n.json = {{"pingwatch_notice", 1},  {"notice_id", n.id},         {"kind", "member-failure"},
            {"account_id", f.account_id}, {"account_name", f.account_name}, {"role_arn", f.role_arn},
            {"regions", f.regions}, {"consecutive_cycles", f.consecutive_cycles}, {"error", f.error},
            {"first_failed_at", f.first_failed_at}, {"observed_at", f.observed_at}};
  n.attributes = {{"pingwatch.notice_id", n.id}, {"pingwatch.transition", "member-failure"},
                  {"pingwatch.account_id", f.account_id}, {"pingwatch.count", "1"}};
  if (!f.account_name.empty()) n.attributes["pingwatch.account_name"] = f.account_name;
  return n;
}

Notice as_possible_duplicate(Notice notice) {
  notice.body = "This notice may be a duplicate: an earlier attempt to send it got no answer and may have been "
                "delivered. Both copies carry notice id " + notice.id + ".\n\n" + notice.body;
  notice.json["possible_duplicate"] = true;
  notice.attributes["pingwatch.possible_duplicate"] = "true";
  return notice;
}

std::string sns_message_structure(const Notice& notice) {
  const std::string machine = notice.json.dump();
  // Email, SMS and anything else get the text (default); queues, functions and web hooks get the JSON form.
  nlohmann::json message = {{"default", notice.body}, {"sqs", machine}, {"lambda", machine}};
  if (!notice.digest) {
    message["http"] = machine;
    message["https"] = machine;
    return message.dump();
  }
  // A big digest keeps one JSON copy (sqs) so 2,000 nodes still fit one 256 KB message; Lambda
  // subscribers then get the text and the notice id in the MessageAttributes.
  std::string full = message.dump();
  if (full.size() <= kMessageBudgetBytes) return full;
  message.erase("lambda");
  return message.dump();
}

namespace {

// Split the digest into parts until each fits the SNS message budget.
void append_digest_parts(const std::vector<const Transition*>& list, const NoticeContext& c,
                         std::vector<std::vector<const Transition*>>& parts) {
  Notice probe = digest_notice(list, c);
  if (sns_message_structure(probe).size() <= kMessageBudgetBytes || list.size() <= 1) {
    parts.push_back(list);
    return;
  }
  const auto half = list.begin() + static_cast<std::ptrdiff_t>(list.size() / 2);
  append_digest_parts({list.begin(), half}, c, parts);
  append_digest_parts({half, list.end()}, c, parts);
}

}  // namespace

std::vector<Notice> build_notices(const std::vector<Transition>& transitions, const NoticeContext& context,
                                  const WatchPolicy& policy) {
  std::vector<const Transition*> notified;
  for (const auto& t : transitions) {
    if (t.notify) notified.push_back(&t);
  }
  std::vector<Notice> notices;
  if (notified.size() <= policy.digest_threshold) {
    for (const auto* t : notified) notices.push_back(single_notice(*t, context));
    return notices;
  }
  std::stable_sort(notified.begin(), notified.end(), [](const Transition* a, const Transition* b) {
    if (a->kind != b->kind) return a->kind < b->kind;
    return a->instance_id < b->instance_id;
  });
  std::vector<std::vector<const Transition*>> parts;
  append_digest_parts(notified, context, parts);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    notices.push_back(parts.size() == 1 ? digest_notice(parts[i], context)
                                        : digest_notice(parts[i], context, static_cast<int>(i + 1),
                                                        static_cast<int>(parts.size())));
  }
  return notices;
}

}  // namespace pingwatch::core
