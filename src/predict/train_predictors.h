// Training the split predictors on a measured dataset: the two GNN latency
// models, the GNN partition model and the tree baseline, on one split of the
// dataset by model, so that the test models are never seen in training.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "predict/dataset.h"
#include "predict/predictor_set.h"

namespace splitinfer::predict {

struct PredictorTraining {
  int hidden = 64;
  int gcn_layers = 6;
  TrainingOptions gnn;
  // The partition model overfits early: its own weight decay and dropout
  // (the latency models train with gnn's).
  double partition_weight_decay = 0.0;
  double partition_dropout = 0.0;
  PartitionLoss partition_loss = PartitionLoss::per_unit;
  double label_tolerance = 0.0;  // first_element_soft_labels; 0: the best split's labels
  // Above 0: the partition model also learns each unit's prefix and suffix
  // times, with this weight on their error (GnnHead::first_element_odds_and_times).
  double partition_time_weight = 0.0;
  // An ensemble of this many partition models, member i trained from seed
  // gnn.seed + i (weights and batch order), their probabilities averaged.
  int partition_models = 1;
  TreeOptions tree;
  Objective objective = Objective::throughput;  // the partition model's labels
  double validation_fraction = 0.15;
  double test_fraction = 0.15;
};

struct ModelSplit {
  std::vector<const ModelRecord*> training, validation, test;
};

// A seeded shuffle of the models cut into test, validation and training
// sets (in that order, the rest training). Throws an invalid_input Error for
// fractions outside [0, 1) summing to 1 or more, or a dataset too small for
// a model in each set.
ModelSplit split_by_model(const Dataset& dataset, double validation_fraction, double test_fraction,
                          uint64_t seed);

// The models of `dataset` with the given seeds, in that order. Throws an
// invalid_input Error naming a seed the dataset lacks.
std::vector<const ModelRecord*> models_by_seed(const Dataset& dataset,
                                               const std::vector<uint64_t>& seeds);

// Reports one finished epoch: the predictor's name ("first_latency",
// "second_latency", "partition", "partition_2" ...), the epoch (1-based), the epochs in all.
using TrainingProgress = std::function<void(const std::string&, int, int, const EpochLoss&)>;

// Trains everything on `dataset` (loaded from `dataset_path`, recorded in
// the manifest).
PredictorSet train_predictors(const Dataset& dataset, const std::string& dataset_path,
                              const PredictorTraining& options, const TrainingProgress& progress);

// Trains the partition model of `set` again, alone, on the split of the
// dataset its manifest records, with the partition options of `options`;
// the latency models and the trees stay. For comparing the partition
// model's regularisation without retraining what does not change. Throws an
// invalid_input Error when the objectives differ or a seed is missing.
void retrain_partition(PredictorSet& set, const Dataset& dataset, const PredictorTraining& options,
                       const TrainingProgress& progress);

}  // namespace splitinfer::predict
