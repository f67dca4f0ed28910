// The Table 2 metrics on four hand-worked models, and the rejection of
// inconsistent records.
#include "predict/split_metrics.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/error.h"

namespace splitinfer::predict {
namespace {

// units, best, predicted, latency at splits 0..N.
std::vector<SplitOutcome> four_models() {
  return {
      // Off by one; both splits beat the faster single run (9).
      {4, 2, 3, {10, 8, 6, 7, 9}},
      // Best is the second element alone; the prediction is slower but,
      // like the best, does not beat a single element: they agree.
      {5, 0, 2, {5, 6, 7, 8, 9, 10}},
      // Predicts the first element alone (19), which only ties the faster
      // single run, while the best split (10) beats it: disagree.
      {10, 5, 10, {20, 18, 16, 14, 12, 10, 11, 13, 15, 17, 19}},
      // Exact.
      {2, 1, 1, {3, 2, 4}},
  };
}

TEST(SplitMetrics, LayerwiseAccuracyCountsUnitsOverTheWholeSet) {
  // Correct units 3 + 3 + 5 + 2 of 4 + 5 + 10 + 2.
  EXPECT_NEAR(layerwise_accuracy(four_models()), 100.0 * 13.0 / 21.0, 1e-12);
}

TEST(SplitMetrics, MapeOfPartitionIndexAveragesOverModels) {
  // (1/4 + 2/5 + 5/10 + 0) / 4; not 100 - accuracy, which weights by size.
  EXPECT_NEAR(mape_partition_index(four_models()), 28.75, 1e-12);
}

TEST(SplitMetrics, MapeOfLatencyUsesTheTrueCurveAtThePredictedSplit) {
  // (|7-6|/6 + |7-5|/5 + |19-10|/10 + 0) / 4
  EXPECT_NEAR(mape_latency(four_models()), 100.0 * (1.0 / 6 + 0.4 + 0.9) / 4, 1e-12);
}

TEST(SplitMetrics, AgreementOnWhetherSplittingPays) {
  EXPECT_DOUBLE_EQ(agreement(four_models()), 75.0);
}

TEST(SplitMetrics, AllFourTogether) {
  const SplitMetrics m = split_metrics(four_models());
  EXPECT_DOUBLE_EQ(m.layerwise_accuracy, layerwise_accuracy(four_models()));
  EXPECT_DOUBLE_EQ(m.mape_partition_index, mape_partition_index(four_models()));
  EXPECT_DOUBLE_EQ(m.mape_latency, mape_latency(four_models()));
  EXPECT_DOUBLE_EQ(m.agreement, agreement(four_models()));

  const SplitMetrics exact = split_metrics({{3, 1, 1, {4, 2, 3, 5}}});
  EXPECT_DOUBLE_EQ(exact.layerwise_accuracy, 100.0);
  EXPECT_DOUBLE_EQ(exact.mape_partition_index, 0.0);
  EXPECT_DOUBLE_EQ(exact.mape_latency, 0.0);
  EXPECT_DOUBLE_EQ(exact.agreement, 100.0);
}

TEST(SplitMetrics, RejectsInconsistentRecords) {
  const std::vector<std::vector<SplitOutcome>> bad = {
      {},                       // no models
      {{0, 0, 0, {1}}},         // no units
      {{2, 1, 3, {3, 2, 4}}},   // predicted split past N
      {{2, -1, 1, {3, 2, 4}}},  // negative best split
      {{2, 1, 1, {3, 2}}},      // a latency missing
      {{2, 1, 1, {3, 0, 4}}},   // zero latency
      {{2, 0, 1, {3, 2, 4}}},   // best split not the fastest
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    try {
      split_metrics(bad[i]);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    }
  }
}

}  // namespace
}  // namespace splitinfer::predict
