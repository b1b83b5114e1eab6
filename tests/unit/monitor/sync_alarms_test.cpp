#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <fstream>

#include "monitor/alarm_memo.h"
#include "monitor/sync_alarms.h"
#include "unit/monitor/job_fixture.h"

namespace pingwatch::monitor {
namespace {

using testing::JobFixture;

TEST(SyncAlarms, CreatesOneAlarmPerNodeWithThePostsParameters) {
  JobFixture f;
  f.fake->add_nodes("i-0", 120);
  const JobResult r = f.sync();
  EXPECT_TRUE(r.ok()) << r.to_json().dump();
  EXPECT_EQ(r.alarms_created, 120);
  EXPECT_EQ(f.fake->calls_of("PutMetricAlarm"), 120);
  const auto alarms = f.fake->alarms();
  ASSERT_EQ(alarms.size(), 120u);
  const auto& a = alarms.at("ssm-agent-i-0100000");
  EXPECT_EQ(a["AlarmActions"], nlohmann::json::array({"arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping"}));
  EXPECT_EQ(a["MetricName"], "Status");
  EXPECT_EQ(a["Namespace"], "SSM Agent");
  EXPECT_EQ(a["Statistic"], "Maximum");
  EXPECT_EQ(a["Dimensions"], nlohmann::json::parse(R"([{"Name":"Per-Instance Metrics","Value":"i-0100000"}])"));
  EXPECT_EQ(a["Period"], 60);
  EXPECT_EQ(a["EvaluationPeriods"], 1);
  EXPECT_EQ(a["DatapointsToAlarm"], 1);
  EXPECT_EQ(a["Threshold"], 1.0);
  EXPECT_EQ(a["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
  EXPECT_EQ(a["TreatMissingData"], "missing");
  EXPECT_EQ(a["AlarmDescription"].get<std::string>().rfind("Managed by pingwatch: ", 0), 0u);
  EXPECT_FALSE(a.contains("OKActions"));
}

TEST(SyncAlarms, SecondRunOnUnchangedFleetWritesNothing) {
  JobFixture f;
  f.fake->add_nodes("i-0", 120);
  f.sync();
  f.fake->reset_calls();
  const JobResult r = f.sync();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(f.fake->write_calls(), 0);
  EXPECT_EQ(r.write_calls, 0);
  EXPECT_EQ(r.alarms_unchanged, 120);
  EXPECT_EQ(f.fake->calls_of("DescribeAlarms"), 2);   // 120 alarms, 100 per page
}

TEST(SyncAlarms, VanishedNodesLoseExactlyTheirAlarms) {
  JobFixture f;
  f.fake->add_nodes("i-0", 120);
  f.sync();
  const auto before = f.fake->alarms();
  f.fake->remove_nodes(20);
  f.fake->reset_calls();
  const JobResult r = f.sync();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.alarms_deleted, 20);
  EXPECT_EQ(f.fake->calls_of("DeleteAlarms"), 1);
  EXPECT_EQ(f.fake->calls_of("PutMetricAlarm"), 0);
  const auto after = f.fake->alarms();
  ASSERT_EQ(after.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(after.count("ssm-agent-i-0" + std::to_string(100000 + i)));
}

TEST(SyncAlarms, DeletesGoInChunksOfAHundred) {
  JobFixture f;
  f.fake->add_nodes("i-0", 250);
  f.sync();
  f.fake->remove_nodes(250);
  f.fake->reset_calls();
  const JobResult r = f.sync();
  EXPECT_EQ(r.alarms_deleted, 250);
  EXPECT_EQ(f.fake->calls_of("DeleteAlarms"), 3);
}

TEST(SyncAlarms, PartialInventoryNeverDeletes) {
  JobFixture f;
  f.fake->add_nodes("i-0", 120);
  f.sync();
  f.fake->fail_ssm_page(1, "InternalServerError");
  f.fake->reset_calls();
  const JobResult r = f.sync();
  EXPECT_FALSE(r.inventory_complete);
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(f.fake->calls_of("DeleteAlarms"), 0);
  EXPECT_EQ(f.fake->alarms().size(), 120u);
  EXPECT_EQ(r.plan["deletes_withheld"], true);
}

TEST(SyncAlarms, OnlyDriftedAlarmsAreRewritten) {
  JobFixture f;
  f.fake->add_nodes("i-0", 10);
  f.sync();
  auto drifted = f.fake->alarms().at("ssm-agent-i-0100003");
  drifted["Threshold"] = 2.0;
  f.fake->put_alarm_directly(drifted);
  f.fake->reset_calls();
  const JobResult r = f.sync();
  EXPECT_EQ(r.alarms_updated, 1);
  EXPECT_EQ(f.fake->calls_of("PutMetricAlarm"), 1);
  EXPECT_EQ(f.fake->alarms().at("ssm-agent-i-0100003")["Threshold"], 1.0);
  EXPECT_EQ(r.plan["update"][0]["drift"], nlohmann::json::array({"Threshold"}));
}

TEST(SyncAlarms, AlarmsPingwatchDidNotCreateAreNeverDeleted) {
  JobFixture f;
  f.fake->add_nodes("i-0", 2);
  f.fake->put_alarm_directly({{"AlarmName", "ssm-agent-i-gone"},
                              {"AlarmArn", "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ssm-agent-i-gone"},
                              {"MetricName", "Status"},
                              {"Namespace", "SSM Agent"},
                              {"Period", 60},
                              {"EvaluationPeriods", 1},
                              {"Threshold", 1.0},
                              {"ComparisonOperator", "GreaterThanOrEqualToThreshold"}});
  const JobResult r = f.sync();
  EXPECT_EQ(r.alarms_left_alone, 1);
  EXPECT_EQ(r.alarms_deleted, 0);
  EXPECT_TRUE(f.fake->alarms().count("ssm-agent-i-gone"));
}

TEST(SyncAlarms, ThePostsAlarmIsAdoptedAndTagged) {
  JobFixture f;
  f.fake->add_nodes("i-0", 1);
  f.fake->put_alarm_directly({{"AlarmName", "ssm-agent-i-0100000"},
                              {"AlarmArn", "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:ssm-agent-i-0100000"},
                              {"AlarmActions", {"arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping"}},
                              {"MetricName", "Status"},
                              {"Namespace", "SSM Agent"},
                              {"Statistic", "Maximum"},
                              {"Dimensions", {{{"Name", "Per-Instance Metrics"}, {"Value", "i-0100000"}}}},
                              {"Period", 60},
                              {"EvaluationPeriods", 1},
                              {"DatapointsToAlarm", 1},
                              {"Threshold", 1.0},
                              {"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
                              {"TreatMissingData", "missing"}});
  const JobResult r = f.sync();
  EXPECT_EQ(r.alarms_updated, 1);
  EXPECT_EQ(f.fake->calls_of("TagResource"), 1);
  EXPECT_EQ(r.plan["update"][0]["adopted"], true);
}

TEST(SyncAlarms, DryRunPrintsThePlanAndWritesNothing) {
  JobFixture f;
  f.fake->add_nodes("i-0", 5);
  const JobResult r = f.sync(true);
  EXPECT_EQ(f.fake->write_calls(), 0);
  EXPECT_EQ(r.plan["create"].size(), 5u);
  EXPECT_EQ(r.plan["create"][0], "ssm-agent-i-0100000");
  EXPECT_TRUE(r.to_json()["dry_run"].get<bool>());
}

TEST(SyncAlarms, OkActionsAreSetWhenConfigured) {
  JobFixture f;
  f.fake->add_nodes("i-0", 1);
  f.settings.alarm.ok_actions = {f.settings.alarm.topic_arn};
  f.sync();
  EXPECT_EQ(f.fake->alarms().begin()->second["OKActions"], nlohmann::json::array({f.settings.alarm.topic_arn}));
}

TEST(SyncAlarms, WritesRespectThePutMetricAlarmRate) {
  JobFixture f;
  f.fake->add_nodes("i-0", 7);
  f.settings.alarm.put_tps = 20;   // 50 ms apart: 7 writes take at least 300 ms
  const auto t0 = std::chrono::steady_clock::now();
  f.sync();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(took, 0.29);
  // The spacing itself is tested on a fake clock (rate_limiter_test.cpp); here: every write went, none early.
  EXPECT_EQ(f.fake->put_metric_alarm_times().size(), 7u);
}

TEST(SyncAlarms, RefusedDescribeAlarmsWritesNothingAndCannotStart) {
  JobFixture f;
  f.fake->add_nodes("i-0", 5);
  f.fake->fail_operation("DescribeAlarms");
  const JobResult r = f.sync();
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_EQ(f.fake->write_calls(), 0);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("AccessDeniedException"), std::string::npos);
}

TEST(SyncAlarms, FailedWritesArePartialFailures) {
  JobFixture f;
  f.fake->add_nodes("i-0", 3);
  f.fake->fail_operation("PutMetricAlarm");
  const JobResult r = f.sync();
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.alarms_created, 0);
}

TEST(Publish, RefusedPutMetricDataIsAPartialFailure) {
  JobFixture f;
  f.fake->add_nodes("i-0", 10);
  f.fake->fail_operation("PutMetricData");
  const JobResult r = f.publish();
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.data_failed, 10);
  EXPECT_EQ(r.data_published, 0);
}

TEST(SyncAlarms, StopRequestEndsWritesEarly) {
  JobFixture f;
  f.fake->add_nodes("i-0", 50);
  f.settings.alarm.write_concurrency = 1;   // one writer: exactly the writes before the stop went
  JobContext ctx{f.settings, f.clients};
  int polls = 0;
  ctx.stop_requested = [&] { return ++polls > 10; };
  const JobResult r = run_sync_alarms(ctx);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.alarms_created, 10);
  EXPECT_EQ(r.exit_code(), 1);
}

TEST(SyncAlarms, ConcurrentWritersCreateEveryAlarmOnce) {
  JobFixture f;
  f.fake->add_nodes("i-0", 257);
  f.settings.alarm.write_concurrency = 8;
  const JobResult r = f.sync();
  EXPECT_TRUE(r.ok()) << r.to_json().dump();
  EXPECT_EQ(r.alarms_created, 257);
  EXPECT_EQ(r.write_calls, 257);
  EXPECT_EQ(f.fake->calls_of("PutMetricAlarm"), 257);
  EXPECT_EQ(f.fake->alarms().size(), 257u);
}

struct MemoFixture : JobFixture {
  std::shared_ptr<AlarmMemoStore> memo = std::make_shared<AlarmMemoStore>();
  std::function<double()> now;   // empty: the system clock
  std::string memo_scope() const { return alarm_memo_scope(settings); }
  JobResult sync_with_memo() {
    JobContext ctx{settings, clients};
    ctx.alarm_memo = memo;
    ctx.now = now;
    return run_sync_alarms(ctx);
  }
};

TEST(SyncAlarmsMemo, ExpiresAfterRecheckMinutesOnTheJobsClock) {
  MemoFixture f;
  double now = 1'700'000'000;
  f.now = [&now] { return now; };
  f.settings.alarm.recheck_minutes = 15;
  f.fake->add_nodes("i-0", 20);
  EXPECT_FALSE(f.sync_with_memo().alarms_check_skipped);   // full check at `now`
  EXPECT_EQ(f.memo->get(f.memo_scope())->checked_at, now);
  now += 15 * 60 - 1;                                      // one second before the recheck
  EXPECT_TRUE(f.sync_with_memo().alarms_check_skipped);
  now += 1;                                                // exactly recheck_minutes old: read again
  f.fake->reset_calls();
  EXPECT_FALSE(f.sync_with_memo().alarms_check_skipped);
  EXPECT_EQ(f.fake->calls_of("DescribeAlarms"), 1);
  EXPECT_EQ(f.memo->get(f.memo_scope())->checked_at, now);   // and remembered on the same clock
  now -= 60;                                               // a clock that went back: not trusted, read again
  EXPECT_FALSE(f.sync_with_memo().alarms_check_skipped);
}

TEST(SyncAlarmsMemo, UnchangedFleetSkipsDescribeAlarmsUntilTheRecheck) {
  MemoFixture f;
  f.fake->add_nodes("i-0", 120);
  EXPECT_FALSE(f.sync_with_memo().alarms_check_skipped);   // first: full check, creates 120
  f.fake->reset_calls();
  const JobResult r = f.sync_with_memo();
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.alarms_check_skipped);
  EXPECT_EQ(f.fake->calls_of("DescribeAlarms"), 0);
  EXPECT_EQ(f.fake->write_calls(), 0);
  EXPECT_EQ(r.api_calls, 3);   // the three node pages only
  // The memo is older than recheck_minutes: every alarm is read again.
  auto m = *f.memo->get(f.memo_scope());
  m.checked_at -= 16 * 60;
  f.memo->put(f.memo_scope(), m);
  f.fake->reset_calls();
  EXPECT_FALSE(f.sync_with_memo().alarms_check_skipped);
  EXPECT_EQ(f.fake->calls_of("DescribeAlarms"), 2);
}

