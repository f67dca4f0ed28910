// Turns the MODEL argument of every command into a validated graph: a zoo
// name or a path to an .onnx file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/equalization.h"
#include "graph/graph.h"

namespace splitinfer {

struct ModelRequest {
  std::string model;                      // zoo name or .onnx path
  bool need_weights = false;              // shape-only is enough for inspection
  uint64_t seed = 0;                      // zoo weights when none are loaded
  std::optional<std::string> weights;     // ONNX file holding a zoo model's weights
  std::vector<std::string> input_shapes;  // --input-shape values (onnx/input_shapes.h)
  bool equalize = false;                  // cross-layer equalization (graph/equalization.h)
};

// With `equalized`, what the cross-layer equalization of request.equalize did.
Graph load_model(const ModelRequest& request, Equalization* equalized = nullptr);

}  // namespace splitinfer
