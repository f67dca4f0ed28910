// A convolution layer as the GGP paper's models see it: the six features
// H, W, C, k, N, s of Sec. 3, in the order every latency, energy and
// resource posynomial of src/ggp is written over.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace splitinfer::ggp {

struct ConvLayer {
  int64_t h = 0, w = 0, c = 0, k = 1, n = 0, stride = 1;  // input H x W x C, N k x k filters

  int64_t out_h() const { return (h + stride - 1) / stride; }  // same padding
  int64_t out_w() const { return (w + stride - 1) / stride; }
  // The model variables, in the order of conv_feature_names().
  std::vector<double> features() const;
};

const std::vector<std::string>& conv_feature_names();  // H, W, C, k, N, s

struct NamedConvLayer {
  std::string name;  // the graph node's
  ConvLayer layer;
};

// The dense convolutions of a validated graph in execution order, with
// square kernels and strides as the models assume (a non-square one takes
// its larger side). Depthwise and other grouped convolutions are left out:
// they have no filters or channels to split independently.
std::vector<NamedConvLayer> conv_layers(const Graph& graph);

}  // namespace splitinfer::ggp
