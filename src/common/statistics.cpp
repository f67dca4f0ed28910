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

double trimmed_mean(std::vector<double> values, double trim) {
  std::sort(values.begin(), values.end());
  const auto drop = static_cast<size_t>(trim * static_cast<double>(values.size()));
  if (2 * drop >= values.size()) return 0.0;
  double sum = 0.0;
  for (size_t i = drop; i < values.size() - drop; ++i) sum += values[i];
  return sum / static_cast<double>(values.size() - 2 * drop);
}

double sqnr_db(std::span<const float> got, std::span<const float> want) {
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < want.size(); ++i) {
    signal += static_cast<double>(want[i]) * want[i];
    noise += (static_cast<double>(got[i]) - want[i]) * (static_cast<double>(got[i]) - want[i]);
  }
  return noise == 0.0 ? 200.0 : 10.0 * std::log10(signal / noise);
}

Fidelity compare_outputs(const std::vector<std::vector<float>>& got,
                         const std::vector<std::vector<float>>& want) {
  Fidelity f;
  for (size_t i = 0; i < got.size(); ++i) {
    const std::vector<float>& g = got[i];
    const std::vector<float>& w = want.at(i);
    const double sqnr = sqnr_db(g, w);
    f.min_sqnr_db = i == 0 ? sqnr : std::min(f.min_sqnr_db, sqnr);
    for (size_t j = 0; j < w.size(); ++j)
      f.max_abs_diff = std::max(f.max_abs_diff, std::abs(static_cast<double>(g[j]) - w[j]));
    f.top1_same += std::max_element(g.begin(), g.end()) - g.begin() ==
                   std::max_element(w.begin(), w.end()) - w.begin();
    ++f.frames;
  }
  return f;
}

}  // namespace splitinfer
