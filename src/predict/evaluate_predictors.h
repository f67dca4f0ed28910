// Scoring the trained predictors on held-out models with the four metrics
// of Table 2 (split_metrics.h): the GNN latency models (split searched over
// their predicted curves and the link), the GNN partition model, and the
// tree baseline (split searched over its curves like the GNN's).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "plan/link.h"
#include "predict/dataset.h"
#include "predict/predictor_set.h"
#include "predict/split_metrics.h"

namespace splitinfer::predict {

// The two predicted curves of a model and the split they lead to.
struct PredictedCurves {
  std::array<std::vector<double>, 2>
      ms;  // unit i: prefix [0, i] on the first, suffix [i, N) on the second
  int split = 0;
};

// The latency models' curves (`tree` false) or the tree baseline's, and the
// best split over them for `objective`, handing over `cut_elements` over
// `link` in direct mode.
PredictedCurves predict_curves(const PredictorSet& set, const UnitGraph& graph, bool tree,
                               const std::vector<int64_t>& cut_elements, const Link& link,
                               Objective objective);

// The partition model's split.
int predict_partition(const PredictorSet& set, const UnitGraph& graph);

struct PredictorScore {
  SplitMetrics metrics;
  // Mean |predicted - true| / true of the cumulative latency over every unit
  // of every test model, per element (PerfSAGE's metric); NaN for the
  // partition model, which predicts no latency.
  std::array<double, 2> curve_mape{};
  double inference_ms = 0.0;  // per model, mean, prediction and split search
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
  std::vector<TestPrediction> predictions;
};

// Throws an invalid_input Error for no test models.
Evaluation evaluate_predictors(const PredictorSet& set, const std::vector<const ModelRecord*>& test,
                               const Link& link);

}  // namespace splitinfer::predict
