#include "graph/stats.h"

#include <set>

namespace splitinfer {

int64_t node_macs(const Graph& graph, const Node& node) {
  switch (node.op) {
    case OpType::Conv: {
      // Every output element reads (C_in / group) x kernel weights.
      const Shape& w = graph.input(node, 1)->shape;
      int64_t per_output = 1;
      for (size_t d = 1; d < w.size(); ++d) per_output *= w[d];
      return numel(graph.output(node).shape) * per_output;
    }
    case OpType::ConvTranspose: {
      // Every input element scatters into (C_out / group) x kernel outputs.
      const Shape& w = graph.input(node, 1)->shape;
      int64_t per_input = 1;
      for (size_t d = 1; d < w.size(); ++d) per_input *= w[d];
      return numel(graph.input(node, 0)->shape) * per_input;
    }
    case OpType::Gemm: {
      const Shape& a = graph.input(node, 0)->shape;
      const int64_t k = node.attrs.get_int("transA", 0) ? a[0] : a[1];
      return numel(graph.output(node).shape) * k;
    }
    case OpType::MatMul: {
      const Shape& a = graph.input(node, 0)->shape;
      return numel(graph.output(node).shape) * a.back();
    }
    default: return 0;
  }
}

int64_t count_params(const Graph& graph, size_t first, size_t last) {
  std::set<int> seen;
  int64_t total = 0;
  for (size_t n = first; n < last; ++n)
    for (int t : graph.nodes[n].inputs)
      if (t != kNoTensor && graph.tensor(t).role == TensorRole::param && seen.insert(t).second)
        total += numel(graph.tensor(t).shape);
  return total;
}

int64_t total_params(const Graph& graph) { return count_params(graph, 0, graph.nodes.size()); }

int64_t total_macs(const Graph& graph) {
  int64_t total = 0;
  for (const Node& node : graph.nodes) total += node_macs(graph, node);
  return total;
}

}  // namespace splitinfer
