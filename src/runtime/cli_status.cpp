// `pingwatch status`: every managed node as SSM reports it, with the age of its last ping judged against
// AWS's clock (the Date header of the page that carried the node), not the local clock.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/client_factory.h"
#include "aws/json_protocol.h"
#include "aws/query_protocol.h"
#include "core/managed_node.h"
#include "monitor/ec2_instances.h"
#include "runtime/aws_options.h"
#include "runtime/commands.h"

namespace pingwatch::runtime {

namespace {

struct StatusOptions {
  aws::AwsOptions aws;
  std::string output = "table";
  std::vector<std::string> filters;        // tag:KEY=VALUE
  std::vector<std::string> ping_statuses;  // Online | ConnectionLost | Inactive
  bool no_name_tags = false;
};

struct Row {
  core::ManagedNode node;
  double server_time = 0;   // Date of the page that carried this node
  std::string display_name;
};

// Thrown for a bad flag value: exit 2 with the message.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<aws::SsmFilter> parse_tag_filters(const std::vector<std::string>& specs) {
  std::map<std::string, std::vector<std::string>> by_key;
  std::vector<std::string> order;
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    if (spec.rfind("tag:", 0) != 0 || eq == std::string::npos || eq == 4) {
      throw UsageError("--filter \"" + spec + "\" is not tag:KEY=VALUE (e.g. --filter tag:Env=prod)");
    }
    std::string key = spec.substr(0, eq);
    if (by_key.find(key) == by_key.end()) order.push_back(key);
    by_key[key].push_back(spec.substr(eq + 1));   // same key twice: either value matches, as SSM does
  }
  std::vector<aws::SsmFilter> out;
  for (const auto& key : order) out.push_back({key, by_key[key]});
  return out;
}

std::string format_age(double seconds) {
  if (seconds < 0) seconds = 0;   // a ping stamped after the page's Date: clocks round differently
  const auto s = static_cast<long long>(std::floor(seconds));
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + (s % 60 != 0 ? std::to_string(s % 60) + "s" : "");
  if (s < 86400) return std::to_string(s / 3600) + "h" + (s % 3600 / 60 != 0 ? std::to_string(s % 3600 / 60) + "m" : "");
  return std::to_string(s / 86400) + "d" + (s % 86400 / 3600 != 0 ? std::to_string(s % 86400 / 3600) + "h" : "");
}

std::optional<double> age_of(const Row& r) {
  if (!r.node.last_ping) return std::nullopt;
  return r.server_time - *r.node.last_ping;
}

std::string platform_of(const core::ManagedNode& n) {
  std::string p = n.platform_name.empty() ? n.platform_type : n.platform_name;
  if (!n.platform_version.empty()) p += " " + n.platform_version;
  return p;
}

std::string status_text(const core::ManagedNode& n) {
  return n.ping_status == core::PingStatus::Unknown ? (n.ping_status_raw.empty() ? "-" : n.ping_status_raw)
                                                    : std::string(core::to_string(n.ping_status));
}

const char* colour_of(core::PingStatus s) {
  switch (s) {
    case core::PingStatus::Online: return "\033[32m";
    case core::PingStatus::ConnectionLost: return "\033[31m";
    case core::PingStatus::Inactive: return "\033[33m";
    case core::PingStatus::Unknown: break;
  }
  return "\033[35m";
}

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// UTF-8 aware width, so Japanese names do not break the table (each code point counted once).
size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

void print_table(const std::vector<Row>& rows, std::ostream& out, bool colour) {
  const std::vector<std::string> head = {"INSTANCE ID", "NAME", "PING STATUS", "LAST PING", "PLATFORM", "AGENT", "IP"};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    auto age = age_of(r);
    cells.push_back({r.node.instance_id, r.display_name.empty() ? "-" : r.display_name, status_text(r.node),
                     age ? format_age(*age) + " ago" : "never", platform_of(r.node).empty() ? "-" : platform_of(r.node),
                     r.node.agent_version.empty() ? "-" : r.node.agent_version,
                     r.node.ip_address.empty() ? "-" : r.node.ip_address});
  }
  std::vector<size_t> width(head.size());
  for (size_t i = 0; i < head.size(); ++i) width[i] = head[i].size();
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  }
  auto emit = [&](const std::vector<std::string>& row, const char* status_colour) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const bool last = i + 1 == row.size();
      std::string cell = row[i];
      const size_t pad = last ? 0 : width[i] - display_width(cell) + 2;
      if (i == 2 && status_colour != nullptr) cell = status_colour + cell + "\033[0m";
      line += cell + std::string(pad, ' ');
    }
    out << line << '\n';
  };
  emit(head, nullptr);
  for (size_t k = 0; k < cells.size(); ++k) emit(cells[k], colour ? colour_of(rows[k].node.ping_status) : nullptr);

  std::map<std::string, int> counts;
  for (const auto& r : rows) counts[status_text(r.node)]++;
  out << '\n' << rows.size() << (rows.size() == 1 ? " node" : " nodes");
  std::string sep = ": ";
  for (const char* s : {"Online", "ConnectionLost", "Inactive"}) {
    if (auto it = counts.find(s); it != counts.end()) {
      out << sep << it->second << ' ' << s;
      sep = ", ";
      counts.erase(it);
    }
  }
  for (const auto& [s, n] : counts) {
    out << sep << n << ' ' << s;
    sep = ", ";
  }
  out << '\n';
}

