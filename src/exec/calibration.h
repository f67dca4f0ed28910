// Static post-training quantization: the range of every activation tensor a
// partition materialises, observed by running the float model on calibration
// inputs, and the type (uint8 or int8) and clip point chosen for it from a
// sample of its values (exec/clipping.h); the INT8 backend codes the tensor
// with a symmetric scale (zero point 0), or with a zero point where the
// calibration chose affine codes and the kernels around the tensor take one. Per-channel means let
// the backend correct the bias that weight quantization adds to each layer's output.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/clipping.h"
#include "exec/quant_params.h"
#include "graph/graph.h"

namespace splitinfer {

struct TensorRange {
  float min = 0.0f;
  float max = 0.0f;
  Clipping clipping;  // type and clip point chosen by the calibration method
  // Mean of each index along axis 1 (channels of NCHW, features of [N, K]),
  // for the bias correction of the layers that read the tensor; empty for
  // tensors of rank below 2.
  std::vector<float> channel_means;
};

class Calibration {
 public:
  CalibrationMethod method = CalibrationMethod::histogram;
  int samples = 0;                                      // calibration inputs seen
  std::unordered_map<std::string, TensorRange> ranges;  // by tensor name

  bool has(const std::string& tensor) const { return ranges.count(tensor) != 0; }
  // Throws an internal Error for a tensor that was never observed.
  QuantParams params(const std::string& tensor) const;
  // Per-channel means of a tensor; null when unknown (rank below 2).
  const std::vector<float>* channel_means(const std::string& tensor) const;

  std::string to_json() const;
  // Throws invalid_input for a malformed document.
  static Calibration from_json(const std::string& text);
};

// Runs the float model on each input (raw float32 NCHW of the graph's input
// shape) and records the range of every tensor the backends materialise.
// "minmax", "percentile", "mse", "entropy" or "histogram"; invalid_input otherwise.
CalibrationMethod parse_calibration_method(const std::string& name);
std::string calibration_method_name(CalibrationMethod method);

Calibration calibrate(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                      CalibrationMethod method);

// Deterministic stand-in inputs when the user gives no calibration files:
// standard normal noise, like normalised image pixels, one draw per seed.
std::vector<std::vector<float>> synthetic_calibration_inputs(const Graph& graph, int count,
                                                             uint64_t seed);

}  // namespace splitinfer
