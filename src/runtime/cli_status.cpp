#include "runtime/commands.h"

namespace pingwatch::runtime {

void register_status_command(CLI::App& /*app*/, int& /*exit_code*/) {}

}  // namespace pingwatch::runtime
