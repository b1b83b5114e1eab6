#include "core/alarm_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace pingwatch::core {
namespace {

const char* kTopic = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping";

AlarmSpecOptions post_options() {
  AlarmSpecOptions o;
  o.topic_arn = kTopic;
  return o;
}

std::vector<AlarmSpec> desired_for(int from, int to) {
  std::vector<AlarmSpec> v;
  for (int i = from; i < to; ++i) v.push_back(alarm_spec_for("i-" + std::to_string(1000 + i), post_options()));
  return v;
}

TEST(AlarmSpec, HasThePostsExactParameters) {
  const AlarmSpec s = alarm_spec_for("i-0572676272d863124", post_options());
  EXPECT_EQ(s.alarm_name, "ssm-agent-i-0572676272d863124");
  EXPECT_EQ(s.alarm_actions, std::vector<std::string>{kTopic});
  EXPECT_TRUE(s.ok_actions.empty());
  EXPECT_EQ(s.namespace_, "SSM Agent");
  EXPECT_EQ(s.metric_name, "Status");
  ASSERT_EQ(s.dimensions.size(), 1u);
  EXPECT_EQ(s.dimensions[0].name, "Per-Instance Metrics");
  EXPECT_EQ(s.dimensions[0].value, "i-0572676272d863124");
  EXPECT_EQ(s.statistic, "Maximum");
  EXPECT_EQ(s.period, 60);
  EXPECT_EQ(s.evaluation_periods, 1);
  EXPECT_EQ(s.datapoints_to_alarm, 1);
  EXPECT_EQ(s.threshold, 1.0);
  EXPECT_EQ(s.comparison_operator, "GreaterThanOrEqualToThreshold");
  EXPECT_EQ(s.treat_missing_data, "missing");
  EXPECT_TRUE(is_managed_by_pingwatch(s.alarm_description));
  EXPECT_LE(s.alarm_description.size(), 1024u);   // CloudWatch's limit
  ASSERT_EQ(s.tags.size(), 1u);
  EXPECT_EQ(s.tags[0].first, "managed-by");
  EXPECT_EQ(s.tags[0].second, "pingwatch");
}

TEST(AlarmSpec, NamesRoundTripThroughThePrefix) {
  EXPECT_EQ(instance_id_from_alarm_name("ssm-agent-mi-0123456789abcdef0", "ssm-agent-"), "mi-0123456789abcdef0");
  EXPECT_FALSE(instance_id_from_alarm_name("other-i-1", "ssm-agent-"));
  EXPECT_FALSE(instance_id_from_alarm_name("ssm-agent-", "ssm-agent-"));
  EXPECT_FALSE(is_managed_by_pingwatch(""));
  EXPECT_FALSE(is_managed_by_pingwatch("managed by pingwatch"));
}

TEST(AlarmPlan, EmptyAccountCreatesEveryAlarm) {
  auto plan = plan_alarms(desired_for(0, 120), {}, {});
  EXPECT_EQ(plan.create.size(), 120u);
  EXPECT_TRUE(plan.update.empty());
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(std::is_sorted(plan.create.begin(), plan.create.end(),
                             [](const auto& a, const auto& b) { return a.alarm_name < b.alarm_name; }));
}

TEST(AlarmPlan, UnchangedFleetPlansNothing) {
  auto want = desired_for(0, 50);
  auto plan = plan_alarms(want, want, {});
  EXPECT_TRUE(plan.empty());
  EXPECT_EQ(plan.unchanged, 50u);
}

TEST(AlarmPlan, DriftIsDetectedFieldByField) {
  auto want = desired_for(0, 3);
  auto have = want;
  have[0].threshold = 2.0;
  have[1].alarm_actions = {"arn:aws:sns:ap-northeast-1:123456789012:Other"};
  have[1].period = 300;
  have[2].datapoints_to_alarm.reset();   // absent == EvaluationPeriods (1): no drift
  auto plan = plan_alarms(want, have, {});
  ASSERT_EQ(plan.update.size(), 2u);
  EXPECT_EQ(plan.update[0].desired.alarm_name, want[0].alarm_name);
  EXPECT_EQ(plan.update[0].drifted_fields, std::vector<std::string>{"Threshold"});
  EXPECT_EQ(plan.update[1].drifted_fields, (std::vector<std::string>{"AlarmActions", "Period"}));
  EXPECT_FALSE(plan.update[0].adopted);
  EXPECT_EQ(plan.unchanged, 1u);
}

TEST(AlarmPlan, ActionOrderAndThresholdNoiseAreNotDrift) {
  auto o = post_options();
  o.ok_actions = {"arn:a", "arn:b"};
  auto want = alarm_spec_for("i-1", o);
  auto have = want;
  have.ok_actions = {"arn:b", "arn:a"};
  have.threshold = 1.0 + 1e-12;
  have.tags.clear();   // DescribeAlarms never returns tags
  EXPECT_TRUE(alarm_drift(want, have).empty());
}

TEST(AlarmPlan, GoneNodesLoseOnlyPingwatchAlarms) {
  auto have = desired_for(0, 120);
  AlarmSpec foreign = alarm_spec_for("i-gone-foreign", post_options());
  foreign.alarm_description.clear();   // made by the post's Lambda or by hand
  have.push_back(foreign);
  AlarmSpec other_namespace = alarm_spec_for("i-x", post_options());
  other_namespace.alarm_name = "cpu-high-i-x";   // not ours by name
  have.push_back(other_namespace);
  auto plan = plan_alarms(desired_for(20, 120), have, {});
  ASSERT_EQ(plan.remove.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(std::binary_search(plan.remove.begin(), plan.remove.end(), "ssm-agent-i-" + std::to_string(1000 + i)));
  }
  EXPECT_EQ(plan.left_alone, std::vector<std::string>{"ssm-agent-i-gone-foreign"});
  EXPECT_TRUE(plan.create.empty());
  EXPECT_TRUE(plan.update.empty());
}

TEST(AlarmPlan, IncompleteInventoryNeverDeletes) {
  auto have = desired_for(0, 100);
  auto plan = plan_alarms(desired_for(0, 50), have, {.inventory_complete = false});
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(plan.deletes_withheld);
}

TEST(AlarmPlan, ThePostsAlarmsAreAdoptedOrLeftAlone) {
  auto want = desired_for(0, 1);
  auto have = want;
  have[0].alarm_description.clear();   // the post's alarm: same parameters, no description
  auto adopt = plan_alarms(want, have, {});
  ASSERT_EQ(adopt.update.size(), 1u);
  EXPECT_TRUE(adopt.update[0].adopted);
  EXPECT_EQ(adopt.update[0].drifted_fields, std::vector<std::string>{"AlarmDescription"});
  auto keep = plan_alarms(want, have, {.adopt_unmanaged = false});
  EXPECT_TRUE(keep.empty());
}

TEST(AlarmPlan, DuplicateNodesPlanOneAlarm) {
  auto want = desired_for(0, 2);
  want.push_back(want[0]);
  EXPECT_EQ(plan_alarms(want, {}, {}).create.size(), 2u);
}

}  // namespace
}  // namespace pingwatch::core
