// `splitinfer predict MODEL`: the trained predictors' view of one model,
// without profiling it: the two predicted cumulative latency curves and the
// split each predictor chooses. Where the profile store already holds the
// model's measured profile on both elements (from `plan` or `profile`), the
// measured curves, the exhaustive best split and the speedup each predicted
// split gives up are shown beside them.
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/planning.h"
#include "cli/predict_commands.h"
#include "cli/predict_report.h"
#include "graph/units.h"
#include "predict/evaluate_predictors.h"
#include "predict/unit_curves.h"
#include "profile/machine_id.h"
#include "profile/model_hash.h"
#include "profile/profile_cost_source.h"
#include "profile/profile_session.h"
#include "source/model_source.h"

namespace splitinfer::cli {

namespace {

using nlohmann::json;

struct Options {
  std::string model;
  std::string predictors = predict::kDefaultPredictorFolder;
  std::string objective;  // empty: the partition model's
  std::string db;
  std::string plot;
  double partition_objective_weight = predict::kPartitionObjectiveWeight;
  bool json = false;
};

// The measured side: the curves, and the objective at every split index.
struct Measured {
  std::array<std::vector<double>, 2> curves;
  std::vector<double> objective;  // per split index 0..N
  int best_split = 0;
};

std::optional<Measured> measured_profile(const Graph& graph, const PlanProblem& problem,
                                         const ProfileStore& store) {
  const int n = problem.unit_count();
  for (const ChainElement& e : problem.chain)
    if (!has_complete_profile(store, {structure_hash(graph), graph.name, e.name, machine_id(), n},
                              n, true))
      return std::nullopt;
  const ProfileCostSource costs(store, structure_hash(graph), graph.name, n, machine_id());
  PlanProblem measured = problem;
  measured.costs = &costs;
  Measured m;
  for (int i = 0; i < n; ++i) {
    m.curves[0].push_back(costs.stage(problem.chain[0].name, 0, i + 1).ms);
    m.curves[1].push_back(costs.stage(problem.chain[1].name, i, n).ms);
  }
  for (int k = 0; k <= n; ++k)
    m.objective.push_back(evaluate_plan(measured, {k}).objective_ms(problem.objective));
  m.best_split = static_cast<int>(std::min_element(m.objective.begin(), m.objective.end()) -
                                  m.objective.begin());
  return m;
}

// Speedup of split k over the faster element alone, on the measured curve.
double speedup(const Measured& m, int k) {
  return std::min(m.objective.front(), m.objective.back()) / m.objective[static_cast<size_t>(k)];
}

void run(const Options& o) {
  const Graph graph = load_model({o.model, false, 0, std::nullopt, {}});
  const predict::PredictorSet set = predict::load_predictors(o.predictors);
  const auto& elements = set.manifest.elements;
  const std::vector<Unit>& units = graph.units;
  const predict::UnitGraph unit_graph = predict::unit_graph(graph);

  PlanProblem problem;
  problem.chain = predict::predictor_chain(set.manifest);
  problem.cut_elements = cut_tensor_elements(graph);
  problem.link = measured_queue_link(elements[0], elements[1]);
  problem.objective = o.objective.empty() ? set.manifest.objective : parse_objective(o.objective);

  const predict::PredictedCurves gnn = predict::predict_curves(
      set, unit_graph, false, problem.cut_elements, problem.link, problem.objective);
  const predict::PredictedCurves tree = predict::predict_curves(
      set, unit_graph, true, problem.cut_elements, problem.link, problem.objective);
  const predict::PartitionPrediction partition = predict::predict_partition(
      set, unit_graph, problem.cut_elements, problem.link, o.partition_objective_weight);

  const ProfileStore store(o.db.empty() ? ProfileStore::default_path() : o.db);
  const std::optional<Measured> measured = measured_profile(graph, problem, store);
  if (!o.plot.empty())
    write_chart(
        o.plot,
        cumulative_latency_chart(
            graph.name + ": " + (measured ? "measured vs " : "") + "predicted cumulative latency",
            elements, gnn.ms, measured ? std::optional(measured->curves) : std::nullopt));

  // With a measured profile, the latency models anchored on its whole-model
  // times (two runs' worth of measurement).
  std::optional<predict::PredictedCurves> anchored;
  if (measured)
    anchored = predict::split_over_curves(
        set, gnn.ms, problem.cut_elements, problem.link, problem.objective,
        std::array{measured->curves[0].back(), measured->curves[1].front()});

  const std::array<std::pair<const char*, int>, 3> splits = {{{"latency_model", gnn.split},
                                                              {"partition_model", partition.split},
                                                              {"tree_baseline", tree.split}}};
  if (o.json) {
    json doc = {{"model", graph.name},
                {"devices", elements},
                {"objective", objective_name(problem.objective)},
                {"units", units.size()},
                {"predictors", o.predictors},
                {"predicted_ms", {{"first", gnn.ms[0]}, {"second", gnn.ms[1]}}},
                {"basis", "predicted"}};
    for (const auto& [name, k] : splits) {
      doc[name] = {{"split", k}};
      if (measured) {
        doc[name]["speedup_measured"] = speedup(*measured, k);
        doc[name]["objective_ms_measured"] = measured->objective[static_cast<size_t>(k)];
      }
    }
    // The curve predictors, and a partition model with the times, also
    // predict the objective at their split (the partition model its own
    // objective only).
    doc["latency_model"]["objective_ms_predicted"] = gnn.objective_ms;
    doc["tree_baseline"]["objective_ms_predicted"] = tree.objective_ms;
    if (partition.times && problem.objective == set.manifest.objective)
      doc["partition_model"]["objective_ms_predicted"] = partition.times->objective_ms;
    if (measured) {
      doc["anchored_latency_model"] = {
          {"split", anchored->split},
          {"speedup_measured", speedup(*measured, anchored->split)},
          {"objective_ms_predicted", anchored->objective_ms},
          {"objective_ms_measured", measured->objective[static_cast<size_t>(anchored->split)]},
          {"basis", "predicted, scaled to two measured whole-model times"}};
      doc["measured"] = {{"first_ms", measured->curves[0]},
                         {"second_ms", measured->curves[1]},
                         {"objective_ms", measured->objective},
                         {"best_split", measured->best_split},
                         {"best_speedup", speedup(*measured, measured->best_split)},
                         {"machine", machine_id()}};  // the profile's: this machine's kind
    }
    std::cout << doc.dump(2) << "\n";
    return;
  }
  std::cout << graph.name << " over " << elements[0] << "," << elements[1] << " (objective "
            << objective_name(problem.objective) << ", " << units.size()
            << " units), predicted without profiling\n";
  for (const auto& [name, k] : splits) {
    std::cout << "  " << name << ": split " << k;
    if (measured) std::cout << ", measured speedup " << speedup(*measured, k) << "x";
    std::cout << "\n";
  }
  if (measured)
    std::cout << "  latency models anchored on the measured whole-model times: split "
              << anchored->split << ", measured speedup " << speedup(*measured, anchored->split)
              << "x\n  measured best (exhaustive): split " << measured->best_split << ", speedup "
              << speedup(*measured, measured->best_split) << "x\n";
  else
    std::cout << "  (no measured profile of " << graph.name << " in " << store.path()
              << "; `splitinfer plan` measures one)\n";
  if (!o.plot.empty()) std::cout << "wrote " << o.plot << "\n";
}

}  // namespace

void add_predict_model(CLI::App* predict_cmd) {
  auto opt = std::make_shared<Options>();
  predict_cmd->add_option("MODEL", opt->model,
                          "Zoo model name or path to an .onnx file to predict the split of");
  predict_cmd->add_option("--predictors", opt->predictors, "Folder of `predict train`")
      ->default_val(opt->predictors);
  predict_cmd
      ->add_option("--objective", opt->objective,
                   "throughput or latency (default: the predictors')")
      ->check(CLI::IsMember({"throughput", "latency"}));
  predict_cmd->add_option("--db", opt->db,
                          "Profile store to compare with (default: the user's cache directory)");
  predict_cmd->add_option("--plot", opt->plot,
                          "SVG of the predicted (and measured) curves (Figure 9)");
  add_partition_objective_weight(predict_cmd, &opt->partition_objective_weight);
  predict_cmd->add_flag("--json", opt->json, "Print one JSON document");
  predict_cmd->callback([opt, predict_cmd] {
    if (!predict_cmd->get_subcommands().empty()) return;  // a subcommand ran instead
    if (opt->model.empty())
      throw CLI::RequiredError("predict needs a MODEL or a subcommand (dataset, train, eval)");
    run(*opt);
  });
}

}  // namespace splitinfer::cli
