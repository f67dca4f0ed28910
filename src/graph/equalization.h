// Cross-layer equalization (Nagel et al., "Data-Free Quantization Through
// Weight Equalization and Bias Correction", ICCV 2019, section 4.1). Where
// the output channels of a convolution reach other convolutions through
// nothing but ops that commute with a positive per-channel factor (ReLU,
// LeakyReLU, max pooling), channel c of the first layer is divided by s_c
// and the matching input channel of every reader multiplied by s_c: the
// float function is unchanged up to rounding. With s_c = sqrt(r1_c / r2_c),
// r1_c the range of the first layer's row c (BatchNorm folded in) and r2_c
// that of the readers' column c, both become sqrt(r1_c * r2_c), so a
// channel whose activations are small no longer loses its codes to a wide
// neighbour when the tensor shares one INT8 scale. It matters on trained
// networks whose BatchNorm scales differ widely between channels (the
// depthwise-heavy MobileNets of the paper); the rescaling is data-free.
#pragma once

#include "graph/graph.h"

namespace splitinfer {

struct Equalization {
  int pairs = 0;   // producing convolutions whose channels were rescaled
  int sweeps = 0;  // passes over them until every factor settled
};

// Rescales `graph`'s weights in place (fresh weight data: graphs sharing the
// old data keep it). A convolution is left alone where a tensor on the way to
// its readers is a graph output or has a reader of another kind, where a
// weight it would change is read by another node too, or where an op on the
// way does not commute with the factor: Clip (ReLU6) does not, as its bound
// would have to differ per channel, so in MobileNetV2 only a block's linear
// projection into the next block's expansion (where no residual Add reads it)
// is rescaled.
Equalization equalize_cross_layer(Graph& graph);

}  // namespace splitinfer
