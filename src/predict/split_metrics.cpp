#include "predict/split_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "common/error.h"

namespace splitinfer::predict {
namespace {

void check(const std::vector<SplitOutcome>& models) {
  if (models.empty()) fail(ErrorKind::invalid_input, "split metrics: no test models");
  for (size_t i = 0; i < models.size(); ++i) {
    const SplitOutcome& m = models[i];
    const std::string where = "split metrics: model " + std::to_string(i);
    if (m.units < 1) fail(ErrorKind::invalid_input, where + " has no units");
    for (int split : {m.best_split, m.predicted_split})
      if (split < 0 || split > m.units)
        fail(ErrorKind::invalid_input,
             where + ": split " + std::to_string(split) + " outside 0.." + std::to_string(m.units));
    if (m.latency.size() != static_cast<size_t>(m.units) + 1)
      fail(ErrorKind::invalid_input, where + ": " + std::to_string(m.latency.size()) +
                                         " latencies for " + std::to_string(m.units + 1) +
                                         " split indices");
    for (double l : m.latency)
      if (!(l > 0.0) || !std::isfinite(l))
        fail(ErrorKind::invalid_input,
             where + ": latency " + std::to_string(l) + " is not a positive number");
    if (*std::min_element(m.latency.begin(), m.latency.end()) < m.latency[m.best_split])
      fail(ErrorKind::invalid_input,
           where + ": best split " + std::to_string(m.best_split) + " is not the fastest");
  }
}

int index_error(const SplitOutcome& m) { return std::abs(m.predicted_split - m.best_split); }

double latency_at(const SplitOutcome& m, int split) {
  return m.latency[static_cast<size_t>(split)];
}

// Faster than either element alone.
bool splitting_pays(const SplitOutcome& m, int split) {
  return latency_at(m, split) < std::min(latency_at(m, 0), latency_at(m, m.units));
}

}  // namespace

double layerwise_accuracy(const std::vector<SplitOutcome>& models) {
  check(models);
  long long correct = 0, total = 0;
  for (const SplitOutcome& m : models) {
    correct += m.units - index_error(m);
    total += m.units;
  }
  return 100.0 * static_cast<double>(correct) / static_cast<double>(total);
}

double mape_partition_index(const std::vector<SplitOutcome>& models) {
  check(models);
  double sum = 0.0;
  for (const SplitOutcome& m : models) sum += static_cast<double>(index_error(m)) / m.units;
  return 100.0 * sum / static_cast<double>(models.size());
}

double mape_latency(const std::vector<SplitOutcome>& models) {
  check(models);
  double sum = 0.0;
  for (const SplitOutcome& m : models) {
    const double best = latency_at(m, m.best_split);
    sum += std::abs(latency_at(m, m.predicted_split) - best) / best;
  }
  return 100.0 * sum / static_cast<double>(models.size());
}

double agreement(const std::vector<SplitOutcome>& models) {
  check(models);
  const auto agreeing = std::count_if(models.begin(), models.end(), [](const SplitOutcome& m) {
    return splitting_pays(m, m.predicted_split) == splitting_pays(m, m.best_split);
  });
  return 100.0 * static_cast<double>(agreeing) / static_cast<double>(models.size());
}

SplitMetrics split_metrics(const std::vector<SplitOutcome>& models) {
  return {layerwise_accuracy(models), mape_partition_index(models), mape_latency(models),
          agreement(models)};
}

}  // namespace splitinfer::predict
