#include "predict/unit_curves.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "common/error.h"
#include "common/precision.h"
#include "graph/graph.h"

namespace splitinfer::predict {

std::vector<double> first_element_curve(const ModelRecord& r) {
  return {r.first_ms.begin() + 1, r.first_ms.end()};
}

std::vector<double> second_element_curve(const ModelRecord& r) {
  return {r.second_ms.begin(), r.second_ms.end() - 1};
}

int best_split(const ModelRecord& r, Objective objective) {
  return objective == Objective::latency ? r.best_latency_split : r.best_throughput_split;
}

const std::vector<double>& objective_curve(const ModelRecord& r, Objective objective) {
  return objective == Objective::latency ? r.latency_ms : r.period_ms;
}

std::vector<double> accumulated_curve(const std::vector<double>& unit_ms, size_t element) {
  std::vector<double> curve(unit_ms.size());
  double sum = 0.0;
  if (element == 0)
    for (size_t i = 0; i < unit_ms.size(); ++i) curve[i] = sum += unit_ms[i];
  else
    for (size_t i = unit_ms.size(); i-- > 0;) curve[i] = sum += unit_ms[i];
  return curve;
}

std::vector<double> first_element_labels(const ModelRecord& r, Objective objective) {
  const int k = best_split(r, objective);
  std::vector<double> labels(static_cast<size_t>(r.units), 0.0);
  std::fill(labels.begin(), labels.begin() + k, 1.0);
  return labels;
}

std::vector<double> first_element_soft_labels(const ModelRecord& r, Objective objective,
                                              double tolerance) {
  if (tolerance <= 0) return first_element_labels(r, objective);
  const std::vector<double>& cost = objective_curve(r, objective);
  const double best = cost.at(static_cast<size_t>(best_split(r, objective)));
  // weight[k] of split k = 0..N; unit i is on the first element for k > i.
  std::vector<double> weight(cost.size());
  double total = 0.0;
  for (size_t k = 0; k < cost.size(); ++k)
    total += weight[k] = std::exp(-(cost[k] / best - 1.0) / tolerance);
  std::vector<double> labels(static_cast<size_t>(r.units), 0.0);
  double after = total - weight[0];
  for (size_t i = 0; i < labels.size(); ++i) {
    labels[i] = std::clamp(after / total, 0.0, 1.0);
    after -= weight[i + 1];
  }
  return labels;
}

std::vector<int64_t> cut_elements(const ModelRecord& r) {
  std::vector<int64_t> elements(r.handoff_bytes.size(), 0);
  for (size_t k = 1; k + 1 < r.handoff_bytes.size(); ++k)
    elements[k] = std::max<int64_t>(0, r.handoff_bytes[k] - kInt8HandoffHeaderBytes);
  return elements;
}

int split_from_probabilities(const std::vector<double>& p, const std::vector<double>& objective_ms,
                             double objective_weight) {
  for (double q : p)
    if (!(q >= 0.0 && q <= 1.0))
      fail(ErrorKind::invalid_input,
           "a first-element probability " + std::to_string(q) + " is outside [0, 1]");
  const bool weighed = !objective_ms.empty();
  if (weighed && objective_ms.size() != p.size() + 1)
    fail(ErrorKind::invalid_input, "a split needs the objective at every one of the " +
                                       std::to_string(p.size() + 1) + " cuts, not " +
                                       std::to_string(objective_ms.size()));
  if (!(objective_weight >= 0.0))
    fail(ErrorKind::invalid_input, "the objective's weight must be 0 or more");
  double lowest = std::numeric_limits<double>::infinity();
  for (double ms : objective_ms) {
    if (!(ms > 0.0 && std::isfinite(ms)))
      fail(ErrorKind::invalid_input, "a predicted objective of " + std::to_string(ms) + " ms");
    lowest = std::min(lowest, ms);
  }
  // Clamped so that one confident unit cannot veto a split on its own.
  constexpr double kFloor = 1e-6;
  double likelihood = 0.0;  // k = 0: every unit on the second element
  for (double q : p) likelihood += std::log(std::max(1.0 - q, kFloor));
  const auto score = [&](size_t k) {
    return weighed ? likelihood - objective_weight * std::log(objective_ms[k] / lowest)
                   : likelihood;
  };
  double best = score(0);
  int best_k = 0;
  for (size_t k = 1; k <= p.size(); ++k) {
    likelihood += std::log(std::max(p[k - 1], kFloor)) - std::log(std::max(1.0 - p[k - 1], kFloor));
    if (score(k) > best) {
      best = score(k);
      best_k = static_cast<int>(k);
    }
  }
  return best_k;
}

}  // namespace splitinfer::predict
