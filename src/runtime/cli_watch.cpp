// `pingwatch watch` (one stateful cycle over every configured account-region) and `pingwatch cost`.
// Also registers the watch job, so `pingwatch run --jobs watch` and the Lambda handler `watch` find it.
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "core/cost_model.h"
#include "monitor/config.h"
#include "monitor/jobs.h"
#include "monitor/watch.h"
#include "monitor/watch_job.h"
#include "runtime/aws_options.h"
#include "runtime/commands.h"

namespace pingwatch::runtime {
namespace {

struct WatchFlags {
  std::string config_file;
  CLI::Option* config_option = nullptr;
  std::vector<std::string> sets;
  bool dry_run = false;
  bool text = false;
  struct Binding {
    std::string key;
    std::string value;
    CLI::Option* option = nullptr;
  };
  std::deque<Binding> bindings;
  void add(CLI::App& cmd, const std::string& flag, const std::string& key, const std::string& help) {
    auto& b = bindings.emplace_back(Binding{key, {}, nullptr});
    b.option = cmd.add_option(flag, b.value, help + " [" + key + "]");
  }
  std::map<std::string, std::string> to_map() const {
    std::map<std::string, std::string> out;
    for (const auto& s : sets) {
      const auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0) throw monitor::ConfigError("config: --set " + s + " is not allowed: use --set KEY=VALUE");
      out[s.substr(0, eq)] = s.substr(eq + 1);
    }
    for (const auto& b : bindings) {
      if (b.option->count() > 0) out[b.key] = b.value;
    }
    return out;
  }
};

void print_text(const monitor::WatchRunResult& r) {
  for (const auto& c : r.cycles) {
    std::cout << fmt::format("{}: {} cycle, {} nodes listed, {} known, {} API calls{}\n", c.scope,
                             c.full_inventory ? "full" : "steady", c.nodes_listed, c.nodes_known, c.api_calls,
                             c.lost_race ? " (another run committed first: nothing notified)" : "");
    for (const auto& t : c.transitions) {
      std::cout << fmt::format("  {:<19} {:<22} {:>8} -> {:<8} {}\n", core::to_string(t.kind), t.instance_id,
                               core::to_string(t.from), core::to_string(t.to),
                               t.notify ? "notify" : "quiet (" + t.suppressed_by + ")");
    }
    for (const auto& n : c.notices) std::cout << "  notice " << n.id << ": " << n.subject << "\n";
  }
  for (const auto& f : r.failures) std::cout << "FAILED " << f << "\n";
}

int run_watch_command(const WatchFlags& f) {
  monitor::Settings settings;
  monitor::WatchSettings watch;
  try {
    monitor::ConfigSource::Inputs in;
    in.flags = f.to_map();
    if (f.config_option->count() > 0) in.config_file = f.config_file;
    auto source = monitor::ConfigSource::load(std::move(in));
    settings = monitor::load_settings(source);
    watch = monitor::load_watch_settings(source);
    source.reject_unknown_keys();
  } catch (const std::exception& e) {
    std::cerr << "pingwatch: " << e.what() << "\n";
    return 2;
  }
  monitor::WatchRunOptions o;
  o.dry_run = f.dry_run;
  monitor::WatchRunResult r;
  try {
    r = monitor::run_watch(settings, watch, o);
  } catch (const std::exception& e) {
    const std::string why = describe_startup_failure(e);
    std::cerr << "pingwatch: " << (why.empty() ? e.what() : why) << "\n";
    return 2;
  }
  if (f.text || f.dry_run) print_text(r);
  if (f.dry_run) {
    for (const auto& c : r.cycles) {
      for (const auto& n : c.notices) std::cout << "\n--- " << n.subject << "\n" << n.body;
    }
  }
  if (!f.text) std::cout << r.to_json().dump() << std::endl;
  for (const auto& e : r.job.errors) std::cerr << "pingwatch: watch: " << e << "\n";
  return r.job.exit_code();
}

std::string find_prices(const std::string& flag) {
  std::vector<std::filesystem::path> candidates;
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("PINGWATCH_PRICES"); env && *env) return env;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path() / "../share/pingwatch/prices.json");
    candidates.push_back(exe.parent_path() / "../../data/prices.json");   // build/src/pingwatch in the repository
    candidates.push_back(exe.parent_path() / "../data/prices.json");
  }
  candidates.emplace_back("data/prices.json");
  for (const auto& c : candidates) {
    if (std::filesystem::exists(c, ec)) return c.string();
  }
  throw std::runtime_error("cost: no price table found: pass --prices FILE (the repository's data/prices.json) or set PINGWATCH_PRICES");
}

