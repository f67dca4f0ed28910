// The MODEL argument and its weight options, shared by the commands that
// load a model.
#pragma once

#include <CLI/CLI.hpp>

#include "source/model_source.h"

namespace splitinfer::cli {

inline void add_model_options(CLI::App* cmd, ModelRequest& request) {
  cmd->add_option("MODEL", request.model, "Zoo model name or path to an .onnx file")->required();
  cmd->add_option("--weights", request.weights,
                  "ONNX file with weights for a zoo model (matched by PyTorch parameter name)");
  cmd->add_option("--seed", request.seed, "Seed of a zoo model's random weights")->default_val(0);
  cmd->add_option("--input-shape", request.input_shapes,
                  "Fix an ONNX input's symbolic dimensions: NAME=1x3x640x640 (repeatable), or "
                  "1x3x640x640 for a model with one input");
  cmd->add_flag("--equalize", request.equalize,
                "Cross-layer equalization before INT8 calibration: rescale the channels between "
                "convolutions joined by ReLU or max pooling so their weight ranges match (the "
                "float function is unchanged)");
}

}  // namespace splitinfer::cli
