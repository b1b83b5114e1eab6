#include "runtime/commands.h"

namespace pingwatch::runtime {

void register_local_commands(CLI::App& /*app*/, int& /*exit_code*/) {}

}  // namespace pingwatch::runtime
