// ONNX files into the graph IR. Reads opsets 11 to 21 of the default domain
// (older ones from opset 7 through ONNX's version converter),
// folds the shape arithmetic exporters write around static shapes, moves
// constant configuration inputs (Clip bounds, Pad pads, Slice ranges, ...)
// into attributes, and recovers the PyTorch module of each node from
// PyTorch 2.x node names ("/layer1/layer1.0/layer1.0.conv1/Conv").
//
// Every problem with the file is reported as a splitinfer::Error with a
// one-line message naming the file and the node, tensor or op at fault:
// ErrorKind::io for files that cannot be read, invalid_input for malformed
// models, unsupported for valid models outside what splitinfer handles.
#pragma once

#include <string>
#include <string_view>

#include "graph/graph.h"
#include "onnx/input_shapes.h"

namespace splitinfer {

// The result is validated: every tensor has a static shape and weights carry
// their data. `shapes` fixes the inputs' symbolic dimensions (each given
// shape must have the input's rank and agree with its fixed dimensions); a
// symbolic batch dimension left unset becomes 1, any other is an error that
// names the input and the option.
Graph import_onnx_file(const std::string& path, const InputShapes& shapes = {});

// The same for a model already in memory; `source_name` stands for the file
// in messages and names the graph when the model does not.
Graph import_onnx_bytes(std::string_view bytes, const std::string& source_name,
                        const InputShapes& shapes = {});

}  // namespace splitinfer
