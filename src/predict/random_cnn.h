// Random CNNs: the models the GNN predictors learn from (Sec. 4.2 of the
// split-inference paper profiles 1,700 of them). Each is drawn from its seed
// alone and built with GraphBuilder the way torchvision writes its models, so
// its split units are the blocks and layers the planner cuts at: a stem
// convolution, a body of convolutions (kernel 1, 3, 5 or 7), depthwise
// separable pairs, max / average pooling, ResNet basic and bottleneck blocks
// and MobileNetV2 inverted residuals, with BatchNorm + ReLU (or ReLU6) or, in
// VGG style, bare convolutions followed by ReLU units; then a global average
// pool, a flatten and one or two linear layers. Inputs are 32..224 pixels
// square with 1 or 3 channels.
#pragma once

#include <cstdint>

#include "graph/graph.h"

namespace splitinfer::predict {

struct RandomCnnOptions {
  // The model has a number of split units drawn uniformly from this range.
  int min_units = 6;
  int max_units = 60;
  // The widths are scaled towards a multiply-accumulate count drawn
  // log-uniformly from this range, so that one inference on one CPU core
  // takes roughly 1 to 50 ms. The upper bound is kept; the lower one is
  // approached as far as the channel limits allow.
  int64_t min_macs = 100'000'000;
  int64_t max_macs = 1'500'000'000;
  // Without weights the graph is shape-only: enough for features and
  // planning, not for running.
  bool weights = true;
};

// The model drawn from `seed`, named "random_cnn_<seed>", validated. The same
// seed and options give the same graph, weights included.
// Throws an invalid_input Error for inconsistent options.
Graph random_cnn(uint64_t seed, const RandomCnnOptions& options = {});

}  // namespace splitinfer::predict
