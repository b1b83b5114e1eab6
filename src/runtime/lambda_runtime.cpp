#include "runtime/commands.h"

namespace pingwatch::runtime {

int run_lambda_runtime() { return 2; }

}  // namespace pingwatch::runtime
