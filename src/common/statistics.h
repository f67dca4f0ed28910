// Summaries of measured and computed values: quantiles of timings, the
// signal-to-quantization-noise ratio of outputs against a reference, and the
// fidelity of a schedule's outputs to FP32's.
#pragma once

#include <span>
#include <vector>

namespace splitinfer {

// The p-quantile (0..1) of ascending values, interpolated linearly between
// the two nearest ranks; 0 when empty.
double percentile(const std::vector<double>& sorted, double p);

// percentile(sorted values, 0.5): with an even count, the mean of the two
// middle values; 0 when empty.
double median(std::vector<double> values);

// The mean of the values left after dropping the lowest and the highest
// `trim` (0..0.5) of them; 0 when none is left. Unlike a median it resolves
// times finer than a clock's tick: oneDNN times its kernels to about a
// microsecond, and a mean of many such readings is not bound to that grid.
double trimmed_mean(std::vector<double> values, double trim);

// Signal-to-quantization-noise ratio in dB of `got` against `want`:
// 10 log10(sum want^2 / sum (got - want)^2) over want's elements (`got` is at
// least as long). 200 dB when they are equal: a finite stand-in for infinity
// that JSON can carry.
double sqnr_db(std::span<const float> got, std::span<const float> want);

// How faithful outputs are to reference outputs of the same frames: the
// lowest SQNR and the largest absolute difference over the frames, and how
// many frames keep the reference's top-1 (arg max) index.
struct Fidelity {
  double min_sqnr_db = 0.0;
  double max_abs_diff = 0.0;
  int top1_same = 0;
  int frames = 0;
};

// Frame i of `got` against frame i of `want`, for every frame of `got` (a
// short run compares its first frames).
Fidelity compare_outputs(const std::vector<std::vector<float>>& got,
                         const std::vector<std::vector<float>>& want);

}  // namespace splitinfer
