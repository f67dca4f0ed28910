#include "graph/linear_layer.h"

#include <algorithm>

namespace splitinfer {

bool is_linear_matmul(const Graph& graph, const Node& node) {
  if (node.op != OpType::MatMul) return false;
  const Tensor* b = graph.input(node, 1);
  return b->is_initializer() && b->shape.size() == 2;
}

bool is_linear_bias(const Graph& graph, size_t index) {
  if (index == 0 || index >= graph.nodes.size()) return false;
  const Node& add = graph.nodes[index];
  const Node& matmul = graph.nodes[index - 1];
  if (add.op != OpType::Add || !is_linear_matmul(graph, matmul)) return false;
  const int product = matmul.outputs[0];
  const int other = add.inputs[0] == product ? add.inputs[1] : add.inputs[0];
  if (other == product || (add.inputs[0] != product && add.inputs[1] != product)) return false;
  const Tensor& bias = graph.tensor(other);
  const int64_t columns = graph.tensor(product).shape.back();
  if (!bias.is_initializer() || numel(bias.shape) != columns || bias.shape.back() != columns)
    return false;
  if (std::find(graph.outputs.begin(), graph.outputs.end(), product) != graph.outputs.end())
    return false;
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (n != index &&
        std::count(graph.nodes[n].inputs.begin(), graph.nodes[n].inputs.end(), product))
      return false;
  return true;
}

}  // namespace splitinfer