TEST(SyncAlarmsMemo, ANewOrVanishedNodeChecksEveryAlarm) {
  MemoFixture f;
  f.fake->add_nodes("i-0", 30);
  f.sync_with_memo();
  f.fake->add_nodes("i-1", 1);
  JobResult r = f.sync_with_memo();
  EXPECT_FALSE(r.alarms_check_skipped);
  EXPECT_EQ(r.alarms_created, 1);
  f.fake->remove_nodes(2);
  r = f.sync_with_memo();
  EXPECT_FALSE(r.alarms_check_skipped);
  EXPECT_EQ(r.alarms_deleted, 2);
  EXPECT_TRUE(f.sync_with_memo().alarms_check_skipped);
}

TEST(SyncAlarmsMemo, AChangedParameterChecksEveryAlarm) {
  MemoFixture f;
  f.fake->add_nodes("i-0", 10);
  f.sync_with_memo();
  f.settings.alarm.threshold = 2;
  const JobResult r = f.sync_with_memo();
  EXPECT_FALSE(r.alarms_check_skipped);
  EXPECT_EQ(r.alarms_updated, 10);
}

TEST(SyncAlarmsMemo, AFailedWriteIsNotRemembered) {
  MemoFixture f;
  f.fake->add_nodes("i-0", 3);
  f.fake->fail_operation("PutMetricAlarm");
  EXPECT_EQ(f.sync_with_memo().exit_code(), 1);
  EXPECT_FALSE(f.memo->get(f.memo_scope()).has_value());
  f.fake->fail_operation("");
  const JobResult r = f.sync_with_memo();
  EXPECT_FALSE(r.alarms_check_skipped);
  EXPECT_EQ(r.alarms_created, 3);
}

