// Model size figures as the papers and PyTorch report them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "graph/graph.h"

namespace splitinfer {

// Multiply-accumulates of a convolution or linear layer (Conv, Gemm, MatMul);
// zero for every other op. Needs inferred shapes.
int64_t node_macs(const Graph& graph, const Node& node);

// Trainable parameters read by nodes [first, last): elements of param-role
// tensors, each tensor counted once. BatchNorm running statistics are not
// parameters, as in PyTorch.
int64_t count_params(const Graph& graph, size_t first, size_t last);

int64_t total_params(const Graph& graph);
int64_t total_macs(const Graph& graph);

}  // namespace splitinfer
