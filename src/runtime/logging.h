#pragma once
// The jobs' log lines (spdlog's default logger), shared by the CLI, the daemon and the Lambda runtime.
#include "monitor/config.h"

namespace pingwatch::runtime {

// Sets spdlog's default logger: JSON lines ({"time","level","msg"} plus the fields of a message that is
// itself a JSON object) or plain text, on stdout or stderr, at the configured level.
void configure_logging(const monitor::LogSettings& settings, bool to_stdout);

}  // namespace pingwatch::runtime
