#pragma once
// Every subcommand registers itself on the CLI11 app; its callback stores the process exit code.
// Exit codes: 0 ok, 1 partial failure, 2 cannot start (credentials, endpoint, config, permission, network).
#include <CLI/CLI.hpp>

#include "runtime/lambda_runtime.h"   // run_lambda_runtime: main() runs it when AWS_LAMBDA_RUNTIME_API is set

namespace pingwatch::runtime {

void register_status_command(CLI::App& app, int& exit_code);   // cli_status.cpp
void register_job_commands(CLI::App& app, int& exit_code);     // cli_jobs.cpp: publish, sync-alarms, run
void register_local_commands(CLI::App& app, int& exit_code);   // cli_local.cpp: local, local fault
void register_watch_commands(CLI::App& app, int& exit_code);   // cli_watch.cpp: watch, cost
void register_deploy_commands(CLI::App& app, int& exit_code);  // cli_deploy.cpp: deploy

}  // namespace pingwatch::runtime
