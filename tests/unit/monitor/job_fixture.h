#pragma once
// A FakeAws with real typed clients on top, and pingwatch's default settings.
#include <memory>

#include "monitor/config.h"
#include "monitor/jobs.h"
#include "unit/monitor/fake_aws.h"

namespace pingwatch::testing {

struct JobFixture {
  std::shared_ptr<FakeAws> fake = std::make_shared<FakeAws>();
  monitor::Settings settings;
  monitor::JobClients clients;

  JobFixture() {
    settings.alarm.topic_arn = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping";
    settings.alarm.put_tps = 1000;      // tests of the limiter itself use a fake clock
    settings.alarm.delete_tps = 1000;
    clients.ssm = std::make_shared<aws::SsmClient>(fake->client_config(fake));
    clients.cloudwatch = std::make_shared<aws::CloudWatchClient>(fake->client_config(fake));
  }

  monitor::JobResult publish() {
    monitor::JobContext ctx{settings, clients};
    return monitor::run_publish(ctx);
  }
  monitor::JobResult sync(bool dry_run = false) {
    monitor::JobContext ctx{settings, clients};
    ctx.dry_run = dry_run;
    return monitor::run_sync_alarms(ctx);
  }
};

}  // namespace pingwatch::testing
