// pingwatch-lambda: the Lambda custom runtime alone, the executable `make package` puts in the zip. It is
// linked without the CLI, the daemon, the status server and the local stack (src/CMakeLists.txt), and reaches
// its first Runtime API /next without loading libcurl (docs/deploy.md, "Cold start").
#include "runtime/lambda_runtime.h"

int main() { return pingwatch::runtime::run_lambda_runtime(); }
