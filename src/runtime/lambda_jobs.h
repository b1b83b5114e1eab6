#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/shard.h"

#include "monitor/jobs.h"

namespace pingwatch::runtime {

// A job that could not start (credentials, permission, endpoint) or whose writes partly failed is reported
// through /error (HandlerError "Job.CouldNotStart" / "Job.PartialFailure", the summary attached) so that the
// function's Errors metric counts it; a run cut short by the deadline without errors is a normal partial
// summary, returned as the response with deadline_reached = true.
nlohmann::json job_result_or_throw(const monitor::JobResult& result);

// The invocation's shard: the EventBridge rule's constant input {"shard":"k/N"} (deploy/template.yaml, one rule
// per shard). Absent (a plain scheduled event, a test invoke): nullopt, and watch.shard applies. A shard that is
// not a "k/N" string, or one sent to a job that does not shard (only watch does), is a HandlerError
// "Event.InvalidShard" naming the field: a silent fallback would make every shard watch every pair.
std::optional<core::Shard> shard_from_event(const nlohmann::json& event, const std::string& job);

}  // namespace pingwatch::runtime
