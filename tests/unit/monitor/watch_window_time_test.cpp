// watch.maintenance_windows "NAME=START/END": START and END are epoch seconds or ISO 8601 times, read by the same
// parser as the wire's timestamps (aws::query_protocol::parse_iso8601): a zone offset is honoured, not dropped,
// and anything after the time is refused with the key and the fix.
#include <gtest/gtest.h>

#include "monitor/watch.h"

namespace pingwatch::monitor {
namespace {

ConfigSource window(const std::string& spec) {
  ConfigSource::Inputs in;
  in.flags = {{"watch.maintenance_windows", spec}};
  in.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return ConfigSource::load(std::move(in));
}

TEST(WatchWindowTime, IsoTimesWithAZoneEpochSecondsAndFractionsAgree) {
  const auto s = load_watch_settings(window("deploy=2024-04-12T17:27:00+09:00/1712914020.5"));
  ASSERT_EQ(s.policy.maintenance_windows.size(), 1u);
  const auto& w = s.policy.maintenance_windows[0];
  EXPECT_EQ(w.name, "deploy");
  EXPECT_EQ(w.start, 1712910420.0);   // 2024-04-12T08:27:00Z
  EXPECT_EQ(w.end, 1712914020.5);
  const auto z = load_watch_settings(window("deploy=2024-04-12T08:27:00Z/2024-04-12T09:27:00.500Z"));
  EXPECT_EQ(z.policy.maintenance_windows[0].start, 1712910420.0);
  EXPECT_EQ(z.policy.maintenance_windows[0].end, 1712914020.5);
}

TEST(WatchWindowTime, TrailingTextAndImpossibleDatesAreRefusedNamingTheKey) {
  for (const std::string bad : {"deploy=2024-04-12T08:27:00Zjunk/2024-04-12T09:00:00Z",
                                "deploy=2024-13-12T08:27:00Z/2024-04-12T09:00:00Z", "deploy=yesterday/tomorrow"}) {
    try {
      load_watch_settings(window(bad));
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("watch.maintenance_windows"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("YYYY-MM-DDTHH:MM:SSZ"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace pingwatch::monitor
