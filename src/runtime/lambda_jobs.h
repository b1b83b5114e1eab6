#pragma once
#include <nlohmann/json.hpp>

#include "monitor/jobs.h"

namespace pingwatch::runtime {

// A job that could not start (credentials, permission, endpoint) or whose writes partly failed is reported
// through /error (HandlerError "Job.CouldNotStart" / "Job.PartialFailure", the summary attached) so that the
// function's Errors metric counts it; a run cut short by the deadline without errors is a normal partial
// summary, returned as the response with deadline_reached = true.
nlohmann::json job_result_or_throw(const monitor::JobResult& result);

}  // namespace pingwatch::runtime