void print_csv(const std::vector<Row>& rows, std::ostream& out) {
  out << "instance_id,name,ping_status,last_ping,last_ping_age_seconds,platform_type,platform_name,platform_version,"
         "agent_version,ip_address,computer_name,resource_type\n";
  for (const auto& r : rows) {
    auto age = age_of(r);
    const std::string last_ping =
        r.node.last_ping ? aws::query_protocol::format_iso8601(aws::json_protocol::from_epoch_seconds(*r.node.last_ping))
                         : "";
    out << csv_field(r.node.instance_id) << ',' << csv_field(r.display_name) << ',' << csv_field(status_text(r.node))
        << ',' << last_ping << ',' << (age ? std::to_string(static_cast<long long>(std::floor(std::max(0.0, *age)))) : "")
        << ',' << csv_field(r.node.platform_type) << ',' << csv_field(r.node.platform_name) << ','
        << csv_field(r.node.platform_version) << ',' << csv_field(r.node.agent_version) << ','
        << csv_field(r.node.ip_address) << ',' << csv_field(r.node.computer_name) << ','
        << csv_field(r.node.resource_type) << '\n';
  }
}

void print_json(const std::vector<Row>& rows, double server_time, std::ostream& out) {
  using nlohmann::json;
  auto iso = [](double t) { return aws::query_protocol::format_iso8601(aws::json_protocol::from_epoch_seconds(t)); };
  json nodes = json::array();
  for (const auto& r : rows) {
    auto age = age_of(r);
    json n = {{"instance_id", r.node.instance_id},
              {"name", r.display_name},
              {"ping_status", status_text(r.node)},
              {"last_ping", r.node.last_ping ? json(iso(*r.node.last_ping)) : json(nullptr)},
              {"last_ping_age_seconds", age ? json(std::max(0.0, std::floor(*age))) : json(nullptr)},
              {"platform_type", r.node.platform_type},
              {"platform_name", r.node.platform_name},
              {"platform_version", r.node.platform_version},
              {"agent_version", r.node.agent_version},
              {"is_latest_version", r.node.is_latest_version ? json(*r.node.is_latest_version) : json(nullptr)},
              {"ip_address", r.node.ip_address},
              {"computer_name", r.node.computer_name},
              {"resource_type", r.node.resource_type},
              {"tags", r.node.tags}};
    nodes.push_back(std::move(n));
  }
  json doc = {{"server_time", server_time > 0 ? json(iso(server_time)) : json(nullptr)},
              {"count", rows.size()},
              {"nodes", std::move(nodes)}};
  out << doc.dump(2) << '\n';
}

