#include <fstream>

#include <gtest/gtest.h>

#include "core/cost_model.h"

using namespace pingwatch::core;

namespace {
PriceTable repo_prices() {
  std::ifstream in(std::string(PINGWATCH_SOURCE_DIR) + "/data/prices.json");
  return parse_price_table(nlohmann::json::parse(in));
}
double total(const std::vector<DesignCost>& d, const std::string& name) {
  for (const auto& x : d) if (x.design == name) return x.total_usd;
  return -1;
}
}  // namespace

TEST(CostModel, TieredCustomMetrics) {
  std::vector<MetricTier> tiers{{10000, 0.30}, {250000, 0.10}, {1000000, 0.05}, {std::nullopt, 0.02}};
  EXPECT_NEAR(custom_metrics_usd(1000, tiers), 300, 1e-9);
  EXPECT_NEAR(custom_metrics_usd(10000, tiers), 3000, 1e-9);
  EXPECT_NEAR(custom_metrics_usd(20000, tiers), 3000 + 1000, 1e-9);
  EXPECT_NEAR(custom_metrics_usd(2000000, tiers), 3000 + 24000 + 37500 + 20000, 1e-6);
}

TEST(CostModel, PostAtThousandNodesMatchesTheProjectFacts) {
  auto costs = estimate_costs({1000, 1, 1}, repo_prices());
  // aws-facts.md: $300 metrics + ~$100 alarms + ~$432 PutMetricData + ~$432 PutMetricAlarm ~= $1,250.
  EXPECT_NEAR(total(costs, "post"), 1264, 20);
  EXPECT_LT(total(costs, "watch"), total(costs, "post") * 0.01);
  EXPECT_LT(total(costs, "post-fixed"), total(costs, "post"));
}

TEST(CostModel, BadTableNamesTheField) {
  try {
    parse_price_table(nlohmann::json::parse(R"({"region":"us-east-1","as_of":"x","sources":{}})"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cloudwatch"), std::string::npos);
  }
}
