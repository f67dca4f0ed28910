// Static shape inference for every op in ops.def.
#pragma once

#include <cstdint>

#include "graph/graph.h"

namespace splitinfer {

// Largest tensor splitinfer accepts (elements). Bigger declarations come from
// hostile or mistaken files and would exhaust memory on the first run.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 30;

// Fills shape and dtype of every node output, in node order (the graph must be
// topologically sorted). Resolves auto_pad into explicit pads. Throws an
// invalid_input Error naming the node when inputs are inconsistent.
void infer_shapes(Graph& graph);

// Shape inference for one node whose inputs already have shapes.
void infer_node_shapes(Graph& graph, Node& node);

}  // namespace splitinfer
