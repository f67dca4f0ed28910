// Static post-training quantization: the range of every activation tensor a
// partition materialises, observed by running the float model on calibration
// inputs. The INT8 backend turns a range into a type (uint8 for tensors that
// never go negative, int8 otherwise) and a symmetric scale (zero point 0).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/graph.h"

namespace splitinfer {

enum class CalibrationMethod {
  minmax,      // clip at the largest magnitude seen
  percentile,  // clip at the 99.99th percentile of magnitudes (ignores rare outliers)
};

inline constexpr double kCalibrationPercentile = 99.99;

struct TensorRange {
  float min = 0.0f;
  float max = 0.0f;
  float abs_percentile = 0.0f;  // kCalibrationPercentile-th percentile of |x|
};

struct QuantParams {
  bool is_unsigned = false;  // uint8 codes 0..255, else int8 -127..127
  float scale = 1.0f;
};

class Calibration {
 public:
  CalibrationMethod method = CalibrationMethod::percentile;
  int samples = 0;  // calibration inputs seen
  std::unordered_map<std::string, TensorRange> ranges;  // by tensor name

  bool has(const std::string& tensor) const { return ranges.count(tensor) != 0; }
  // Throws an internal Error for a tensor that was never observed.
  QuantParams params(const std::string& tensor) const;

  std::string to_json() const;
  // Throws invalid_input for a malformed document.
  static Calibration from_json(const std::string& text);
};

// Runs the float model on each input (raw float32 NCHW of the graph's input
// shape) and records the range of every tensor the backends materialise.
Calibration calibrate(const Graph& graph, const std::vector<std::vector<float>>& inputs,
                      CalibrationMethod method);

// Deterministic stand-in inputs when the user gives no calibration files:
// standard normal noise, like normalised image pixels, one draw per seed.
std::vector<std::vector<float>> synthetic_calibration_inputs(const Graph& graph, int count,
                                                             uint64_t seed);

}  // namespace splitinfer
