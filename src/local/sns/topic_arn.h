#pragma once
// Topic ARNs as SNS checks them before looking a topic up: a malformed ARN (too few elements, not
// arn:<partition>:sns, another region than the request's, a bad account or name) is 400 InvalidParameter
// "Invalid parameter: <Param>[ Reason: ...]"; only a well-formed ARN of a missing topic is 404 NotFound.
#include <string>

namespace pingwatch::local::sns {

// Throws ServiceError(400, "InvalidParameter", ...) naming `param` (TopicArn, TargetArn) when `arn` is not a
// well-formed topic ARN. `region` is the region the request was signed for; empty = any region (the unsigned
// SubscribeURL and the stack's own CloudWatch path, which take the topic's region from the ARN).
void validate_topic_arn(const std::string& arn, const std::string& param, const std::string& region);

// The region element of a topic ARN ("" when the ARN has fewer than four elements).
std::string topic_arn_region(const std::string& arn);

}  // namespace pingwatch::local::sns
