// Input sizes a user fixes for a model whose inputs have symbolic
// dimensions, as ONNX Runtime's free-dimension overrides, trtexec --shapes
// and OpenVINO's reshape do: --input-shape NAME=1x3x640x640, or a bare
// 1x3x640x640 for a model with one input.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace splitinfer {

struct InputShapes {
  std::map<std::string, Shape> named;
  std::optional<Shape> unnamed;  // the one input's, whatever its name
  bool empty() const { return named.empty() && !unnamed; }
};

// Parses --input-shape values; throws an invalid_input Error naming the value
// that is malformed (dimensions must be positive integers joined by 'x'),
// given twice, or bare beside another value.
InputShapes parse_input_shapes(const std::vector<std::string>& values);

}  // namespace splitinfer
