#include "predict/evaluate_predictors.h"

#include <cmath>
#include <limits>

#include "common/clock.h"
#include "common/error.h"
#include "predict/curve_cost_source.h"
#include "predict/unit_curves.h"

namespace splitinfer::predict {
namespace {

// The errors of one predictor's times: |predicted - true| / true of every
// partition time per element, and of the objective at the chosen split.
struct TimeErrors {
  std::array<double, 2> sum{};
  std::array<int64_t, 2> within_10_percent{};
  int64_t units = 0;
  double chosen_sum = 0.0;
  int models = 0;
  void add(const PredictedCurves& predicted, const ModelRecord& r,
           const std::vector<double>& measured_objective) {
    const std::array<std::vector<double>, 2> truth = {first_element_curve(r),
                                                      second_element_curve(r)};
    for (size_t e = 0; e < 2; ++e)
      for (size_t i = 0; i < truth[e].size(); ++i) {
        const double error = std::abs(predicted.ms[e][i] - truth[e][i]) / truth[e][i];
        sum[e] += error;
        within_10_percent[e] += error <= 0.1;
      }
    units += r.units;
    const double measured = measured_objective.at(static_cast<size_t>(predicted.split));
    chosen_sum += std::abs(predicted.objective_ms - measured) / measured;
    ++models;
  }
  void fill(PredictorScore& score) const {
    for (size_t e = 0; e < 2; ++e) {
      score.curve_mape[e] = 100.0 * sum[e] / static_cast<double>(units);
      score.within_10_percent[e] =
          100.0 * static_cast<double>(within_10_percent[e]) / static_cast<double>(units);
    }
    score.chosen_objective_mape = 100.0 * chosen_sum / models;
  }
};

// Every split over two curves, the best first for `objective` (rank_splits).
std::vector<Plan> ranked_splits(const PredictorSet& set,
                                const std::array<std::vector<double>, 2>& ms,
                                const std::vector<int64_t>& cut_elements, const Link& link,
                                Objective objective) {
  const auto& elements = set.manifest.elements;
  const CurveCostSource costs(elements[0], ms[0], elements[1], ms[1]);
  return rank_splits(costs, predictor_chain(set.manifest), cut_elements, link, objective);
}

}  // namespace

PredictedCurves split_over_curves(const PredictorSet& set, std::array<std::vector<double>, 2> ms,
                                  const std::vector<int64_t>& cut_elements, const Link& link,
                                  Objective objective,
                                  const std::optional<std::array<double, 2>>& whole_model_ms) {
  PredictedCurves c;
  c.ms = std::move(ms);
  for (size_t e = 0; e < 2 && whole_model_ms; ++e) {
    if (c.ms[e].empty()) continue;
    const double predicted_whole = e == 0 ? c.ms[e].back() : c.ms[e].front();
    for (double& ms_i : c.ms[e]) ms_i *= (*whole_model_ms)[e] / predicted_whole;
  }
  const Plan best = ranked_splits(set, c.ms, cut_elements, link, objective).front();
  c.split = best.cuts.at(0);
  c.objective_ms = best.objective_ms(objective);
  return c;
}

PredictedCurves predict_curves(const PredictorSet& set, const UnitGraph& graph, bool tree,
                               const std::vector<int64_t>& cut_elements, const Link& link,
                               Objective objective) {
  std::array<std::vector<double>, 2> ms;
  for (size_t e = 0; e < 2; ++e)
    ms[e] =
        tree ? accumulated_curve(set.tree[e].predict(graph), e) : set.latency[e]->predict(graph);
  return split_over_curves(set, std::move(ms), cut_elements, link, objective);
}

PartitionPrediction predict_partition(const PredictorSet& set, const UnitGraph& graph,
                                      const std::vector<int64_t>& cut_elements, const Link& link,
                                      double objective_weight) {
  const size_t n = graph.features.size();
  std::vector<double> probability(n, 0.0);
  std::array<std::vector<double>, 2> log_ms{std::vector<double>(n, 0.0),
                                            std::vector<double>(n, 0.0)};
  size_t timed = 0;  // members that predict times
  for (const auto& member : set.partition) {
    const std::vector<double> out = member->predict(graph);
    const bool times = member->architecture().head == GnnHead::first_element_odds_and_times;
    if (out.size() != (times ? 3 : 1) * n)
      fail(ErrorKind::invalid_input, "a partition model predicted " + std::to_string(out.size()) +
                                         " values for " + std::to_string(n) + " units");
    for (size_t u = 0; u < n; ++u)
      probability[u] += out[u] / static_cast<double>(set.partition.size());
    if (!times) continue;
    ++timed;
    for (size_t e = 0; e < 2; ++e)
      for (size_t u = 0; u < n; ++u) log_ms[e][u] += std::log(out[(e + 1) * n + u]);
  }
  if (timed == 0) return {split_from_probabilities(probability), std::nullopt};
  PredictedCurves times;
  for (size_t e = 0; e < 2; ++e)
    for (double sum : log_ms[e]) times.ms[e].push_back(std::exp(sum / static_cast<double>(timed)));
  std::vector<double> objective(n + 1, 0.0);
  for (const Plan& plan : ranked_splits(set, times.ms, cut_elements, link, set.manifest.objective))
    objective.at(static_cast<size_t>(plan.cuts.at(0))) = plan.objective_ms(set.manifest.objective);
  times.split = split_from_probabilities(probability, objective, objective_weight);
  times.objective_ms = objective[static_cast<size_t>(times.split)];
  return {times.split, times};
}

Evaluation evaluate_predictors(const PredictorSet& set, const std::vector<const ModelRecord*>& test,
                               const Link& link, double partition_objective_weight) {
  if (test.empty()) fail(ErrorKind::invalid_input, "no test models to evaluate the predictors on");
  Evaluation ev;
  ev.objective = set.manifest.objective;
  ev.test_models = static_cast<int>(test.size());
  // Latency model, partition model, tree, the two constants (split N, split
  // 0), the anchored latency model, and the measured unit times summed, plain
  // and anchored.
  std::array<std::vector<SplitOutcome>, 8> outcomes;
  std::array<double, 3> inference_ms{};
  TimeErrors gnn_errors, partition_errors, tree_errors, anchored_errors, unit_sum_errors,
      anchored_unit_sum_errors;
  for (const ModelRecord* r : test) {
    const std::vector<int64_t> cuts = cut_elements(*r);
    TestPrediction p{r->seed, r->units, best_split(*r, ev.objective), 0, 0, 0};

    auto start = SteadyClock::now();
    const PredictedCurves gnn = predict_curves(set, r->graph, false, cuts, link, ev.objective);
    inference_ms[0] += ms_since(start);
    start = SteadyClock::now();
    const PartitionPrediction partition =
        predict_partition(set, r->graph, cuts, link, partition_objective_weight);
    inference_ms[1] += ms_since(start);
    start = SteadyClock::now();
    const PredictedCurves tree = predict_curves(set, r->graph, true, cuts, link, ev.objective);
    inference_ms[2] += ms_since(start);

    p.partition_model_split = partition.split;
    p.latency_model_split = gnn.split;
    p.tree_split = tree.split;
    const std::array whole{first_element_curve(*r).back(), second_element_curve(*r).front()};
    const PredictedCurves anchored =
        split_over_curves(set, gnn.ms, cuts, link, ev.objective, whole);
    const std::array unit_sums{accumulated_curve(r->unit_ms[0], 0),
                               accumulated_curve(r->unit_ms[1], 1)};
    const PredictedCurves unit_sum = split_over_curves(set, unit_sums, cuts, link, ev.objective);
    const PredictedCurves anchored_unit_sum =
        split_over_curves(set, unit_sums, cuts, link, ev.objective, whole);

    const std::vector<double>& curve = objective_curve(*r, ev.objective);
    gnn_errors.add(gnn, *r, curve);
    tree_errors.add(tree, *r, curve);
    if (partition.times) partition_errors.add(*partition.times, *r, curve);
    anchored_errors.add(anchored, *r, curve);
    unit_sum_errors.add(unit_sum, *r, curve);
    anchored_unit_sum_errors.add(anchored_unit_sum, *r, curve);
    const std::array predicted{
        p.latency_model_split, p.partition_model_split, p.tree_split,           r->units, 0,
        anchored.split,        unit_sum.split,          anchored_unit_sum.split};
    for (size_t i = 0; i < outcomes.size(); ++i)
      outcomes[i].push_back({r->units, p.best_split, predicted[i], curve});
    ev.predictions.push_back(p);
  }
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  const auto score = [&](size_t i, const TimeErrors* errors) {
    PredictorScore s{split_metrics(outcomes[i]),
                     {kNone, kNone},
                     {kNone, kNone},
                     kNone,
                     i < inference_ms.size() ? inference_ms[i] / ev.test_models : kNone};
    if (errors) errors->fill(s);
    return s;
  };
  ev.latency_model = score(0, &gnn_errors);
  // Every member set predicts times for every model or for none.
  ev.partition_model = score(1, partition_errors.models > 0 ? &partition_errors : nullptr);
  ev.tree_baseline = score(2, &tree_errors);
  ev.anchored_latency_model = score(5, &anchored_errors);
  ev.measured_unit_sums = score(6, &unit_sum_errors);
  ev.anchored_measured_unit_sums = score(7, &anchored_unit_sum_errors);
  const PredictorScore first = score(3, nullptr), second = score(4, nullptr);
  ev.constant_element = second.metrics.mape_latency < first.metrics.mape_latency ? 1 : 0;
  ev.constant_baseline = ev.constant_element == 0 ? first : second;
  return ev;
}

}  // namespace splitinfer::predict
