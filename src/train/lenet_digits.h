// Trains the zoo's LeNet-5 on the handwritten-digits data set with libtorch
// and hands the trained weights back as an IR graph. libtorch stays inside
// lenet_digits.cpp: this header, and everything that includes it, sees no
// torch type.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.h"
#include "train/digits.h"

namespace splitinfer {

struct TrainOptions {
  // Seeds a private torch CPU generator (the global torch::manual_seed state
  // is left alone) that draws the initial weights and each epoch's batch order.
  uint64_t seed = 1;
  // With the defaults, held-out accuracy on an 80/20 split_digits split came
  // out at 97.8-98.3% for six seeds; training takes about 3 s on one core.
  int epochs = 20;
  int batch_size = 32;
  // Adam's peak step size, annealed to zero by a cosine over all steps.
  double learning_rate = 2e-3;
};

struct TrainResult {
  // build_zoo_model("lenet5", seed) with every parameter replaced by the
  // trained value (same tensor names and shapes as PyTorch's state_dict).
  Graph model;
  double train_accuracy = 0.0;  // fraction in [0, 1], measured by libtorch after training
  double test_accuracy = 0.0;   // fraction in [0, 1] on test_idx
  double seconds = 0.0;         // wall time of training and both evaluations
};

// Trains deterministically on one thread (the caller's libtorch thread count
// is restored afterwards): the same data, indices and options give bitwise the
// same weights. Inputs are digit_to_lenet_input(image). Throws an
// invalid_input Error for empty or out-of-range indices or bad options, and an
// internal Error if the trained parameters do not match the zoo graph's
// tensors by name and shape.
TrainResult train_lenet_digits(const DigitsDataset& data, const std::vector<int>& train_idx,
                               const std::vector<int>& test_idx, const TrainOptions& options = {});

}  // namespace splitinfer
