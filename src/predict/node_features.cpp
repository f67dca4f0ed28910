#include "predict/node_features.h"

#include <algorithm>

namespace splitinfer::predict {
namespace {

bool is_pool(OpType op) {
  return op == OpType::MaxPool || op == OpType::AveragePool || op == OpType::GlobalAveragePool ||
         op == OpType::GlobalMaxPool;
}

bool is_windowed(OpType op) {
  return op == OpType::Conv || op == OpType::MaxPool || op == OpType::AveragePool;
}

bool is_depthwise(const Graph& graph, const Node& conv) {
  const int64_t groups = conv.attrs.get_int("group", 1);
  return groups > 1 && groups == graph.input(conv, 0)->shape.at(1);
}

int64_t channels(const Tensor& t) { return t.shape.size() >= 2 ? t.shape[1] : numel(t.shape); }

float normalised(int64_t value, double maximum) {
  return static_cast<float>(static_cast<double>(value) / maximum);
}

std::vector<float> unit_features(const Graph& graph, const Unit& unit, const Tensor& in) {
  std::vector<float> f(kNodeFeatureCount, 0.0f);
  f[static_cast<size_t>(unit_type(graph, unit))] = 1.0f;
  int64_t kernel = 0, stride = 0;
  for (size_t n = unit.first_node; n < unit.last_node; ++n) {
    const Node& node = graph.nodes[n];
    if (!is_windowed(node.op)) continue;
    for (int64_t k : node.attrs.get_ints("kernel_shape")) kernel = std::max(kernel, k);
    for (int64_t s : node.attrs.get_ints("strides", {1, 1})) stride = std::max(stride, s);
  }
  const Tensor& out = graph.tensor(unit.output);
  float* numeric = f.data() + kUnitTypeCount;
  numeric[0] = normalised(kernel, kMaxKernel);
  numeric[1] = normalised(stride, kMaxStride);
  numeric[2] = normalised(channels(in), kMaxChannels);
  numeric[3] = normalised(channels(out), kMaxChannels);
  numeric[4] = normalised(numel(in.shape), kMaxTensorElements);
  numeric[5] = normalised(numel(out.shape), kMaxTensorElements);
  numeric[6] = normalised(unit.macs, kMaxUnitMacs);
  numeric[7] = normalised(unit.params, kMaxUnitParams);
  return f;
}

}  // namespace

const std::vector<std::string>& node_feature_names() {
  static const std::vector<std::string> names{"type_conv",
                                              "type_depthwise_conv",
                                              "type_pooling",
                                              "type_linear",
                                              "type_residual_block",
                                              "type_inverted_residual_block",
                                              "type_other",
                                              "kernel",
                                              "stride",
                                              "channels_in",
                                              "channels_out",
                                              "input_elements",
                                              "output_elements",
                                              "macs",
                                              "params"};
  return names;
}

UnitType unit_type(const Graph& graph, const Unit& unit) {
  bool depthwise = false, regular_conv = false, add = false, linear = false, pool = false;
  for (size_t n = unit.first_node; n < unit.last_node; ++n) {
    const Node& node = graph.nodes[n];
    if (node.op == OpType::Conv) (is_depthwise(graph, node) ? depthwise : regular_conv) = true;
    add |= node.op == OpType::Add;
    linear |= node.op == OpType::Gemm || node.op == OpType::MatMul;
    pool |= is_pool(node.op);
  }
  if (depthwise && regular_conv) return UnitType::inverted_residual_block;
  if ((depthwise || regular_conv) && add) return UnitType::residual_block;
  if (depthwise) return UnitType::depthwise_conv;
  if (regular_conv) return UnitType::conv;
  if (linear) return UnitType::linear;
  if (pool) return UnitType::pooling;
  return UnitType::other;
}

UnitGraph unit_graph(const Graph& graph) {
  const std::vector<Unit>& units = graph.units;
  UnitGraph g;
  for (size_t i = 0; i < units.size(); ++i) {
    const int in = i == 0 ? graph.inputs.at(0) : units[i - 1].output;
    g.features.push_back(unit_features(graph, units[i], graph.tensor(in)));
    if (i > 0) g.edges.emplace_back(static_cast<int>(i - 1), static_cast<int>(i));
  }
  return g;
}

std::vector<Edge> reversed(const std::vector<Edge>& edges) {
  std::vector<Edge> r;
  r.reserve(edges.size());
  for (const auto& [from, to] : edges) r.emplace_back(to, from);
  return r;
}

}  // namespace splitinfer::predict
