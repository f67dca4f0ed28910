// The four metrics of Table 2 (Sec. 4.2 of the split-inference paper) that
// score predicted split indices against the exhaustive-search ground truth
// over a set of test models. A split index k runs units [0, k) on the first
// element and [k, N) on the second; k = 0 and k = N are the single-element
// runs. All results are percentages.
#pragma once

#include <vector>

namespace splitinfer::predict {

// One test model.
struct SplitOutcome {
  int units = 0;       // N
  int best_split = 0;  // ground truth: the exhaustive search's choice
  int predicted_split = 0;
  // The measured objective at every split index 0..N; best_split minimises it.
  std::vector<double> latency;
};

// Units on the same element as in the ground truth, over all units of all
// models ("divided by the total number of layers in the dataset"): a model
// contributes N - |predicted - best| correct units.
double layerwise_accuracy(const std::vector<SplitOutcome>& models);

// Mean over models of |predicted - best| / N.
double mape_partition_index(const std::vector<SplitOutcome>& models);

// Mean over models of |latency[predicted] - latency[best]| / latency[best]:
// the cost of the predicted split on the true latency curve.
double mape_latency(const std::vector<SplitOutcome>& models);

// Models where the predicted and the best split agree on whether splitting
// pays: both strictly faster than the faster single-element run, or neither.
// The paper says "both better than solely running on DPU or GPU, or both
// worse than either of the devices"; the best split is never slower than the
// faster single run, so "both worse" can only mean "neither faster".
double agreement(const std::vector<SplitOutcome>& models);

struct SplitMetrics {
  double layerwise_accuracy = 0.0;
  double mape_partition_index = 0.0;
  double mape_latency = 0.0;
  double agreement = 0.0;
};

// All four. Each function throws an invalid_input Error for an empty set or
// an inconsistent model (a split outside 0..N, a curve without N + 1
// positive values, a best split that a lower latency contradicts).
SplitMetrics split_metrics(const std::vector<SplitOutcome>& models);

}  // namespace splitinfer::predict
