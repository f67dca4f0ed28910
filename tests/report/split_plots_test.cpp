// The Figures 5-7 charts carry the planner's numbers: stage latencies per
// split index, transfer latency per hop count, bytes per precision.
#include "report/split_plots.h"

#include <gtest/gtest.h>

namespace splitinfer {
namespace {

// Stage time = number of units times the element's per-unit time.
class LinearCosts : public CostSource {
 public:
  int unit_count() const override { return 4; }
  bool knows(const std::string&) const override { return true; }
  StageEstimate stage(const std::string& e, int first, int last) const override {
    return {(last - first) * (e == "a" ? 1.0 : 3.0), CostBasis::simulated};
  }
};

PlanProblem problem(const CostSource& costs) {
  PlanProblem p;
  p.costs = &costs;
  p.chain = {{"a", Precision::int8}, {"b", Precision::fp32}};
  p.cut_elements = {100, 1000, 2000, 3000, 10};
  p.link = {"l", 0.5, 1e-3, "spec"};  // 0.5 ms + 1 ms per 1000 bytes
  return p;
}

TEST(SplitPlots, StageChartFollowsThePlans) {
  const LinearCosts costs;
  const PlanProblem p = problem(costs);
  const LineChart chart = stage_latency_chart("m", p, 3, "simulated");
  ASSERT_EQ(chart.series.size(), 2u);
  EXPECT_EQ(chart.series[0].x, (std::vector<double>{0, 1, 2, 3, 4}));
  // Split 1: a runs 1 unit and sends 1000 + 8 bytes (0.5 + 1.008 ms); b runs 3 units.
  EXPECT_NEAR(chart.series[0].y[1], 1.0 + 1.508, 1e-9);
  EXPECT_NEAR(chart.series[1].y[1], 9.0, 1e-9);
  EXPECT_NEAR(chart.series[0].y[0], 0.0, 1e-12);  // nothing on a
  ASSERT_TRUE(chart.marker);
  EXPECT_EQ(chart.marker->x, 3.0);
  EXPECT_NE(chart.marker->label.find("3"), std::string::npos);
  EXPECT_FALSE(render_svg(chart).empty());
}

TEST(SplitPlots, TransferAndBytesCharts) {
  const LinearCosts costs;
  const PlanProblem p = problem(costs);
  const LineChart transfer = transfer_latency_chart("m", p);
  ASSERT_EQ(transfer.series.size(), 2u);
  EXPECT_EQ(transfer.series[0].x, (std::vector<double>{1, 2, 3}));
  EXPECT_NEAR(transfer.series[0].y[1], 0.5 + 2.008, 1e-9);        // direct: one hop
  EXPECT_NEAR(transfer.series[1].y[1], 2 * (0.5 + 2.008), 1e-9);  // indirect: two
  const LineChart bytes = handoff_bytes_chart("m", p);
  EXPECT_EQ(bytes.series[0].y, (std::vector<double>{1008, 2008, 3008}));
  EXPECT_EQ(bytes.series[1].y, (std::vector<double>{4000, 8000, 12000}));
  EXPECT_TRUE(bytes.log_y);
  EXPECT_FALSE(render_svg(bytes).empty());
}

}  // namespace
}  // namespace splitinfer
