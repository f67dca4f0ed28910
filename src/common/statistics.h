// Summaries of measured and computed values: quantiles of timings and the
// signal-to-quantization-noise ratio of outputs against a reference.
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

// Signal-to-quantization-noise ratio in dB of `got` against `want`:
// 10 log10(sum want^2 / sum (got - want)^2) over want's elements (`got` is at
// least as long). 200 dB when they are equal: a finite stand-in for infinity
// that JSON can carry.
double sqnr_db(std::span<const float> got, std::span<const float> want);

}  // namespace splitinfer
