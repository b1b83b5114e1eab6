#include <gtest/gtest.h>

#include "runtime/lambda_handler.h"
#include "runtime/lambda_jobs.h"
#include "runtime/lambda_loop.h"

using namespace pingwatch;
using namespace pingwatch::runtime;

TEST(LambdaJobs, CleanAndDeadlineCutRunsAreResponses) {
  monitor::JobResult clean;
  clean.job = monitor::Job::Publish;
  clean.nodes_seen = 1000;
  EXPECT_EQ(job_result_or_throw(clean)["nodes_seen"], 1000);

  monitor::JobResult cut = clean;   // stopped paging before the Lambda deadline: a partial summary, not an error
  cut.deadline_reached = true;
  cut.inventory_complete = false;
  const auto json = job_result_or_throw(cut);
  EXPECT_EQ(json["deadline_reached"], true);
}

TEST(LambdaJobs, CouldNotStartIsAnErrorWithTheSummary) {
  monitor::JobResult r;
  r.job = monitor::Job::SyncAlarms;
  r.could_not_start = true;
  r.errors = {"AccessDeniedException: not authorized to perform cloudwatch:DescribeAlarms"};
  try {
    job_result_or_throw(r);
    FAIL() << "expected HandlerError";
  } catch (const HandlerError& e) {
    EXPECT_EQ(e.type, "Job.CouldNotStart");
    EXPECT_NE(std::string(e.what()).find("cloudwatch:DescribeAlarms"), std::string::npos);
    EXPECT_EQ(e.details["job"], "sync-alarms");
    // The runtime turns it into the /error body with the summary as stackTrace[0].
    try {
      throw e;
    } catch (...) {
      const LambdaError err = lambda_error_from_current_exception();
      EXPECT_EQ(err.type, "Job.CouldNotStart");
      ASSERT_EQ(err.stack_trace.size(), 1u);
      EXPECT_EQ(nlohmann::json::parse(err.stack_trace[0])["job"], "sync-alarms");
    }
  }
}

TEST(LambdaJobs, PartialFailureIsAnError) {
  monitor::JobResult r;
  r.job = monitor::Job::Publish;
  for (int i = 0; i < 5; ++i) r.errors.push_back("PutMetricData batch " + std::to_string(i) + " failed");
  try {
    job_result_or_throw(r);
    FAIL() << "expected HandlerError";
  } catch (const HandlerError& e) {
    EXPECT_EQ(e.type, "Job.PartialFailure");
    EXPECT_NE(std::string(e.what()).find("and 2 more"), std::string::npos);
  }
}

TEST(LambdaJobs, TableHasEveryRegisteredJob) {
  const HandlerTable table = job_handler_table();
  EXPECT_EQ(table.count("publish"), 1u);
  EXPECT_EQ(table.count("sync-alarms"), 1u);
}

TEST(LambdaJobs, ShardComesFromTheEventsConstantInput) {
  EXPECT_EQ(shard_from_event(nlohmann::json{{"shard", "2/3"}}, "watch"), (core::Shard{2, 3}));
  // A plain scheduled event, a test invoke, or no event: watch.shard applies.
  EXPECT_EQ(shard_from_event(nlohmann::json{{"detail-type", "Scheduled Event"}, {"source", "aws.events"}}, "watch"), std::nullopt);
  EXPECT_EQ(shard_from_event(nlohmann::json{{"dry_run", true}}, "watch"), std::nullopt);
  EXPECT_EQ(shard_from_event(nullptr, "watch"), std::nullopt);
  for (const auto& bad : {nlohmann::json{{"shard", "4/3"}}, nlohmann::json{{"shard", "0/1"}}, nlohmann::json{{"shard", 2}},
                          nlohmann::json{{"shard", "1/21"}}, nlohmann::json{{"shard", nullptr}}}) {
    try {
      shard_from_event(bad, "watch");
      ADD_FAILURE() << bad.dump() << " accepted";
    } catch (const HandlerError& e) {
      EXPECT_EQ(e.type, "Event.InvalidShard");
      EXPECT_EQ(std::string(e.what()).rfind("event.shard = ", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find("k/N"), std::string::npos) << e.what();
    }
  }
  try {
    shard_from_event(nlohmann::json{{"shard", "1/2"}}, "publish");
    ADD_FAILURE() << "a shard sent to publish was accepted";
  } catch (const HandlerError& e) {
    EXPECT_NE(std::string(e.what()).find("only the watch handler shards"), std::string::npos) << e.what();
  }
}

TEST(LambdaJobs, WatchHandlerRunsTheEventsShard) {
  // The Lambda environment: watch.shard 1/1 configured, one pair (default credentials, us-east-1), which is in
  // shard 1 of 2 (core/shard_test.cpp pins the hash): the event's 2/2 must win and watch nothing, so no call is made.
  setenv("AWS_REGION", "us-east-1", 1);
  setenv("PINGWATCH_WATCH_SHARD", "1/1", 1);
  setenv("PINGWATCH_WATCH_STATE", "/nonexistent/pingwatch-lambda-shard-test.db", 1);
  const auto handler = job_handler_table().at("watch")();
  const InvocationContext context;
  const auto response = handler(nlohmann::json{{"shard", "2/2"}}, context);
  EXPECT_EQ(response["plan"]["shard"], "2/2") << response.dump();
  EXPECT_TRUE(response["plan"]["watch"].empty()) << response.dump();
  try {
    handler(nlohmann::json{{"shard", "3/2"}}, context);
    ADD_FAILURE() << "shard 3/2 accepted";
  } catch (const HandlerError& e) {
    EXPECT_EQ(e.type, "Event.InvalidShard") << e.what();
  }
  for (const char* name : {"AWS_REGION", "PINGWATCH_WATCH_SHARD", "PINGWATCH_WATCH_STATE"}) unsetenv(name);
}
