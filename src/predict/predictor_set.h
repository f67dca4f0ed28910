// The trained split predictors of one element pair, as `predict train`
// saves them in a folder and `predict eval`, `predict MODEL` and
// `plan --planner gnn` load them:
//
//   manifest.json        elements, objective, the dataset's split by model,
//                        training times and losses
//   first_latency.pt     GNN latency model of the first element (forward)
//   second_latency.pt    GNN latency model of the second element (reverse)
//   partition.pt         GNN partition model (both directions); with an
//   partition_2.pt ...   ensemble, its further members (manifest:
//                        "partition_models")
//   tree_first.json      tree baseline of the first element (XGBoost)
//   tree_second.json     tree baseline of the second element
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "predict/dataset.h"
#include "predict/gnn_model.h"
#include "predict/tree_baseline.h"

namespace splitinfer::predict {

struct PredictorManifest {
  std::array<std::string, 2> elements;       // pipeline order: the latency models' elements
  Objective objective = Objective::latency;  // the partition model's labels
  std::string dataset;                       // the file trained on, as given
  std::string machine;                       // where the dataset was measured
  // The dataset's models by seed; the test models were never trained on.
  std::vector<uint64_t> training_seeds, validation_seeds, test_seeds;
  nlohmann::json training;  // per predictor: seconds, epochs, losses
};

// Larger partition ensembles are refused: each member costs a prediction.
inline constexpr int kMaxPartitionModels = 64;

// Member i of the partition models by name: "partition", "partition_2", ...
// (the first keeps the name of a set without an ensemble). The manifest's
// training reports use it, and the weights files add ".pt".
std::string partition_member_name(size_t member);

struct PredictorSet {
  PredictorManifest manifest;
  std::array<std::unique_ptr<GnnModel>, 2> latency;  // per element
  // One partition model, or an ensemble of them trained from different
  // seeds whose per-unit probabilities are averaged (predict_partition).
  std::vector<std::unique_ptr<GnnModel>> partition;
  std::array<TreeCurveModel, 2> tree;  // per element
};

// The pipeline the predictors plan for: their two elements, the first
// handing over INT8 when it computes in INT8.
std::vector<ChainElement> predictor_chain(const PredictorManifest& manifest);

// Throws an invalid_input Error unless the predictors were trained for the
// pair of elements `dataset` (read from `dataset_path`) was measured on.
void check_same_elements(const PredictorManifest& manifest, const Dataset& dataset,
                         const std::string& dataset_path);

// Writes the folder (creating it); each file atomically. Throws an io Error.
void save_predictors(const std::string& folder, const PredictorSet& set);

// Throws an io Error for a missing folder or file and an invalid_input Error,
// one line naming the file, for a manifest or weights file that is corrupt.
PredictorSet load_predictors(const std::string& folder);

// The folder `predict train` writes by default, committed with the project.
inline constexpr const char* kDefaultPredictorFolder = "data/predict/gnn";

}  // namespace splitinfer::predict
