// The paper's tree baseline (Sec. 4: AutoGluon's tree models on the latency
// formulation): gradient-boosted regression trees (XGBoost) predicting a
// unit's own time from its features, its position and the model's length,
// accumulated into the cumulative curves as the GNN's increments are
// (accumulated_curve). Unlike the GNN it sees no neighbours, which is the
// point of the comparison; it predicts what one unit can tell, its own time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "predict/unit_example.h"

namespace splitinfer::predict {

struct TreeOptions {
  int rounds = 300;  // boosting rounds
  int max_depth = 8;
  double learning_rate = 0.1;
  uint64_t seed = 1;
  int threads = 1;
};

class TreeCurveModel {
 public:
  TreeCurveModel();
  ~TreeCurveModel();
  TreeCurveModel(TreeCurveModel&&) noexcept;
  TreeCurveModel& operator=(TreeCurveModel&&) noexcept;

  // Fits log(ms) of every unit of every example. Throws an invalid_input
  // Error for no examples, features of the wrong width, a target per unit
  // missing, or a target <= 0.
  void train(const std::vector<UnitExample>& training, const TreeOptions& options);

  // Predicted ms of each unit alone.
  std::vector<double> predict(const UnitGraph& graph) const;

  // XGBoost's JSON model format. Throws an io Error naming `path`.
  void save(const std::string& path) const;
  // Throws an io Error for a missing file and an invalid_input Error naming
  // `path` for a file XGBoost cannot read.
  static TreeCurveModel load(const std::string& path);

 private:
  struct Booster;
  std::unique_ptr<Booster> booster_;
};

// The row of one unit: its node features, then i and N.
std::vector<float> tree_features(const UnitGraph& graph, int unit);
inline constexpr int kTreeFeatureCount = kNodeFeatureCount + 2;

}  // namespace splitinfer::predict
