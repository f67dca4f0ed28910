#include "predict/evaluate_predictors.h"

#include <cmath>
#include <limits>

#include "common/clock.h"
#include "common/error.h"
#include "predict/curve_cost_source.h"
#include "predict/unit_curves.h"

namespace splitinfer::predict {
namespace {

// Sums of |predicted - true| / true and unit counts, per element.
struct CurveErrors {
  std::array<double, 2> sum{};
  int64_t units = 0;
  void add(const PredictedCurves& predicted, const ModelRecord& r) {
    const std::array<std::vector<double>, 2> truth = {first_element_curve(r),
                                                      second_element_curve(r)};
    for (size_t e = 0; e < 2; ++e)
      for (size_t i = 0; i < truth[e].size(); ++i)
        sum[e] += std::abs(predicted.ms[e][i] - truth[e][i]) / truth[e][i];
    units += r.units;
  }
  std::array<double, 2> mape() const { return {100.0 * sum[0] / units, 100.0 * sum[1] / units}; }
};

}  // namespace

PredictedCurves predict_curves(const PredictorSet& set, const UnitGraph& graph, bool tree,
                               const std::vector<int64_t>& cut_elements, const Link& link,
                               Objective objective) {
  PredictedCurves c;
  for (size_t e = 0; e < 2; ++e)
    c.ms[e] = tree ? set.tree[e].predict(graph) : set.latency[e]->predict(graph);
  const auto& elements = set.manifest.elements;
  const CurveCostSource costs(elements[0], c.ms[0], elements[1], c.ms[1]);
  c.split = rank_splits(costs, predictor_chain(set.manifest), cut_elements, link, objective)
                .front()
                .cuts.at(0);
  return c;
}

int predict_partition(const PredictorSet& set, const UnitGraph& graph) {
  return split_from_probabilities(set.partition->predict(graph));
}

Evaluation evaluate_predictors(const PredictorSet& set, const std::vector<const ModelRecord*>& test,
                               const Link& link) {
  if (test.empty()) fail(ErrorKind::invalid_input, "no test models to evaluate the predictors on");
  Evaluation ev;
  ev.objective = set.manifest.objective;
  ev.test_models = static_cast<int>(test.size());
  std::array<std::vector<SplitOutcome>, 3> outcomes;  // latency model, partition model, tree
  std::array<double, 3> inference_ms{};
  CurveErrors gnn_errors, tree_errors;
  for (const ModelRecord* r : test) {
    const std::vector<int64_t> cuts = cut_elements(*r);
    TestPrediction p{r->seed, r->units, best_split(*r, ev.objective), 0, 0, 0};

    auto start = SteadyClock::now();
    const PredictedCurves gnn = predict_curves(set, r->graph, false, cuts, link, ev.objective);
    inference_ms[0] += ms_since(start);
    start = SteadyClock::now();
    p.partition_model_split = predict_partition(set, r->graph);
    inference_ms[1] += ms_since(start);
    start = SteadyClock::now();
    const PredictedCurves tree = predict_curves(set, r->graph, true, cuts, link, ev.objective);
    inference_ms[2] += ms_since(start);

    p.latency_model_split = gnn.split;
    p.tree_split = tree.split;
    gnn_errors.add(gnn, *r);
    tree_errors.add(tree, *r);
    const std::vector<double>& curve = objective_curve(*r, ev.objective);
    for (int i = 0; i < 3; ++i) {
      const int predicted =
          std::array{p.latency_model_split, p.partition_model_split, p.tree_split}[i];
      outcomes[static_cast<size_t>(i)].push_back({r->units, p.best_split, predicted, curve});
    }
    ev.predictions.push_back(p);
  }
  const auto score = [&](int i, std::array<double, 2> curve_mape) {
    return PredictorScore{split_metrics(outcomes[static_cast<size_t>(i)]), curve_mape,
                          inference_ms[static_cast<size_t>(i)] / ev.test_models};
  };
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  ev.latency_model = score(0, gnn_errors.mape());
  ev.partition_model = score(1, {kNone, kNone});
  ev.tree_baseline = score(2, tree_errors.mape());
  return ev;
}

}  // namespace splitinfer::predict
