// Timing a partition: warm-up runs, then repetitions summarised by their
// median and 10th/90th percentiles (medians resist the noise of shared
// machines better than means), and by a mean without either tail.
#pragma once

#include <functional>
#include <vector>

#include "common/statistics.h"  // percentile, median: part of this header's API

namespace splitinfer {

// The share of the fastest and of the slowest runs a trimmed mean drops.
inline constexpr double kTrimmedShare = 0.1;

struct TimingStats {
  double median_ms = 0.0;
  double p10_ms = 0.0;
  double p90_ms = 0.0;
  double trimmed_mean_ms = 0.0;  // kTrimmedShare of the fastest and slowest dropped
  int reps = 0;
};

// `between`, when given, runs untimed before each timed run.
TimingStats time_runs(const std::function<void()>& run, int warmup, int reps,
                      const std::function<void()>& between = {});

// The same runs' times in ms, in the order taken, for runs pooled from
// several measurements (summarise them with timing_stats).
std::vector<double> time_each_run(const std::function<void()>& run, int warmup, int reps,
                                  const std::function<void()>& between = {});

// Median, percentiles and trimmed mean of run times in ms (at least one).
TimingStats timing_stats(std::vector<double> ms);

}  // namespace splitinfer
