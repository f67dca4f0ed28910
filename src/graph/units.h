// Split units: the granularity at which a model may be cut between elements.
//
// Units follow the papers: the top-level modules of the PyTorch model, with
// the children of a Sequential container (layer1.0, features.3) as units of
// their own, residual and inverted-residual blocks kept whole, and top-level
// functional ops (torch.flatten) as units. Without module names (ONNX files
// from exporters that do not record them) every node starts as its own unit.
// Either way, neighbouring units are merged until exactly one activation
// tensor crosses every cut. A split index i in 0..N runs units 0..i-1 on the
// first element and the rest on the second.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace splitinfer {

// Units of a sorted, shape-inferred graph, in execution order. validate()
// stores them in Graph::units; read them there.
std::vector<Unit> split_units(const Graph& graph);

// Elements of the one tensor crossing each cut j = 0..N of a graph's units:
// the model input at 0, unit j-1's output at j. What a split at j hands over.
std::vector<int64_t> cut_tensor_elements(const Graph& graph);

}  // namespace splitinfer
