// Targets and splits from a dataset record and from predicted curves,
// against values worked out by hand.
#include "predict/unit_curves.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "common/precision.h"
#include "graph/graph.h"
#include "predict/curve_cost_source.h"

namespace splitinfer::predict {
namespace {

// Three units; splits 0..3.
ModelRecord three_units() {
  ModelRecord r;
  r.units = 3;
  r.first_ms = {0.0, 1.0, 3.0, 6.0};
  r.second_ms = {9.0, 7.0, 2.0, 0.0};
  r.handoff_bytes = {0, 100 + kInt8HandoffHeaderBytes, 40 + kInt8HandoffHeaderBytes, 0};
  r.latency_ms = {9.0, 8.5, 5.2, 6.0};
  r.period_ms = {9.0, 7.0, 3.0, 6.0};
  r.best_latency_split = 2;
  r.best_throughput_split = 2;
  return r;
}

TEST(UnitCurves, TargetsComeFromThePrefixAndSuffixTimes) {
  const ModelRecord r = three_units();
  EXPECT_EQ(first_element_curve(r), (std::vector<double>{1.0, 3.0, 6.0}));
  EXPECT_EQ(second_element_curve(r), (std::vector<double>{9.0, 7.0, 2.0}));
  EXPECT_EQ(first_element_labels(r, Objective::latency), (std::vector<double>{1.0, 1.0, 0.0}));
  EXPECT_EQ(cut_elements(r), (std::vector<int64_t>{0, 100, 40, 0}));
  EXPECT_EQ(&objective_curve(r, Objective::throughput), &r.period_ms);
}

// Periods 9, 7, 3, 6 at splits 0..3, best 3: weights exp(-(p / 3 - 1) / t).
TEST(UnitCurves, SoftLabelsWeighEverySplitByHowCloseItIsToTheBest) {
  const ModelRecord r = three_units();
  EXPECT_EQ(first_element_soft_labels(r, Objective::throughput, 0.0),
            first_element_labels(r, Objective::throughput));
  const double t = 0.5;
  std::vector<double> w;
  for (double p : r.period_ms) w.push_back(std::exp(-(p / 3.0 - 1.0) / t));
  const double total = w[0] + w[1] + w[2] + w[3];
  const std::vector<double> soft = first_element_soft_labels(r, Objective::throughput, t);
  ASSERT_EQ(soft.size(), 3u);
  EXPECT_NEAR(soft[0], (w[1] + w[2] + w[3]) / total, 1e-12);
  EXPECT_NEAR(soft[1], (w[2] + w[3]) / total, 1e-12);
  EXPECT_NEAR(soft[2], w[3] / total, 1e-12);
  // A tight tolerance leaves the best split's labels, nearly.
  const std::vector<double> tight = first_element_soft_labels(r, Objective::throughput, 0.01);
  EXPECT_GT(tight[1], 0.999);
  EXPECT_LT(tight[2], 0.001);
}

TEST(UnitCurves, UnitTimesAccumulateIntoPrefixAndSuffixCurves) {
  EXPECT_EQ(accumulated_curve({1.0, 2.0, 4.0}, 0), (std::vector<double>{1.0, 3.0, 7.0}));
  EXPECT_EQ(accumulated_curve({1.0, 2.0, 4.0}, 1), (std::vector<double>{7.0, 6.0, 4.0}));
  EXPECT_TRUE(accumulated_curve({}, 1).empty());
}

TEST(UnitCurves, SplitFromProbabilitiesIsTheMostLikelyCut) {
  EXPECT_EQ(split_from_probabilities({0.9, 0.8, 0.2, 0.1}), 2);
  EXPECT_EQ(split_from_probabilities({0.1, 0.2}), 0);
  EXPECT_EQ(split_from_probabilities({0.9, 0.9}), 2);
  // One unit out of line does not break a clear majority: 0.9*0.3*0.9*0.9
  // for k = 4 beats 0.9*0.7*... for every other k.
  EXPECT_EQ(split_from_probabilities({0.9, 0.3, 0.9, 0.9}), 4);
  EXPECT_THROW(split_from_probabilities({0.5, 1.5}), Error);
}

TEST(UnitCurves, SplitFromProbabilitiesWeighsAPredictedObjective) {
  // The labels alone split at 3 (log-likelihood 4 log 0.9 = -0.42) rather
  // than at 2 (3 log 0.9 + log 0.1 = -2.62); the objective is 3 ms at cut 3
  // and 2 ms at cut 2, so a weight w costs cut 3 w log 1.5 = 0.405 w more:
  // split 3 while 0.405 w < 2.2, split 2 beyond.
  const std::vector<double> p = {0.9, 0.9, 0.9, 0.1};
  const std::vector<double> period = {4.0, 3.0, 2.0, 3.0, 4.0};
  EXPECT_EQ(split_from_probabilities(p, period, 0.0), 3);
  EXPECT_EQ(split_from_probabilities(p, period, 5.0), 3);
  EXPECT_EQ(split_from_probabilities(p, period, 6.0), 2);
  EXPECT_EQ(split_from_probabilities(p, period, 50.0), 2);
  // Only ratios of the objective count.
  std::vector<double> slower = period;
  for (double& ms : slower) ms *= 10.0;
  EXPECT_EQ(split_from_probabilities(p, slower, 6.0), 2);
  EXPECT_EQ(split_from_probabilities(p, slower, 5.0), 3);
  const auto error_of = [&](const std::vector<double>& objective, double weight) {
    try {
      split_from_probabilities(p, objective, weight);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of({4.0, 3.0, 2.0, 3.0}, 1.0).find("every one of the 5 cuts, not 4"),
            std::string::npos);
  EXPECT_NE(error_of({4.0, 3.0, 0.0, 3.0, 4.0}, 1.0).find("objective of 0"), std::string::npos);
  EXPECT_NE(error_of(period, -1.0).find("weight must be 0 or more"), std::string::npos);
}

TEST(CurveCostSource, PricesPrefixesAndSuffixesOnly) {
  const CurveCostSource costs("a", {1.0, 3.0, 6.0}, "b", {9.0, 7.0, 2.0});
  EXPECT_EQ(costs.unit_count(), 3);
  EXPECT_TRUE(costs.knows("a"));
  EXPECT_FALSE(costs.knows("c"));
  EXPECT_EQ(costs.stage("a", 0, 2).ms, 3.0);
  EXPECT_EQ(costs.stage("b", 1, 3).ms, 7.0);
  EXPECT_EQ(costs.stage("b", 1, 3).basis, CostBasis::predicted);
  EXPECT_THROW(costs.stage("a", 1, 2), Error);
  EXPECT_THROW(costs.stage("b", 0, 2), Error);
  EXPECT_THROW(CurveCostSource("a", {1.0}, "b", {1.0, 2.0}), Error);
  EXPECT_THROW(CurveCostSource("a", {-1.0}, "b", {1.0}), Error);
}

TEST(CurveCostSource, RankedSplitsAddTheLinkTransfer) {
  const CurveCostSource costs("a", {1.0, 3.0, 6.0}, "b", {9.0, 7.0, 2.0});
  // 1 GB/s and 0.5 ms a transfer: cut 1 moves 100 int8 elements (+8 bytes).
  const Link link{"test", 0.5, 1.0, "spec"};
  const auto plans = rank_splits(costs, {{"a", Precision::int8}, {"b", Precision::fp32}},
                                 {0, 100, 40, 0}, link, Objective::latency);
  ASSERT_EQ(plans.size(), 4u);
  // Latencies: k=0 9; k=1 1+0.5+0.000108+7 = 8.5001; k=2 3+0.5+0.000048+2 = 5.50005; k=3 6.
  EXPECT_EQ(plans[0].cuts, std::vector<int>{2});
  EXPECT_NEAR(plans[0].latency_ms, 5.500048, 1e-6);
  EXPECT_EQ(plans[1].cuts, std::vector<int>{3});
}

}  // namespace
}  // namespace splitinfer::predict
