// `pingwatch local` (run the local AWS stack) and `pingwatch local fault` (inject a fault into a running one).
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "aws/query_protocol.h"
#include "aws/url_parts.h"
#include "local/fleet/fleet.h"
#include "local/stack.h"
#include "runtime/commands.h"
#include "runtime/status_server.h"
#include "runtime/stop_signals.h"

namespace pingwatch::runtime {

namespace {

struct LocalArgs {
  local::StackOptions stack;
  double connection_lost_minutes = 10;
  double credential_cache_minutes = 45;
  std::string sim_start;
};

struct FaultArgs {
  std::string endpoint_url = "http://127.0.0.1:4566";
  std::string instance_id;
  std::string fault;
};

double parse_sim_start(const std::string& text) {
  const auto t = aws::query_protocol::parse_iso8601(text);
  if (!t) {
    throw std::runtime_error("--sim-start: expected an ISO 8601 UTC time like 2024-04-12T08:00:00Z, got '" + text + "'");
  }
  return std::chrono::duration<double>(t->time_since_epoch()).count();
}

// `pingwatch local`: starts the stack, prints "pingwatch local listening on http://HOST:PORT", serves until
// SIGINT/SIGTERM, saves state, returns 0 (2 when it cannot start).
int serve_stack(const local::StackOptions& options) {
  const StopSignals signals;   // before the stack starts its threads
  std::unique_ptr<local::LocalStack> stack;
  try {
    stack = std::make_unique<local::LocalStack>(options);
    stack->start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pingwatch local: cannot start: %s\n", e.what());
    return 2;
  }
  if (!is_loopback_host(options.host)) {
    std::fprintf(stderr,
                 "warning: --host %s is not a loopback address: anyone who can reach this port can use the stack "
                 "with its well-known test credentials\n",
                 options.host.c_str());
  }
  std::printf("pingwatch local listening on %s\n", stack->endpoint_url().c_str());
  std::printf("  time scale %gx, %zu simulated node(s), credentials: %s%s\n", options.time_scale,
              stack->accounts().node_count(), options.credentials_file.empty() ? "test/test" : options.credentials_file.c_str(),
              options.state_file.empty() ? "" : (", state: " + options.state_file).c_str());
  if (stack->organization().exists()) {
    const auto& org = stack->organization();
    std::printf("  organization %s: management account %s, %zu member account(s) %s..%s, member role %s\n",
                org.id().c_str(), org.management_account().c_str(), org.accounts().size() - 1,
                org.accounts()[1].id.c_str(), org.accounts().back().id.c_str(), org.options().member_role.c_str());
  }
  std::fflush(stdout);
  const std::string received(signals.wait());
  std::fprintf(stderr, "pingwatch local: %s received, saving state and stopping\n", received.c_str());
  try {
    stack->stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pingwatch local: stopping failed: %s\n", e.what());
    return 1;
  }
  return 0;
}

int post_fault(const FaultArgs& args) {
  aws::UrlParts url;
  try {
    url = aws::split_url(args.endpoint_url);
  } catch (const std::exception&) {
    std::fprintf(stderr, "pingwatch local fault: --endpoint-url must look like http://127.0.0.1:4566\n");
    return 2;
  }
  if (url.scheme != "http") {
    std::fprintf(stderr, "pingwatch local fault: only http:// endpoints (the local stack) are supported\n");
    return 2;
  }
  if (!local::fleet::parse_fault(args.fault)) {
    std::fprintf(stderr, "pingwatch local fault: unknown --fault '%s'; use one of %s\n", args.fault.c_str(),
                 local::fleet::known_faults().c_str());
    return 2;
  }
  httplib::Client client(url.host, url.port.empty() ? 80 : std::stoi(url.port));
  client.set_connection_timeout(3, 0);
  client.set_read_timeout(10, 0);
  const std::string body = nlohmann::json{{"instance_id", args.instance_id}, {"fault", args.fault}}.dump();
  auto result = client.Post("/_local/fleet/faults", body, "application/json");
  if (!result) {
    std::fprintf(stderr, "pingwatch local fault: cannot reach %s (%s); is `pingwatch local` running?\n",
                 args.endpoint_url.c_str(), httplib::to_string(result.error()).c_str());
    return 2;
  }
  if (result->status != 200) {
    auto reply = nlohmann::json::parse(result->body, nullptr, false);
    const std::string why = !reply.is_discarded() && reply.is_object() && reply.contains("error")
                                ? reply["error"].get<std::string>() : result->body;
    std::fprintf(stderr, "pingwatch local fault: refused (HTTP %d): %s\n", result->status, why.c_str());
    return result->status == 404 ? 1 : 2;
  }
  std::printf("%s: %s applied\n", args.instance_id.c_str(), args.fault.c_str());
  return 0;
}

// The listener, the clock, the fleet and what the stack keeps.
void add_stack_options(CLI::App* local, LocalArgs& args) {
  auto& s = args.stack;
  local->add_option("--host", s.host, "Address to listen on (loopback by default)")->capture_default_str();
  local->add_option("--port", s.port, "Port (0 = pick a free one and print it)")->capture_default_str();
  local->add_option("--time-scale", s.time_scale, "Simulated seconds per wall second (60 = a minute per second)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  local->add_option("--sim-start", args.sim_start, "Simulated start time, ISO 8601 UTC (default: now, or the saved clock)");
  local->add_option("--nodes", s.fleet.nodes, "Generate N EC2 managed nodes")->capture_default_str();
  local->add_option("--fleet-seed", s.fleet.seed, "Seed of the generated fleet (same seed, same nodes)")->capture_default_str();
  local->add_option("--fleet", s.fleet.fleet_file, "JSON fleet file: nodes (EC2 i-, hybrid mi-), tags, fault timeline")
      ->check(CLI::ExistingFile);
  local->add_option("--credentials", s.credentials_file, "Key pairs accepted (default: test/test, account 123456789012)")
      ->check(CLI::ExistingFile);
  local->add_option("--mailbox", s.mailbox_dir, "Folder for SNS email deliveries (.eml)");
  local->add_option("--state", s.state_file, "SQLite file: state restored at start, saved periodically and at exit");
  local->add_flag("--auto-confirm,!--no-auto-confirm", s.auto_confirm,
                  "Confirm SNS email/http(s) subscriptions at once (default: as AWS, they wait for the SubscribeURL "
                  "in the confirmation message)")
      ->capture_default_str();
  local->add_option("--connection-lost-after", args.connection_lost_minutes,
                    "Simulated minutes of agent silence before SSM reports ConnectionLost (two missed 5-minute pings)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  local->add_option("--credential-cache-minutes", args.credential_cache_minutes,
                    "How long an agent keeps pinging on cached credentials after imds-disabled/role-detached")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  local->add_option("--region", s.region, "Default region of the stack")->capture_default_str();
}

// --accounts: the stack as an AWS Organization (docs/local-stack.md).
void add_organization_options(CLI::App* local, local::StackOptions& s) {
  local->add_option("--accounts", s.organization.member_accounts,
                    "Run as an AWS Organization: the stack's account 123456789012 manages N member accounts "
                    "100000000001.. (0 = no organization)")
      ->capture_default_str()->check(CLI::Range(std::size_t{0}, local::Organization::kMaxMembers));
  local->add_option("--member-role", s.organization.member_role,
                    "The role every member account has (arn:aws:iam::MEMBER:role/NAME), assumable from the organization")
      ->capture_default_str();
  local->add_option("--regions", s.regions,
                    "With --accounts: regions where every account has --nodes nodes (comma-separated; default --region)")
      ->delimiter(',');
}

// API chaos: latency, fault rules, quotas.
void add_chaos_options(CLI::App* local, local::StackOptions& s) {
  local->add_option("--latency", s.chaos.latency_ms, "Milliseconds added to every signed API request")
      ->check(CLI::NonNegativeNumber);
  local->add_option("--jitter", s.chaos.jitter_ms, "Plus up to this many milliseconds, uniformly random")
      ->check(CLI::NonNegativeNumber);
  local->add_option("--chaos", s.chaos.rules_file,
                    "JSON fault rules (throttling, 5xx, latency, drops, truncation, skew, quotas), as POST /_local/chaos")
      ->check(CLI::ExistingFile);
  local->add_flag("--aws-quotas", s.chaos.aws_quotas,
                  "Enforce AWS-like per-operation request quotas (PutMetricAlarm 3 TPS, DescribeAlarms 9 TPS, ...)");
  local->add_option("--chaos-seed", s.chaos.seed, "Seed of the fault-injection RNG (same seed, same faults)")
      ->capture_default_str();
}

// pingwatch local fault: a node fault posted to a running stack.
CLI::App* add_fault_command(CLI::App* local, int& exit_code) {
  auto fault_args = std::make_shared<FaultArgs>();
  CLI::App* fault = local->add_subcommand("fault", "Inject a fault into a running local stack's fleet");
  fault->add_option("--endpoint-url", fault_args->endpoint_url, "The running stack")->capture_default_str();
  fault->add_option("--instance-id", fault_args->instance_id, "Node to break or recover")->required();
  fault->add_option("--fault", fault_args->fault,
                    "agent-stop | network-block | imds-disabled | role-detached | stop | terminate | deregister | recover")
      ->required();
  fault->callback([fault_args, &exit_code] { exit_code = post_fault(*fault_args); });
  return fault;
}

}  // namespace

void register_local_commands(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LocalArgs>();
  CLI::App* local = app.add_subcommand("local", "Run the local AWS stack (SSM, CloudWatch, SNS, EventBridge, Lambda) "
                                                "with a simulated fleet");
  add_stack_options(local, *args);
  add_organization_options(local, args->stack);
  add_chaos_options(local, args->stack);
  CLI::App* fault = add_fault_command(local, exit_code);
  local->callback([fault, args, &exit_code] {
    if (fault->parsed()) return;
    local::StackOptions options = args->stack;
    options.fleet.connection_lost_after_seconds = args->connection_lost_minutes * 60;
    options.fleet.credential_cache_seconds = args->credential_cache_minutes * 60;
    if (!args->sim_start.empty()) {
      try {
        options.sim_start = parse_sim_start(args->sim_start);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "pingwatch local: %s\n", e.what());
        exit_code = 2;
        return;
      }
    }
    if (!options.regions.empty() && options.organization.member_accounts == 0) {
      std::fprintf(stderr, "pingwatch local: --regions needs --accounts (without an organization one fleet answers every region)\n");
      exit_code = 2;
      return;
    }
    exit_code = serve_stack(options);
  });
}

}  // namespace pingwatch::runtime
