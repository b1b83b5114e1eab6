#pragma once
// The AWS flags every subcommand that talks to AWS shares: --region, --profile, --endpoint-url.
#include <CLI/CLI.hpp>

#include "aws/client_factory.h"

namespace pingwatch::runtime {

// Adds --region, --profile and --endpoint-url to `command`, storing into `options` (which must outlive parsing).
void add_aws_options(CLI::App& command, aws::AwsOptions& options);

// Exit-code-2 classification shared by commands: returns a one-line "what failed, what to do" message for
// credential, configuration, endpoint, permission and network failures; empty for other exceptions.
std::string describe_startup_failure(const std::exception& error);

}  // namespace pingwatch::runtime
