// The throughput-fidelity frontier: which schedules no other beats on both,
// and the table and plot that show them.
#include "report/frontier.h"

#include <gtest/gtest.h>

namespace splitinfer {
namespace {

Candidate split(int at, double period, double db) {
  return {ScheduleKind::pipeline, {at}, {}, period, period, Fidelity{db, 0.0, 8, 8}};
}

TEST(Frontier, KeepsWhatNothingBeatsOnBoth) {
  const std::vector<Candidate> c = {
      split(0, 10.0, 200.0),  // slowest, exact: on
      split(3, 4.0, 40.0),    // on
      split(5, 5.0, 35.0),    // slower and worse than split 3: off
      split(7, 4.0, 40.0),    // ties split 3 on both: neither beats the other
      {ScheduleKind::data_parallel, {}, {}, 3.0, 9.0, Fidelity{30.0, 0.0, 7, 8}},  // fastest: on
  };
  EXPECT_EQ(pareto_frontier(c), (std::vector<bool>{true, true, false, true, true}));
}

TEST(Frontier, TableAndChartShowEveryCandidate) {
  const std::vector<Candidate> c = {
      split(0, 10.0, 200.0),
      split(3, 4.0, 40.0),
      {ScheduleKind::data_parallel, {}, {}, 3.0, 9.0, Fidelity{30.0, 0.0, 7, 8}}};
  const std::string md = frontier_markdown("m", "a,b", c, 2, "predicted");
  EXPECT_NE(md.find("| data-parallel (chosen) | 3.000 | 333.3 | 30.00 | 7/8 | yes |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| split 0 | 10.000 | 100.0 | exact | 8/8 | yes |"), std::string::npos);
  // Fastest first.
  EXPECT_LT(md.find("data-parallel (chosen)"), md.find("| split 3 |"));
  const LineChart chart = frontier_chart("m", "a,b", c, "predicted");
  ASSERT_EQ(chart.series.size(), 3u);  // splits, data-parallel, frontier
  EXPECT_EQ(chart.series[0].x, (std::vector<double>{kFrontierPlotCeilingDb, 40.0}));
  EXPECT_TRUE(chart.series[0].points_only);
  EXPECT_FALSE(chart.series[2].points_only);
  EXPECT_EQ(chart.series[2].x, (std::vector<double>{30.0, 40.0, kFrontierPlotCeilingDb}));
  EXPECT_NE(render_svg(chart).find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace splitinfer
