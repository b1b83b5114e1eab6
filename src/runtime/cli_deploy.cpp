// `pingwatch deploy --stack NAME --email ADDRESS [--mode watch|alarms|both] [--region R] [--bucket B]`: uploads the Lambda zip to S3 and
// creates or updates the CloudFormation stack (deploy/template.yaml) with the AWS CLI. See docs/deploy.md.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "runtime/commands.h"
#include "runtime/lambda_deploy.h"

namespace pingwatch::runtime {

namespace {

std::string quoted(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    if (!line.empty()) line += ' ';
    line += a.find_first_of(" \t'\"$[]*?<>|&;()") == std::string::npos ? a : "'" + a + "'";
  }
  return line;
}

struct RunResult {
  int status = -1;   // exit status; -1 when the program could not be started
  std::string out;   // captured stdout (when captured)
};

// fork + execvp: no shell, so no argument is ever interpreted. stderr is always the user's terminal.
RunResult run(const std::vector<std::string>& argv, bool capture) {
  std::cerr << "+ " << quoted(argv) << std::endl;
  int fds[2] = {-1, -1};
  if (capture && pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid < 0) return {};
  if (pid == 0) {
    if (capture) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "deploy: cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  RunResult result;
  if (capture) {
    close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) result.out.append(buf, static_cast<size_t>(n));
    close(fds[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  while (!result.out.empty() && (result.out.back() == '\n' || result.out.back() == '\r')) result.out.pop_back();
  return result;
}

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

int deploy(DeployOptions o, bool dry_run) {
  try {
    validate_deploy_options(o);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (o.region.empty()) o.region = env_or_empty("AWS_REGION");
  if (o.region.empty()) o.region = env_or_empty("AWS_DEFAULT_REGION");
  if (o.region.empty() && !dry_run) {
    auto base = aws_base(o);
    base.insert(base.end(), {"configure", "get", "region"});
    o.region = run(base, true).out;
  }
  if (o.region.empty()) {
    std::cerr << "deploy: no region: pass --region (e.g. --region ap-northeast-1) or set AWS_REGION\n";
    return 2;
  }

  std::string bucket = o.bucket;
  bool create_bucket = false;
  if (bucket.empty()) {
    std::string account = "<account-id>";
    if (!dry_run) {
      auto sts = aws_base(o);
      sts.insert(sts.end(), {"sts", "get-caller-identity", "--query", "Account", "--output", "text"});
      const auto who = run(sts, true);
      if (who.status != 0 || who.out.empty()) {
        std::cerr << "deploy: the AWS CLI could not identify the account (credentials?): `" << quoted(sts)
                  << "` failed; configure the CLI (aws configure / AWS_PROFILE) or pass --bucket\n";
        return 2;
      }
      account = who.out;
    }
    bucket = default_bucket(account, o.region);
    if (!dry_run) {
      auto head = aws_base(o);
      head.insert(head.end(), {"s3api", "head-bucket", "--bucket", bucket});
      create_bucket = run(head, true).status != 0;
    }
  }

  std::string key;
  try {
    key = code_key(sha256_file_hex(o.zip), o.zip);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  std::vector<std::vector<std::string>> steps;
  if (create_bucket) {
    auto mb = aws_base(o);
    mb.insert(mb.end(), {"s3", "mb", "s3://" + bucket});
    steps.push_back(mb);
  }
  steps.push_back(upload_command(o, bucket, key));
  steps.push_back(stack_deploy_command(o, bucket, key));
  auto outputs = aws_base(o);
  outputs.insert(outputs.end(), {"cloudformation", "describe-stacks", "--stack-name", o.stack, "--query",
                                 "Stacks[0].Outputs", "--output", "table"});
  steps.push_back(outputs);

  if (dry_run) {
    for (const auto& s : steps) std::cout << quoted(s) << "\n";
    return 0;
  }
  for (const auto& s : steps) {
    const auto r = run(s, false);
    if (r.status != 0) {
      std::cerr << "deploy: `" << quoted(s) << "` failed (exit " << r.status << ")"
                << (r.status == 127 ? ": is the AWS CLI installed? (--aws-cli PATH)" : "") << "\n";
      return 1;
    }
  }
  std::cerr << "deploy: stack " << o.stack << " is up to date in " << o.region << ". AWS has mailed a subscription "
            << "confirmation to " << o.email << ": confirm it, or no alarm notification will be delivered.\n";
  return 0;
}

}  // namespace

void register_deploy_commands(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DeployOptions>();
  auto dry_run = std::make_shared<bool>(false);
  if (const char* cli = std::getenv("PINGWATCH_AWS_CLI"); cli != nullptr && *cli != '\0') options->aws_cli = cli;
  auto* cmd = app.add_subcommand("deploy", "upload the Lambda zip to S3 and create/update the CloudFormation stack "
                                           "(uses the AWS CLI; see docs/deploy.md)");
  cmd->add_option("--stack", options->stack, "CloudFormation stack name")->required();
  cmd->add_option("--email", options->email, "address subscribed to the alarm topic")->required();
  cmd->add_option("--region", options->region, "AWS region (default: AWS_REGION, then the CLI profile's)");
  cmd->add_option("--profile", options->profile, "AWS CLI profile");
  cmd->add_option("--bucket", options->bucket,
                  "S3 bucket for the zip (default pingwatch-artifacts-<account>-<region>, created if missing)");
  cmd->add_option("--zip", options->zip, "the Lambda zip from `make package`")->capture_default_str();
  cmd->add_option("--template", options->template_file, "CloudFormation template")->capture_default_str();
  cmd->add_option("--architecture", options->architecture, "arm64 or x86_64 (default: from the zip's name)");
  cmd->add_option("--mode", options->mode, "watch: one notice per node transition (default, cheapest); alarms: the "
                                           "post's per-node metric and alarm; both (docs/deploy.md)")
      ->capture_default_str();
  cmd->add_option("--parameter", options->parameters, "extra template parameter Name=Value (repeatable), e.g. "
                                                      "NameSuffix=-staging, TopicName=SSM-Ping-Staging");
  cmd->add_option("--aws-cli", options->aws_cli, "AWS CLI executable (default: aws, or $PINGWATCH_AWS_CLI)");
  cmd->add_flag("--dry-run", *dry_run, "print the AWS CLI commands instead of running them");
  cmd->callback([options, dry_run, &exit_code] { exit_code = deploy(*options, *dry_run); });
}

}  // namespace pingwatch::runtime
