#include "profile/timing.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "common/error.h"

namespace splitinfer {

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  const double at = p * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(at);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (at - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

TimingStats time_runs(const std::function<void()>& run, int warmup, int reps) {
  if (reps < 1) fail(ErrorKind::invalid_input, "the number of repetitions must be at least 1");
  for (int i = 0; i < warmup; ++i) run();
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(reps));
  for (int i = 0; i < reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return {percentile(ms, 0.5), percentile(ms, 0.1), percentile(ms, 0.9), reps};
}

}  // namespace splitinfer
