// `plan --planner gnn`: the planning problem over the GNN latency models'
// predicted curves instead of measured profiles, so that a new model is
// planned without running it.
#include "cli/planning.h"
#include "devices/device_spec.h"
#include "devices/sim_fit.h"
#include "graph/units.h"
#include "predict/curve_cost_source.h"
#include "predict/predictor_set.h"

namespace splitinfer::cli {

std::unique_ptr<Planning> prepare_gnn_planning(const Graph& graph, const PlanningOptions& o,
                                               const std::string& predictors) {
  auto p = std::make_unique<Planning>();
  p->elements = comma_list(o.devices);
  const predict::PredictorSet set = predict::load_predictors(predictors);
  const auto& trained = set.manifest.elements;
  if (p->elements != std::vector<std::string>(trained.begin(), trained.end()))
    fail(ErrorKind::invalid_input, "the GNN predictors in " + predictors + " know " + trained[0] +
                                       "," + trained[1] + ", not --devices " + o.devices);
  p->problem.chain = predict::predictor_chain(set.manifest);
  p->problem.link = o.link.empty() ? measured_queue_link(trained[0], trained[1])
                                   : to_link(device_catalog().find_link(o.link));
  p->problem.mode = parse_link_mode(o.link_mode);
  p->problem.objective = parse_objective(o.objective);

  const predict::UnitGraph unit_graph = predict::unit_graph(graph);
  const int n = static_cast<int>(unit_graph.features.size());
  p->costs = std::make_unique<CombinedCostSource>(n);
  p->costs->add(
      std::make_unique<predict::CurveCostSource>(trained[0], set.latency[0]->predict(unit_graph),
                                                 trained[1], set.latency[1]->predict(unit_graph)));
  p->problem.costs = p->costs.get();
  p->problem.cut_elements = cut_tensor_elements(graph);
  return p;
}

}  // namespace splitinfer::cli
