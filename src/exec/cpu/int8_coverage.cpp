#include "exec/cpu/int8_coverage.h"

namespace splitinfer::cpu {

bool is_linear_gemm(const Graph& graph, const Node& node) {
  const Tensor* b = graph.input(node, 1);
  const Tensor* c = graph.input(node, 2);
  if (node.attrs.get_int("transA", 0) != 0 || !b->is_initializer()) return false;
  if (!c) return true;
  const int64_t n = node.attrs.get_int("transB", 0) != 0 ? b->shape[0] : b->shape[1];
  return c->is_initializer() &&
         (numel(c->shape) == 1 || (numel(c->shape) == n && c->shape.back() == n));
}

bool int8_on_codes(const Graph& graph, const Node& node) {
  switch (node.op) {
    case OpType::Gemm: return is_linear_gemm(graph, node);
    case OpType::MatMul: return is_linear_matmul(graph, node);
    case OpType::Softmax: return false;
    // The statistics of a row are not a function of one code.
    case OpType::LayerNormalization: return false;
    case OpType::BatchNormalization: return graph.tensor(node.inputs[0]).shape.size() == 4;
    // A non-zero fill has no code under a symmetric scale.
    case OpType::Pad: return node.attrs.get_float("value", 0.0f) == 0.0f;
    case OpType::Add:
      // A linear layer's bias joins its inner product.
      if (is_linear_bias(graph, static_cast<size_t>(&node - graph.nodes.data()))) return true;
      [[fallthrough]];
    case OpType::Sub:
    case OpType::Mul: {
      // Two activations, one of the output's shape (the other may broadcast;
      // for Sub, which does not commute, the second).
      const Tensor& a = graph.tensor(node.inputs[0]);
      const Tensor& b = graph.tensor(node.inputs[1]);
      const Shape& out = graph.output(node).shape;
      const bool shapes = a.shape == out || (node.op != OpType::Sub && b.shape == out);
      return !a.is_initializer() && !b.is_initializer() && shapes;
    }
    // A divisor near zero keeps few codes: the quotient of codes would lose
    // the precision the float32 quotient keeps.
    case OpType::Div: return false;
    // x^p codes the wide range of its outputs into 8 bits poorly (x^2 of a
    // Relu keeps 27 dB, tests/exec/int8_code_ops_test.cpp).
    case OpType::Pow: return false;
    default: return true;
  }
}

std::vector<std::string> int8_float_ops(const Graph& graph) {
  std::vector<std::string> ops;
  for (const Node& node : graph.nodes)
    if (!int8_on_codes(graph, node))
      ops.push_back(std::string(op_name(node.op)) + " (" + node.name + ")");
  return ops;
}

}  // namespace splitinfer::cpu
