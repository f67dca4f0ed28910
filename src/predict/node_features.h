// The GNN's view of a model (Sec. 4 of the split-inference paper): one node
// per split unit, the units the planner cuts at, with the features of
// PerfSAGE (type, kernel, stride, channels, the unit's multiply-accumulates
// and weights) plus the sizes of the tensors entering and leaving the unit,
// and edges along the data flow. The paper feeds the first element's model these
// edges and the second element's model the reversed ones, so that each node
// sees the units whose cost its cumulative latency includes.
//
// A node's features, in this order (kNodeFeatureCount floats):
//   one-hot unit type (kUnitTypeCount), kernel, stride, channels in,
//   channels out, input elements, output elements, MACs, parameters,
// the last eight divided by fixed maxima, so that the features of different
// models are on one scale. The maxima cover every zoo model and every random
// CNN, so for those all features lie in [0, 1]; a larger imported model gets
// features above 1.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "graph/graph.h"

namespace splitinfer::predict {

// A unit's type, from the ops it holds (see unit_type).
enum class UnitType {
  conv,                     // a convolution (grouped ones included) and its BN / activation
  depthwise_conv,           // a depthwise convolution, one group per input channel
  pooling,                  // max, average or global average pooling
  linear,                   // Gemm / MatMul
  residual_block,           // convolutions with an Add (ResNet basic and bottleneck blocks)
  inverted_residual_block,  // a depthwise and a regular convolution (MobileNetV2)
  other,                    // activation, BatchNorm, flatten, dropout alone
};
inline constexpr int kUnitTypeCount = 7;

// Normalisation maxima.
inline constexpr double kMaxKernel = 11.0;       // AlexNet's first convolution
inline constexpr double kMaxStride = 4.0;        // AlexNet's first convolution
inline constexpr double kMaxChannels = 25088.0;  // VGG16's flattened 512x7x7 classifier input
inline constexpr double kMaxTensorElements = 3211264.0;  // VGG16's 64x224x224 activations
inline constexpr double kMaxUnitMacs =
    1849688064.0;  // a VGG16 3x3 convolution, 64 -> 64 at 224x224
inline constexpr double kMaxUnitParams = 102764544.0;  // VGG16's first classifier layer

inline constexpr int kNodeFeatureCount = kUnitTypeCount + 8;

// Names of the features in order ("type_conv", ..., "output_elements").
const std::vector<std::string>& node_feature_names();

// Convolutions decide first: a depthwise and a regular one make an inverted
// residual block, an Add among convolutions a residual block, otherwise the
// kind of convolution present. Without convolutions, a Gemm / MatMul makes a
// linear unit and a pooling op a pooling unit; anything else is `other`.
UnitType unit_type(const Graph& graph, const Unit& unit);

using Edge = std::pair<int, int>;  // (from node, to node)

struct UnitGraph {
  std::vector<std::vector<float>> features;  // per unit, kNodeFeatureCount each
  std::vector<Edge> edges;                   // along the data flow
};

// The graph of a validated model. Exactly one tensor crosses every cut
// between units, so the data flow is the chain 0 -> 1 -> ... -> N-1. Kernel
// and stride are the largest of the unit's Conv, MaxPool and AveragePool
// nodes, 0 for a unit without any; channels are dimension 1 of the unit's
// input and output tensors (the features of a flattened tensor).
UnitGraph unit_graph(const Graph& graph);

// The edges pointing the other way: the second element's graph.
std::vector<Edge> reversed(const std::vector<Edge>& edges);

}  // namespace splitinfer::predict
