// Which nodes an INT8 CPU partition runs on codes and which in float32 on
// dequantized values. It depends on the graph alone (the op, and which
// operands are constants), so the lowering takes its path from it and
// `inspect` lists the float32 ones without compiling anything.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/linear_layer.h"

namespace splitinfer::cpu {

// A Gemm that is a linear layer: constant B, no transposed A, and C absent
// or a constant per-output vector or scalar. It runs as an inner product.
bool is_linear_gemm(const Graph& graph, const Node& node);

bool int8_on_codes(const Graph& graph, const Node& node);

// "Op (node)" for every node that runs in float32 on an INT8 element, in
// graph order.
std::vector<std::string> int8_float_ops(const Graph& graph);

}  // namespace splitinfer::cpu
