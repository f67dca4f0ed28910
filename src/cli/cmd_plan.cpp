#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "cli/plan_report.h"
#include "cli/planning.h"
#include "predict/predictor_set.h"

namespace splitinfer::cli {

void add_plan_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("plan", "Find the best split of a model over a chain of elements");
  struct Options {
    ModelRequest request;
    PlanningOptions planning;
    int runners_up = 5;
    std::string planner = "search";
    std::string predictors = predict::kDefaultPredictorFolder;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  add_model_options(cmd, opt->request);
  add_planning_options(cmd, opt->planning);
  cmd->add_option("--runners-up", opt->runners_up, "Next-best splits to list (two elements)")
      ->default_val(5)
      ->check(CLI::Range(0, 1000));
  cmd->add_option(
         "--planner", opt->planner,
         "search: profile what the store lacks, then search (exhaustive for two elements, dynamic "
         "programming beyond); gnn: search the GNN latency models' predictions, profiling nothing")
      ->default_val("search")
      ->check(CLI::IsMember({"search", "gnn"}));
  cmd->add_option("--predictors", opt->predictors, "Folder of `predict train`, for --planner gnn")
      ->default_val(opt->predictors);
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] {
    const bool gnn = opt->planner == "gnn";
    opt->request.need_weights = !gnn;
    const Graph graph = load_model(opt->request);
    const auto planning = gnn ? prepare_gnn_planning(graph, opt->planning, opt->predictors)
                              : prepare_planning(graph, opt->planning, 2, 8);
    const PlanProblem& problem = planning->problem;
    const std::string search = gnn                         ? "exhaustive over GNN predictions"
                               : problem.chain.size() == 2 ? "exhaustive"
                                                           : "dynamic programming";
    const std::vector<Unit> units = split_units(graph);
    std::vector<Plan> ranked;
    if (problem.chain.size() == 2) ranked = rank_two_stage_splits(problem);
    else ranked.push_back(best_chain_plan(problem));
    const Plan& best = ranked.front();
    const size_t shown = std::min(ranked.size(), static_cast<size_t>(opt->runners_up) + 1);
    // The schedule a user tries first, priced from the same stage times.
    const DataParallelPlan dp = evaluate_data_parallel(problem);
    const bool split_pays =
        best.objective_ms(problem.objective) <= dp.objective_ms(problem.objective);

    if (opt->json) {
      nlohmann::json doc = plan_json(best, problem, units);
      doc["model"] = graph.name;
      doc["devices"] = planning->elements;
      doc["search"] = search;
      doc["profiled_now"] = planning->profiled_now;
      nlohmann::json others = nlohmann::json::array();
      for (size_t i = 1; i < shown; ++i)
        others.push_back({{"splits", ranked[i].cuts},
                          {"period_ms", ranked[i].period_ms},
                          {"latency_ms", ranked[i].latency_ms}});
      doc["runners_up"] = others;
      doc["schedule"] = {{"kind", split_pays ? "pipeline" : "data_parallel"}};
      doc["candidates"] = nlohmann::json::array({{{"kind", "pipeline"},
                                                  {"splits", best.cuts},
                                                  {"period_ms", best.period_ms},
                                                  {"latency_ms", best.latency_ms}},
                                                 {{"kind", "data_parallel"},
                                                  {"elements", planning->elements},
                                                  {"whole_model_ms", dp.whole_ms},
                                                  {"period_ms", dp.period_ms},
                                                  {"latency_ms", dp.latency_ms}}});
      std::cout << doc.dump(2) << "\n";
      return;
    }
    std::cout << graph.name << " over " << opt->planning.devices << " (" << search << ", objective "
              << opt->planning.objective << ", link " << problem.link.name << " "
              << opt->planning.link_mode << ")\n";
    std::cout << "best split";
    for (int c : best.cuts) std::cout << " " << c;
    std::cout << " of 0.." << units.size() << "\n";
    print_plan(std::cout, best, problem, units);
    std::cout << "data-parallel (every element runs the whole model, frames to whichever is free): "
                 "period "
              << dp.period_ms << " ms, latency up to " << dp.latency_ms << " ms\n"
              << "chosen schedule: "
              << (split_pays ? "pipeline (the split pays)"
                             : "data-parallel (the split does not pay on these elements)")
              << " under the " << opt->planning.objective << " objective\n";
    if (shown > 1) {
      std::cout << "runners-up:\n";
      for (size_t i = 1; i < shown; ++i) {
        std::cout << "  split";
        for (int c : ranked[i].cuts) std::cout << " " << c;
        std::cout << ": period " << ranked[i].period_ms << " ms, latency " << ranked[i].latency_ms
                  << " ms\n";
      }
    }
  });
}

}  // namespace splitinfer::cli
