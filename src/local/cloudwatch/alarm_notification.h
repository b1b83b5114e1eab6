#pragma once
// What CloudWatch publishes to an SNS action on a state change: the JSON message every non-email
// subscriber receives, the email text AWS renders for email subscribers, and the subject.
// Pure functions, so the exact bytes can be tested against real notifications.
#include <string>

#include "local/cloudwatch/alarm_model.h"

namespace pingwatch::local::cloudwatch {

struct StateChange {
  const Alarm* alarm = nullptr;      // definition, ARN, configuration timestamp (after the change)
  std::string account_id;
  std::string region;                // ap-northeast-1
  std::string old_state;
  std::string new_state;
  std::string reason;
  double time = 0;                   // StateChangeTime, simulated epoch seconds
};

// ALARM: "ssm-agent-i-0572676272d863124" in Asia Pacific (Tokyo)   (kept under SNS's 100 characters)
std::string notification_subject(const StateChange& change);
// {"AlarmName":…,"AlarmDescription":…,"AWSAccountId":…, … "Trigger":{…}} in CloudWatch's field order.
std::string notification_json(const StateChange& change);
// The email body up to and including "State Change Actions:"; SNS appends its unsubscribe footer.
std::string notification_email(const StateChange& change);
// {"default": json, "email": text} as SNS Publish takes it with MessageStructure=json.
std::string notification_message_structure(const StateChange& change);

// us-east-1 -> "US East (N. Virginia)"; unknown regions come back unchanged.
std::string region_display_name(const std::string& region);

}  // namespace pingwatch::local::cloudwatch
