// pingwatch: one binary — CLI, daemon, local AWS stack, and (as `bootstrap`) the Lambda custom runtime.
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "runtime/commands.h"

int main(int argc, char** argv) {
  if (const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API"); api != nullptr && *api != '\0') {
    return pingwatch::runtime::run_lambda_runtime();
  }
  CLI::App app{"pingwatch: know within a minute when an SSM managed node stops talking to Systems Manager"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pingwatch 0.1.0");
  int exit_code = 0;
  pingwatch::runtime::register_status_command(app, exit_code);
  pingwatch::runtime::register_job_commands(app, exit_code);
  pingwatch::runtime::register_watch_commands(app, exit_code);
  pingwatch::runtime::register_local_commands(app, exit_code);
  pingwatch::runtime::register_deploy_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
