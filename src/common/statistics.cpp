#include "common/statistics.h"

#include <algorithm>
#include <cmath>

namespace splitinfer {

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  const double at = p * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(at);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (at - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return percentile(values, 0.5);
}

double sqnr_db(std::span<const float> got, std::span<const float> want) {
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < want.size(); ++i) {
    signal += static_cast<double>(want[i]) * want[i];
    noise += (static_cast<double>(got[i]) - want[i]) * (static_cast<double>(got[i]) - want[i]);
  }
  return noise == 0.0 ? 200.0 : 10.0 * std::log10(signal / noise);
}

}  // namespace splitinfer
