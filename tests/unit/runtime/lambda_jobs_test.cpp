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
