#include "ggp/conv_layer.h"

#include <algorithm>

namespace splitinfer::ggp {

std::vector<double> ConvLayer::features() const {
  return {static_cast<double>(h), static_cast<double>(w), static_cast<double>(c),
          static_cast<double>(k), static_cast<double>(n), static_cast<double>(stride)};
}

const std::vector<std::string>& conv_feature_names() {
  static const std::vector<std::string> names{"H", "W", "C", "k", "N", "s"};
  return names;
}

std::vector<NamedConvLayer> conv_layers(const Graph& graph) {
  std::vector<NamedConvLayer> layers;
  for (const Node& node : graph.nodes) {
    if (node.op != OpType::Conv || node.attrs.get_int("group", 1) != 1) continue;
    const std::vector<int64_t>& in = graph.tensor(node.inputs.at(0)).shape;
    const std::vector<int64_t>& weight = graph.tensor(node.inputs.at(1)).shape;
    if (in.size() != 4) continue;
    const std::vector<int64_t> kernel = node.attrs.get_ints("kernel_shape", {weight[2], weight[3]});
    const std::vector<int64_t> strides = node.attrs.get_ints("strides", {1, 1});
    ConvLayer l;
    l.c = in[1];
    l.h = in[2];
    l.w = in[3];
    l.n = weight[0];
    l.k = *std::max_element(kernel.begin(), kernel.end());
    l.stride = *std::max_element(strides.begin(), strides.end());
    layers.push_back({node.name, l});
  }
  return layers;
}

}  // namespace splitinfer::ggp
