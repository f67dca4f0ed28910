// The graph IR as an ONNX file: opset 17, IR version 8, PyTorch 2.x style
// node names that carry each node's module ("/layer1/layer1.0/layer1.0.conv1/
// Conv"), so that import_onnx_* gives back the same split units.
#pragma once

#include <string>

#include "graph/graph.h"

namespace splitinfer {

// Serialised model, checked with onnx::checker. The graph must be validated
// and carry weight data (an invalid_input Error "model has no weights ..."
// otherwise); a model failing the checker is an internal Error.
std::string export_onnx_bytes(const Graph& graph);

// Writes the model to `path` through a temporary file in the same directory
// and a rename, so a failure never leaves a partial file behind (io Error).
void export_onnx_file(const Graph& graph, const std::string& path);

}  // namespace splitinfer
