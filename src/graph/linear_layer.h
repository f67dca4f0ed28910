// A linear layer as exporters write one for inputs of any rank: a MatMul by a
// constant matrix, then the Add of a constant vector (the bias). Split units
// keep the two together, and the CPU lowering runs them as one inner product
// (with integer kernels in INT8), as it runs a Gemm.
#pragma once

#include <cstddef>

#include "graph/graph.h"

namespace splitinfer {

// A MatMul by a constant matrix.
bool is_linear_matmul(const Graph& graph, const Node& node);

// Whether node `index` is the bias of the linear MatMul just before it: an
// Add that alone reads the MatMul's output (not a model output either) and
// adds a constant of one value per output column.
bool is_linear_bias(const Graph& graph, size_t index);

}  // namespace splitinfer
