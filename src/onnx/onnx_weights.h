// Weights for a graph built from its architecture (a zoo model) taken from an
// ONNX file, matched by tensor name (PyTorch's state_dict names, which the
// zoo uses and the exporter writes as initializer names).
#pragma once

#include <string>

#include "graph/graph.h"

namespace splitinfer {

// Fills the data of every param and stat tensor of `graph` from the
// initializer of the same name in the file at `path`. A missing initializer
// or one of another shape or type is an invalid_input Error naming the
// tensor; on any error the graph is left unchanged.
void load_weights_from_onnx(Graph& graph, const std::string& path);

}  // namespace splitinfer
