// Where to clip a tensor's values before coding them in 8 bits, from a
// sample of the values seen during calibration. Symmetric codes (zero
// point 0): s8 codes cover [-clip, clip] in 255 steps, u8 codes [0, clip]
// in 255 steps. Affine codes (a zero point): u8 codes cover [low, clip],
// low < 0, in 255 steps. Each method gives a clip for each symmetric
// coding; the coding is the one whose codes reproduce the sample with less
// squared error, so a tensor that is negative only rarely and slightly
// still gets u8's finer steps. The methods that give a range of values
// (histogram, minmax) also offer affine codes over it, chosen where they
// reproduce the sample with clearly less error still (kAffineErrorShare):
// a HardSwish output spans [-0.375, clip], where s8 would spend half its
// codes on values that never occur.
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
  float low = 0.0f;  // below 0: affine u8 codes over [low, clip]
  bool affine() const { return low < 0.0f; }
};

// Affine codes are chosen where their error is at most this share of the
// better symmetric coding's (1 dB or more better): a zero point costs the
// kernels that read it (oneDNN runs padded convolutions with one on slower
// kernels), so it has to buy something.
inline constexpr double kAffineErrorShare = 0.8;

// The smallest and largest of every value a tensor took during calibration.
struct ValueRange {
  float min = 0.0f, max = 0.0f;
};

// `sample` holds values of one tensor (any order; it is reordered), `seen`
// the exact extremes of all its values: the sample is thinned and can miss
// them, and a clip below the largest value seen would saturate values the
// calibration inputs themselves produce.
Clipping choose_clipping(std::vector<float>& sample, ValueRange seen, CalibrationMethod method);

// Sum of squared differences between the sample and its codes.
double coding_error(std::span<const float> sample, const Clipping& coding);

// The code of 0.0 in affine u8 codes of step `step` from `low`: an integer,
// so that 0.0 (padding, ReLU's floor) is coded exactly.
float zero_point_of(float low, float step);

}  // namespace splitinfer
