#include "profile/timing.h"

#include <algorithm>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace splitinfer {

std::vector<double> time_each_run(const std::function<void()>& run, int warmup, int reps,
                                  const std::function<void()>& between) {
  if (reps < 1) fail(ErrorKind::invalid_input, "the number of repetitions must be at least 1");
  for (int i = 0; i < warmup; ++i) run();
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(reps));
  for (int i = 0; i < reps; ++i) {
    if (between) between();
    const auto start = SteadyClock::now();
    run();
    ms.push_back(ms_since(start));
  }
  return ms;
}

TimingStats timing_stats(std::vector<double> ms) {
  if (ms.empty()) fail(ErrorKind::internal, "timing statistics of no runs");
  std::sort(ms.begin(), ms.end());
  return {percentile(ms, 0.5), percentile(ms, 0.1), percentile(ms, 0.9),
          trimmed_mean(ms, kTrimmedShare), static_cast<int>(ms.size())};
}

TimingStats time_runs(const std::function<void()>& run, int warmup, int reps,
                      const std::function<void()>& between) {
  return timing_stats(time_each_run(run, warmup, reps, between));
}

}  // namespace splitinfer
