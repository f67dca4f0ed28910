// Scoring the trained predictors on held-out models with the four metrics
// of Table 2 (split_metrics.h): the GNN latency models (split searched over
// their predicted curves and the link), the GNN partition model, the tree
// baseline (split searched over its curves like the GNN's) and the constant
// one-element predictor; and the absolute accuracy of the predicted times.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "plan/link.h"
#include "predict/dataset.h"
#include "predict/predictor_set.h"
#include "predict/split_metrics.h"

namespace splitinfer::predict {

// The two predicted curves of a model, the split they lead to and the
// objective they predict for it.
struct PredictedCurves {
  std::array<std::vector<double>, 2>
      ms;  // unit i: prefix [0, i] on the first, suffix [i, N) on the second
  int split = 0;
  double objective_ms = 0.0;  // predicted period or latency at `split`
};

// The latency models' curves (`tree` false) or the tree baseline's, and the
// best split over them for `objective`, handing over `cut_elements` over
// `link` in direct mode.
PredictedCurves predict_curves(const PredictorSet& set, const UnitGraph& graph, bool tree,
                               const std::vector<int64_t>& cut_elements, const Link& link,
                               Objective objective);

// The best split over two given curves (as PredictedCurves::ms), in the same
// way. With `whole_model_ms` (the whole model timed once on each element),
// each curve is first scaled so that its whole-model point equals that time:
// two measured runs tell the predictor how fast each element is on a machine
// it never trained on (predicted curves are anchored without predicting them
// again).
PredictedCurves split_over_curves(const PredictorSet& set, std::array<std::vector<double>, 2> ms,
                                  const std::vector<int64_t>& cut_elements, const Link& link,
                                  Objective objective,
                                  const std::optional<std::array<double, 2>>& whole_model_ms = {});

// How much a partition model that predicts times (GnnHead::
// first_element_odds_and_times) weighs the objective its own times give
// each cut against its per-unit probabilities (split_from_probabilities).
// Chosen on the validation models of both element pairs, where every
// weight from 10 up scored better on all four metrics of Table 2 than the
// probabilities alone and 30 to 70 was a plateau (docs/predict.md).
inline constexpr double kPartitionObjectiveWeight = 50.0;

// The partition model's split, and the times it predicts when it predicts
// any.
struct PartitionPrediction {
  int split = 0;
  // From the members that predict times: their curves, averaged on a log
  // scale, and the objective they give at `split` (the partition model's
  // split, which need not be the curves' own best).
  std::optional<PredictedCurves> times;
};

// The split comes from the per-unit probabilities, averaged over the members
// of an ensemble, and, from members that predict times, the objective (the
// manifest's: period or latency) their times give each cut with `link`
// handing over `cut_elements`, weighed by `objective_weight`. A weight of 0
// reads the probabilities alone. Throws an invalid_input Error for a member
// that predicts the wrong number of values for `graph`.
PartitionPrediction predict_partition(const PredictorSet& set, const UnitGraph& graph,
                                      const std::vector<int64_t>& cut_elements, const Link& link,
                                      double objective_weight = kPartitionObjectiveWeight);

struct PredictorScore {
  SplitMetrics metrics;
  // Absolute accuracy, as the latency-predictor literature reports it; NaN
  // for predictors that predict no time (the constant, a partition model
  // without the times).
  // Per element, over every unit of every test model: the mean
  // |predicted - true| / true of a partition's time (units 0..i on the
  // first element, i..N-1 on the second; PerfSAGE's metric), and the
  // percentage of those predictions within +-10%.
  std::array<double, 2> curve_mape{};
  std::array<double, 2> within_10_percent{};
  // Mean |predicted - measured| / measured of the objective (period or
  // latency) at the split the predictor chose.
  double chosen_objective_mape = 0.0;
  // Per model, mean, prediction and split search; NaN where not timed (the
  // constant, and the anchored models, which share the latency models' time).
  double inference_ms = 0.0;
};

struct TestPrediction {
  uint64_t seed = 0;
  int units = 0;
  int best_split = 0;
  int latency_model_split = 0, partition_model_split = 0, tree_split = 0;
};

struct Evaluation {
  Objective objective = Objective::latency;
  int test_models = 0;
  PredictorScore latency_model, partition_model, tree_baseline;
  // The latency models anchored on each test model's two measured whole-model
  // times (split_over_curves' whole_model_ms).
  PredictorScore anchored_latency_model;
  // A reference, not a predictor: each test model's own measured times of its
  // units alone, summed into the two curves, plain and anchored as above.
  // What a predictor that knew every unit's time exactly, and added them up,
  // would score: the partition times are not the sums of their units' times.
  PredictorScore measured_unit_sums, anchored_measured_unit_sums;
  // The trivial predictor: always the whole model on one element, the one
  // whose constant costs less of the objective over the test models.
  PredictorScore constant_baseline;
  int constant_element = 0;  // 0: split N (the first element), 1: split 0
  std::vector<TestPrediction> predictions;
};

// The partition model reads its split with `partition_objective_weight`
// (predict_partition). Throws an invalid_input Error for no test models.
Evaluation evaluate_predictors(const PredictorSet& set, const std::vector<const ModelRecord*>& test,
                               const Link& link,
                               double partition_objective_weight = kPartitionObjectiveWeight);

}  // namespace splitinfer::predict