int run_cost_command(long nodes, int accounts, int regions, const std::string& prices_flag, bool json_out,
                     const std::string& dynamodb_cycle) {
  try {
    const std::string path = find_prices(prices_flag);
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cost: cannot read " + path);
    const auto prices = core::parse_price_table(nlohmann::json::parse(in));
    if (!dynamodb_cycle.empty()) {   // one cycle's DynamoDB requests as the model predicts them
      std::cout << core::dynamodb_requests_json(core::watch_dynamodb_cycle(
                       core::parse_cycle_shape(nlohmann::json::parse(dynamodb_cycle)), prices)).dump() << std::endl;
      return 0;
    }
    const auto designs = core::estimate_costs({nodes, accounts, regions}, prices);
    if (json_out) {
      nlohmann::json j = {{"nodes", nodes}, {"accounts", accounts}, {"regions", regions}, {"prices", path},
                          {"as_of", prices.as_of}, {"region", prices.region}, {"designs", nlohmann::json::array()}};
      for (const auto& d : designs) {
        nlohmann::json lines = nlohmann::json::array();
        for (const auto& l : d.lines) lines.push_back({{"item", l.item}, {"quantity", l.quantity}, {"unit", l.unit}, {"usd", l.usd}});
        j["designs"].push_back({{"design", d.design}, {"title", d.title}, {"monthly_usd", d.total_usd}, {"lines", lines}});
      }
      std::cout << j.dump(2) << std::endl;
      return 0;
    }
    std::cout << fmt::format("Monthly cost, {} nodes over {} account(s) x {} region(s); {} list prices as of {} ({}).\n\n",
                             nodes, accounts, regions, prices.region, prices.as_of, path);
    for (const auto& d : designs) {
      std::cout << fmt::format("{}  —  ${:.2f} / month\n", d.title, d.total_usd);
      for (const auto& l : d.lines) {
        std::cout << fmt::format("    {:<52} {:>16.0f} {:<11} ${:>12.2f}\n", l.item, l.quantity, l.unit, l.usd);
      }
      std::cout << "\n";
    }
    const double post = designs.front().total_usd, watch = designs.back().total_usd;
    std::cout << fmt::format("watch costs {:.2f}% of the post's design.\nSources:\n", post > 0 ? 100.0 * watch / post : 0.0);
    for (const auto& s : prices.sources) std::cout << "  " << s << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pingwatch: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

void register_watch_commands(CLI::App& app, int& exit_code) {
  monitor::register_job(monitor::watch_job_definition());

  static WatchFlags flags;
  auto* watch = app.add_subcommand("watch", "one stateful cycle: report lost, stale, vanished, recovered nodes once each");
  flags.config_option = watch->add_option("--config", flags.config_file, "TOML config file (default: $PINGWATCH_CONFIG)");
  watch->add_option("--set", flags.sets, "set any config key, e.g. --set watch.hold_cycles=2 (repeatable)");
  flags.add(*watch, "--region", "region", "AWS region");
  flags.add(*watch, "--profile", "profile", "shared config/credentials profile");
  flags.add(*watch, "--endpoint-url", "endpoint_url", "send every AWS call to this URL (e.g. the local stack)");
  flags.add(*watch, "--state", "watch.state", "SQLite state file (default ~/.local/state/pingwatch/watch.db)");
  flags.add(*watch, "--dynamodb-table", "watch.dynamodb_table", "keep state in this DynamoDB table instead");
  flags.add(*watch, "--topic-arn", "watch.topic_arn", "SNS topic for notices (also $CWAlarmSNSTopic)");
  flags.add(*watch, "--notify", "watch.notify", "transitions to notify, comma-separated (default lost,unhealthy-at-start,vanished,stale,recovered)");
  flags.add(*watch, "--digest-threshold", "watch.digest_threshold", "more notices than this in one cycle become one digest");
  flags.add(*watch, "--hold-cycles", "watch.hold_cycles", "a new condition must hold this many cycles (flap suppression)");
  flags.add(*watch, "--full-every", "watch.full_every", "full inventory every N cycles");
  flags.add(*watch, "--metric-namespace", "watch.metric_namespace", "namespace of the aggregate metrics (default pingwatch)");
  flags.add(*watch, "--accounts", "watch.accounts",
            "ROLE_ARN@REGION[+REGION], default@REGION[+REGION] or organization:ROLE_NAME@REGION[+REGION] entries, comma-separated");
  flags.add(*watch, "--shard", "watch.shard", "k/N: only the account-regions of shard k of N (1 <= k <= N <= 20)");
  watch->add_flag("--dry-run", flags.dry_run, "decide and print the notices; commit and send nothing");
  watch->add_flag("--text", flags.text, "human-readable output instead of JSON");
  watch->callback([&exit_code] { exit_code = run_watch_command(flags); });

  static long nodes = 1000;
  static int accounts = 1, regions = 1;
  static std::string prices;
  static bool json_out = false;
  static std::string dynamodb_cycle;
  auto* cost = app.add_subcommand("cost", "monthly cost: the post's design, the post fixed, and watch");
  cost->add_option("--nodes", nodes, "managed nodes in the whole fleet")->required();
  cost->add_option("--accounts", accounts, "accounts the fleet spreads over (default 1)");
  cost->add_option("--regions", regions, "regions per account (default 1)");
  cost->add_option("--prices", prices, "price table (default: data/prices.json)");
  cost->add_flag("--json", json_out, "machine-readable output");
  cost->add_option("--dynamodb-cycle", dynamodb_cycle,
                   "JSON shape of one watch cycle (full, nodes, records_written, ...): print its predicted DynamoDB requests");
  cost->callback([&exit_code] { exit_code = run_cost_command(nodes, accounts, regions, prices, json_out, dynamodb_cycle); });
}

}  // namespace pingwatch::runtime
