// Stochastic excitation (Sec. 3 of the GGP paper): convolution + ReLU layers
// of random shape, timed on a real element, as the samples the latency
// models are fitted to.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exec/calibration.h"
#include "ggp/conv_layer.h"
#include "ggp/model_fit.h"
#include "graph/graph.h"

namespace splitinfer::ggp {

// Random layers over the ranges CNNs use: H = W in 7..112, C and N in
// 3..256, k in {1, 3, 5}, stride 1 or 2; reproducible from the seed.
std::vector<ConvLayer> random_conv_layers(int count, uint64_t seed);

// The layer as a model: input, convolution (same padding, random weights),
// ReLU.
Graph conv_relu_graph(const ConvLayer& layer);

// The calibration INT8 elements run a layer model with: minmax over
// synthetic inputs.
Calibration layer_calibration(const Graph& layer_graph);

// Median latency of the layer on `element` (on a thread placed there).
double measure_conv_ms(const ConvLayer& layer, const std::string& element, int reps);

// The candidate terms of a convolution latency posynomial: the MACs
// (H W C N k^2 / s^2), the output (H W N / s^2), the input (H W C), the
// weights (C N k^2) and a constant.
std::vector<Monomial> conv_latency_basis();

}  // namespace splitinfer::ggp
