#pragma once
// Rendering replies and errors the way each AWS protocol does (helpers beyond service.h's three).
#include <string>

#include "local/service.h"

namespace pingwatch::local {

// The XML namespace of a query-protocol service's replies and errors ("" when unknown).
std::string query_namespace(const std::string& signing_name);

// A ServiceError as the request's protocol renders it: JSON __type + x-amzn-ErrorType (and
// x-amzn-query-error for CloudWatch JSON in query-compatible mode), query ErrorResponse XML, EC2's
// <Response><Errors>, REST-JSON (Lambda) with x-amzn-ErrorType.
Response render_error(const Request& request, const ServiceError& error);

std::string new_request_id();   // random UUID v4

}  // namespace pingwatch::local
