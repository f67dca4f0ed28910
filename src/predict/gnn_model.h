// The graph neural network of the split-inference paper (Sec. 4, Fig. 4):
// six graph convolutions over a model's unit graph, an LSTM along the units
// and a linear layer giving one value per unit. The latency model predicts
// the cumulative latency up to each unit (forward direction, for the first
// element) or from each unit on (reverse direction, for the second); the
// partition model predicts, per unit, whether the first element runs it.
//
// The network lives in libtorch, which costs a program 1.7 s to load, so it
// is built as its own shared library (src/predict/torch/) that this header's
// functions open on first use: commands that never touch a GNN start fast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "predict/node_features.h"
#include "predict/unit_example.h"

namespace splitinfer::predict {

// Which way information flows, along the edges and through the LSTM.
// Forward: a unit sees the units before it, as the first element's prefix
// latency depends on them. Reverse: the units after it. Both: two LSTMs, one
// each way, side by side.
enum class GnnDirection { forward = 0, reverse = 1, both = 2 };

// What the last linear layer predicts per unit.
enum class GnnHead {
  latency_ms = 0,          // regression on log(ms), standardised by the training targets
  first_element_odds = 1,  // classification: log-odds that the first element runs the unit
  // The same classification, its network trained at once to predict each
  // unit's prefix time on the first element and suffix time on the second
  // (two more outputs, accumulated as the latency head's): the split
  // depends on how the two compare, and the times supervise every unit
  // where the labels say little. Predicts the probabilities only.
  first_element_odds_and_times = 2
};

struct GnnArchitecture {
  GnnDirection direction = GnnDirection::forward;
  GnnHead head = GnnHead::latency_ms;
  int hidden = 64;     // width of every graph convolution and of the LSTM
  int gcn_layers = 6;  // the paper's six
};

// How the partition head is trained. Per unit: binary cross-entropy of each
// unit's label. Per cut: the labels are one cut among the N + 1 a model
// has, and the loss is the cross-entropy of the chosen cut under a softmax
// over cuts, each scored by the log-probability of its labelling, which is
// the score the split read from the odds maximises
// (split_from_probabilities).
enum class PartitionLoss { per_unit, per_cut };

struct TrainingOptions {
  int epochs = 200;
  int batch = 32;               // models per optimiser step
  double learning_rate = 2e-3;  // Adam, decayed by half at 50% and 75% of the epochs
  uint64_t seed = 1;            // batch order
  int threads = 1;              // intra-op threads of libtorch (process-wide)
  // Regularisation: AdamW's decoupled weight decay, and dropout on the
  // output of every graph convolution while training. 0 and 0 train exactly
  // as plain Adam without dropout.
  double weight_decay = 0.0;
  double dropout = 0.0;
  PartitionLoss partition_loss = PartitionLoss::per_unit;  // partition head only
  // first_element_odds_and_times: the weight of the two times' mean squared
  // error (standardised log ms) beside the partition loss. The validation
  // loss that picks the kept epoch is the partition loss alone.
  double time_loss_weight = 1.0;
};

struct EpochLoss {
  double training = 0.0;    // mean over the epoch's batches
  double validation = 0.0;  // on the validation models after the epoch
};

struct TrainingReport {
  std::vector<EpochLoss> epochs;
  int best_epoch = 0;  // 1-based; its weights are the ones kept
  double seconds = 0.0;
  int64_t parameters = 0;
};

class GnnModel {
 public:
  virtual ~GnnModel() = default;
  virtual const GnnArchitecture& architecture() const = 0;

  // Targets are ms (latency head) or 1 / 0 for "the first element runs the
  // unit" (partition head); with the times, 3N per model: the N labels, the
  // N prefix times [0, i] on the first element, the N suffix times [i, N)
  // on the second (ms).
  // Trains with Adam (AdamW with a weight decay) from the current weights and
  // keeps the weights of the epoch with the lowest validation loss (mean
  // squared error of standardised log latency, or the partition loss of
  // `options`: per unit or per cut, PartitionLoss). `on_epoch` is called
  // after every epoch. Throws an invalid_input Error for no examples, a
  // graph without nodes, features of the wrong width, a target per unit
  // missing, a time target (latency, or a time beside the labels) <= 0, or
  // a partition target outside [0, 1] (0 or 1 for the per-cut loss).
  virtual TrainingReport train(const std::vector<UnitExample>& training,
                               const std::vector<UnitExample>& validation,
                               const TrainingOptions& options,
                               const std::function<void(int, const EpochLoss&)>& on_epoch) = 0;

  // The loss `train` minimises, over `examples`, with the current weights.
  virtual double loss(const std::vector<UnitExample>& examples) const = 0;

  // Per unit: the predicted ms (latency head) or the probability that the
  // first element runs it (partition head); with the times, 3N values laid
  // out as the training targets: the N probabilities, the N prefix times
  // [0, i] on the first element, the N suffix times [i, N) on the second
  // (ms).
  virtual std::vector<double> predict(const UnitGraph& graph) const = 0;

  // Writes the weights with the architecture, atomically. Throws an io Error.
  virtual void save(const std::string& path) const = 0;
};

// A model with fresh weights drawn from `seed`. Throws an invalid_input
// Error for a width or a number of convolutions below 1, or the times head
// without both directions.
std::unique_ptr<GnnModel> make_gnn_model(const GnnArchitecture& architecture, uint64_t seed);

// A model saved by GnnModel::save. Throws an io Error for a missing file and
// an invalid_input Error naming `path` for anything else.
std::unique_ptr<GnnModel> load_gnn_model(const std::string& path);

}  // namespace splitinfer::predict
