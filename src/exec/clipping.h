// Where to clip a tensor's values before coding them in 8 bits, from a
// sample of the values seen during calibration. Symmetric codes (zero
// point 0): s8 codes cover [-clip, clip] in 255 steps, u8 codes [0, clip]
// in 255 steps. Each method gives a clip for both types; the type is the
// one whose codes reproduce the sample with less squared error, so a tensor
// that is negative only rarely and slightly still gets u8's finer steps.
#pragma once

#include <span>
#include <vector>

namespace splitinfer {

enum class CalibrationMethod {
  minmax,      // the largest magnitude seen (exact, not the sample's)
  percentile,  // the 99.99th percentile of magnitudes (ignores rare outliers)
  mse,         // the clip that minimises the squared coding error of the sample
  entropy,     // the clip that minimises the KL divergence of the coded histogram (TensorRT)
  histogram,   // PyTorch's HistogramObserver: greedy L2 search over a histogram
};

inline constexpr double kCalibrationPercentile = 99.99;

struct Clipping {
  bool is_unsigned = false;
  float clip = 0.0f;
};

// The smallest and largest of every value a tensor took during calibration.
struct ValueRange {
  float min = 0.0f, max = 0.0f;
};

// `sample` holds values of one tensor (any order; it is reordered), `seen`
// the exact extremes of all its values: the sample is thinned and can miss
// them, and a clip below the largest value seen would saturate values the
// calibration inputs themselves produce.
Clipping choose_clipping(std::vector<float>& sample, ValueRange seen, CalibrationMethod method);

// Sum of squared differences between the sample and its codes at `clip`.
double coding_error(std::span<const float> sample, bool is_unsigned, float clip);

}  // namespace splitinfer