// Name tags: EC2 instances' tags live in EC2 (monitor/ec2_instances.h), hybrid nodes' in SSM.
// A lookup that fails (no ec2:DescribeInstances permission, say) is reported once; names fall back.
void attach_name_tags(aws::ClientFactory& factory, std::vector<Row>& rows) {
  std::vector<std::string> ec2_ids;
  for (const auto& r : rows) {
    if (r.node.instance_id.rfind("i-", 0) == 0) ec2_ids.push_back(r.node.instance_id);
  }
  std::map<std::string, std::map<std::string, std::string>> tags;
  if (!ec2_ids.empty()) {
    try {
      aws::Ec2Client ec2 = factory.ec2();
      long calls = 0;
      for (auto& [id, inst] : monitor::describe_ec2_instances(ec2, ec2_ids, calls)) tags[id] = std::move(inst.tags);
    } catch (const aws::AwsError& e) {
      std::cerr << "pingwatch status: could not read EC2 Name tags (" << e.code
                << "); showing computer names (use --no-name-tags to skip the lookup)\n";
    }
  }
  std::optional<aws::SsmClient> ssm;
  for (auto& r : rows) {
    if (r.node.instance_id.rfind("mi-", 0) != 0) continue;
    try {
      if (!ssm) ssm.emplace(factory.ssm());
      tags[r.node.instance_id] = ssm->list_tags_for_resource("ManagedInstance", r.node.instance_id);
    } catch (const aws::AwsError& e) {
      std::cerr << "pingwatch status: could not read SSM tags of hybrid nodes (" << e.code
                << "); showing computer names (use --no-name-tags to skip the lookup)\n";
      break;
    }
  }
  for (auto& r : rows) {
    if (auto it = tags.find(r.node.instance_id); it != tags.end()) {
      r.node.tags = it->second;
      if (auto name = it->second.find("Name"); name != it->second.end() && !name->second.empty()) {
        r.display_name = name->second;
      }
    }
  }
}

int run_status(const StatusOptions& opts) {
  try {
    if (opts.output != "table" && opts.output != "json" && opts.output != "csv") {
      throw UsageError("--output must be table, json or csv (got \"" + opts.output + "\")");
    }
    std::set<std::string> wanted_status;
    for (const auto& s : opts.ping_statuses) {
      if (s != "Online" && s != "ConnectionLost" && s != "Inactive") {
        throw UsageError("--ping-status must be Online, ConnectionLost or Inactive (got \"" + s + "\")");
      }
      wanted_status.insert(s);
    }
    aws::DescribeInstanceInformationRequest request;
    request.filters = parse_tag_filters(opts.filters);
    request.max_results = 50;
    // SSM refuses tag filters combined with other filter types: filter ping status locally then.
    const bool status_locally = !request.filters.empty() && !wanted_status.empty();
    if (!status_locally && !wanted_status.empty()) {
      request.filters.push_back({"PingStatus", {wanted_status.begin(), wanted_status.end()}});
    }

    aws::ClientFactory factory(opts.aws);
    aws::SsmClient ssm = factory.ssm();
    std::vector<Row> rows;
    double server_time = 0;
    ssm.for_each_instance_information_page(request, [&](const aws::DescribeInstanceInformationPage& page) {
      server_time = aws::json_protocol::to_epoch_seconds(page.server_time);
      for (const auto& n : page.nodes) {
        if (status_locally && wanted_status.count(status_text(n)) == 0) continue;
        rows.push_back(Row{n, server_time, n.name.empty() ? n.computer_name : n.name});
      }
      return true;
    });
    if (!opts.no_name_tags && !rows.empty()) attach_name_tags(factory, rows);
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.node.instance_id < b.node.instance_id; });

    if (opts.output == "json") {
      print_json(rows, server_time, std::cout);
    } else if (opts.output == "csv") {
      print_csv(rows, std::cout);
    } else {
      const char* no_colour = std::getenv("NO_COLOR");
      const bool colour = ::isatty(STDOUT_FILENO) == 1 && (no_colour == nullptr || *no_colour == '\0');
      print_table(rows, std::cout, colour);
    }
    std::cout.flush();
    return 0;
  } catch (const UsageError& e) {
    std::cerr << "pingwatch status: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    const std::string startup = describe_startup_failure(e);
    if (!startup.empty()) {
      std::cerr << "pingwatch status: " << startup << '\n';
      return 2;
    }
    std::cerr << "pingwatch status: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace

void register_status_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<StatusOptions>();
  CLI::App* cmd = app.add_subcommand("status", "list managed nodes with their SSM ping status and last-ping age");
  add_aws_options(*cmd, opts->aws);
  cmd->add_option("--output,-o", opts->output, "table (default), json or csv");
  cmd->add_option("--filter", opts->filters, "tag:KEY=VALUE; repeatable (AND across keys, OR within one key)");
  cmd->add_option("--ping-status", opts->ping_statuses, "only nodes in this status (Online, ConnectionLost, Inactive); repeatable");
  cmd->add_flag("--no-name-tags", opts->no_name_tags, "do not look up Name tags (EC2/SSM); show computer names");
  cmd->callback([opts, &exit_code] { exit_code = run_status(*opts); });
}

}  // namespace pingwatch::runtime
