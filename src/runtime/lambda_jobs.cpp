// _HANDLER -> job. The monitor jobs (src/monitor/jobs.h) are wired in here once they exist; until then
// the table is empty and every _HANDLER is reported through /init/error as unknown.
#include "runtime/lambda_handler.h"

namespace pingwatch::runtime {

HandlerTable job_handler_table() { return {}; }

}  // namespace pingwatch::runtime