TEST(SyncAlarmsMemo, AnIncompleteInventoryIsNeverSkipped) {
  MemoFixture f;
  f.fake->add_nodes("i-0", 120);
  f.sync_with_memo();
  f.fake->fail_ssm_page(1);
  const JobResult r = f.sync_with_memo();
  EXPECT_FALSE(r.alarms_check_skipped);
  EXPECT_FALSE(r.inventory_complete);
}

TEST(SyncAlarmsMemo, TheStateFileCarriesTheMemoAcrossProcesses) {
  const auto path = std::filesystem::temp_directory_path() / ("pingwatch-memo-" + std::to_string(::getpid()) + ".json");
  std::filesystem::remove(path);
  MemoFixture f;
  f.memo = std::make_shared<AlarmMemoStore>(path.string());
  f.fake->add_nodes("i-0", 10);
  f.sync_with_memo();
  f.memo = std::make_shared<AlarmMemoStore>(path.string());   // a new process reads the file
  EXPECT_TRUE(f.sync_with_memo().alarms_check_skipped);
  {
    std::ofstream broken(path);
    broken << "{not json";
  }
  try {
    AlarmMemoStore bad(path.string());
    ADD_FAILURE() << "a broken state file was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("delete it"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(SyncAlarmsMemo, AnUnwritableStateFileIsAnErrorNotACrash) {
  const auto dir = std::filesystem::temp_directory_path() / ("pingwatch-memo-ro-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "state.json");   // a directory where the file should go
  MemoFixture f;
  // ".../state.json/x/.." names that directory: nothing to read at start, and the final rename onto it fails.
  f.memo = std::make_shared<AlarmMemoStore>((dir / "state.json" / "x" / "..").string());
  f.fake->add_nodes("i-0", 3);
  const JobResult r = f.sync_with_memo();
  EXPECT_EQ(r.alarms_created, 3);   // the alarms were written
  EXPECT_EQ(r.exit_code(), 1);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors.back().find("state file"), std::string::npos) << r.errors.back();
  std::filesystem::remove_all(dir);
}

TEST(SyncAlarmsMemo, FingerprintIgnoresOrderAndSeesEveryField) {
  core::AlarmSpecOptions o;
  o.topic_arn = "arn:aws:sns:us-east-1:123456789012:t";
  const std::vector<std::string> ids{"i-1", "i-2"};
  const auto base = alarm_fingerprint(ids, o);
  EXPECT_EQ(base, alarm_fingerprint({"i-2", "i-1"}, o));
  EXPECT_NE(base, alarm_fingerprint({"i-1", "i-3"}, o));
  EXPECT_NE(base, alarm_fingerprint({"i-1"}, o));
  auto changed = o;
  changed.treat_missing_data = "breaching";
  EXPECT_NE(base, alarm_fingerprint(ids, changed));
  changed = o;
  changed.ok_actions.push_back("arn:aws:sns:us-east-1:123456789012:u");
  EXPECT_NE(base, alarm_fingerprint(ids, changed));
  changed = o;
  changed.threshold = 2;
  EXPECT_NE(base, alarm_fingerprint(ids, changed));
}

TEST(Cycle, PublishAndSyncReadTheNodesOnce) {
  JobFixture f;
  f.fake->add_nodes("i-0", 120);
  JobContext ctx{f.settings, f.clients};
  const JobResult r = run_cycle(ctx);
  EXPECT_TRUE(r.ok()) << r.to_json().dump();
  EXPECT_EQ(r.job, Job::Cycle);
  EXPECT_EQ(f.fake->calls_of("DescribeInstanceInformation"), 3);
  EXPECT_EQ(r.data_published, 120);
  EXPECT_EQ(r.alarms_created, 120);
  EXPECT_EQ(r.api_calls, f.fake->calls_of("DescribeInstanceInformation") + f.fake->calls_of("PutMetricData") +
                             f.fake->calls_of("DescribeAlarms") + f.fake->calls_of("PutMetricAlarm"));
  const auto j = r.to_json();
  EXPECT_TRUE(j.contains("data_published"));
  EXPECT_TRUE(j.contains("alarms_created"));
}

TEST(Cycle, AnIncompleteInventoryPublishesWhatItReadAndDeletesNothing) {
  JobFixture f;
  f.fake->add_nodes("i-0", 120);
  JobContext ctx{f.settings, f.clients};
  run_cycle(ctx);
  f.fake->fail_ssm_page(2);
  f.fake->reset_calls();
  const JobResult r = run_cycle(ctx);
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_EQ(r.data_published, 100);
  EXPECT_EQ(r.alarms_deleted, 0);
  EXPECT_EQ(f.fake->calls_of("DeleteAlarms"), 0);
}

}  // namespace
}  // namespace pingwatch::monitor
