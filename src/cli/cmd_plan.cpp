// `splitinfer plan`: the schedules of a model over the elements named,
// priced from their profiles (or the GNN's predictions), the best one chosen
// under the objective and, when given, the fidelity floor.
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "cli/plan_report.h"
#include "cli/planning.h"
#include "cli/schedule_options.h"
#include "predict/predictor_set.h"

namespace splitinfer::cli {

namespace {

struct Options {
  ModelRequest request;
  PlanningOptions planning;
  ScheduleOptions schedule;
  int runners_up = 5;
  std::string planner = "search";
  std::string predictors = predict::kDefaultPredictorFolder;
  bool json = false;
};

// What the pipeline search covers.
std::string search_name(const PlanProblem& problem, bool gnn) {
  if (gnn) return "exhaustive over GNN predictions";
  if (problem.chain.size() == 2) return "exhaustive";
  return shares_a_device(problem.chain) ? "every cut vector" : "dynamic programming";
}

std::string fidelity_text(const Candidate& c) {
  if (!c.fidelity) return "fidelity not measured";
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << "vs FP32: min SQNR " << c.fidelity->min_sqnr_db
    << " dB, top-1 " << c.fidelity->top1_same << "/" << c.fidelity->frames << " (measured)";
  return s.str();
}

// Its stages: which elements replicate which units, and at what period.
nlohmann::json hybrid_json(const HybridPlan& h, const std::vector<std::string>& elements) {
  nlohmann::json stages = nlohmann::json::array();
  for (const HybridStage& st : h.stages)
    stages.push_back({{"elements", std::vector<std::string>(elements.begin() + st.first_element,
                                                            elements.begin() + st.last_element)},
                      {"units", {st.first_unit, st.last_unit}},
                      {"element_ms", st.element_ms},
                      {"period_ms", st.period_ms}});
  return {{"stages", stages}, {"period_ms", h.period_ms}, {"latency_ms", h.latency_ms}};
}

void print_hybrid(const HybridPlan& h, const std::vector<std::string>& elements) {
  std::cout << "hybrid (pipeline stages replicated over groups of elements): period " << h.period_ms
            << " ms, latency up to " << h.latency_ms << " ms; fidelity not measured\n";
  for (const HybridStage& st : h.stages) {
    std::cout << "  units " << st.first_unit << ".." << st.last_unit - 1 << " on";
    for (int e = st.first_element; e < st.last_element; ++e)
      std::cout << " " << elements[static_cast<size_t>(e)];
    std::cout << ": stage period " << st.period_ms << " ms\n";
  }
}

nlohmann::json plan_document(const Graph& graph, const Planning& planning, const Schedules& s,
                             const std::string& search, size_t runners_up) {
  const PlanProblem& problem = planning.problem;
  nlohmann::json doc = plan_json(s.pipeline_to_run(), problem, graph.units);
  doc["model"] = graph.name;
  doc["devices"] = planning.elements;
  doc["search"] = search;
  doc["profiled_now"] = planning.profiled_now;
  doc["links_measured"] = links_json(planning);
  doc["sim_model"] = planning.simulated ? nlohmann::json(planning.sim_model) : nullptr;
  nlohmann::json others = nlohmann::json::array();
  for (size_t i = 1; i < s.pipelines.size() && i <= runners_up; ++i)
    others.push_back({{"splits", s.pipelines[i].cuts},
                      {"period_ms", s.pipelines[i].period_ms},
                      {"latency_ms", s.pipelines[i].latency_ms}});
  doc["runners_up"] = others;
  nlohmann::json schedule = candidate_json(s.choice());
  if (s.choice().kind == ScheduleKind::data_parallel) {
    schedule["elements"] = planning.elements;
    schedule["whole_model_ms"] = s.data_parallel.whole_ms;
    schedule["whole_model_basis"] = nlohmann::json::array();
    for (CostBasis b : s.data_parallel.basis)
      schedule["whole_model_basis"].push_back(std::string(cost_basis_name(b)));
  }
  if (s.choice().kind == ScheduleKind::hybrid)
    schedule["stages"] = hybrid_json(*s.hybrid, planning.elements)["stages"];
  doc["schedule"] = schedule;
  doc["min_sqnr_db"] = s.request.min_sqnr_db ? nlohmann::json(*s.request.min_sqnr_db) : nullptr;
  doc["candidates"] = nlohmann::json::array();
  for (const Candidate& c : s.candidates) doc["candidates"].push_back(candidate_json(c));
  doc["best_of_kind"] = nlohmann::json::object();
  for (ScheduleKind kind :
       {ScheduleKind::pipeline, ScheduleKind::data_parallel, ScheduleKind::hybrid})
    if (const auto best = s.best_of(kind))
      doc["best_of_kind"][schedule_kind_name(kind)] = candidate_json(s.candidates[*best]);
  if (s.hybrid) doc["hybrid"] = hybrid_json(*s.hybrid, planning.elements);
  return doc;
}

void print_schedules(const Graph& graph, const Options& o, const Planning& planning,
                     const Schedules& s, const std::string& search) {
  const PlanProblem& problem = planning.problem;
  const Plan& pipeline = s.pipeline_to_run();
  std::cout << graph.name << " over " << o.planning.devices << " (" << search << ", objective "
            << o.planning.objective << ", link " << problem.link.name << " " << o.planning.link_mode
            << (planning.simulated ? ", simulated elements priced " + planning.sim_model : "")
            << ")\n";
  std::cout << "best split";
  for (int c : pipeline.cuts) std::cout << " " << c;
  std::cout << " of 0.." << problem.unit_count() << "\n";
  print_plan(std::cout, pipeline, problem, graph.units);
  const Candidate& dp = s.candidates[s.pipelines.size()];
  for (const Candidate& c : s.candidates)
    if (c.kind == ScheduleKind::pipeline && c.cuts == pipeline.cuts)
      std::cout << "  " << fidelity_text(c) << "\n";
  std::cout << "data-parallel (every element runs the whole model, frames to whichever is free): "
               "period "
            << dp.period_ms << " ms, latency up to " << dp.latency_ms << " ms; "
            << fidelity_text(dp) << "\n";
  for (size_t e = 0; e < planning.elements.size(); ++e)
    std::cout << "  " << planning.elements[e] << " whole model " << s.data_parallel.whole_ms[e]
              << " ms [" << cost_basis_name(s.data_parallel.basis[e]) << "]\n";
  if (s.hybrid) print_hybrid(*s.hybrid, planning.elements);
  const ScheduleKind kind = s.choice().kind;
  const bool split_pays = s.best_of(ScheduleKind::pipeline) == s.chosen;
  std::cout << "chosen schedule: "
            << (kind == ScheduleKind::data_parallel ? "data-parallel"
                : kind == ScheduleKind::hybrid      ? "hybrid"
                : split_pays                        ? "pipeline (the split pays)"
                                                    : "pipeline")
            << " under the " << o.planning.objective << " objective";
  if (s.request.min_sqnr_db) std::cout << " with at least " << *s.request.min_sqnr_db << " dB";
  if (o.schedule.schedule != "auto") std::cout << " (--schedule " << o.schedule.schedule << ")";
  else if (kind == ScheduleKind::data_parallel)
    std::cout << " (the split does not pay on these elements)";
  std::cout << "\n";
  if (s.pipelines.size() > 1 && o.runners_up > 0) {
    std::cout << "runners-up:\n";
    for (size_t i = 1; i < s.pipelines.size() && i <= static_cast<size_t>(o.runners_up); ++i) {
      std::cout << "  split";
      for (int c : s.pipelines[i].cuts) std::cout << " " << c;
      std::cout << ": period " << s.pipelines[i].period_ms << " ms, latency "
                << s.pipelines[i].latency_ms << " ms\n";
    }
  }
}

void plan_command(const Options& o) {
  const bool gnn = o.planner == "gnn";
  ModelRequest request = o.request;
  request.need_weights = !gnn;
  const Graph graph = load_model(request);
  const auto planning = gnn ? prepare_gnn_planning(graph, o.planning, o.predictors)
                            : prepare_planning(graph, o.planning, 2, 8);
  std::unique_ptr<FidelityMeter> meter;
  if (!gnn && !planning->simulated) meter = std::make_unique<FidelityMeter>(graph, *planning);
  const Schedules s = weigh_schedules(*planning, o.schedule, {}, meter.get(), true);
  const std::string search = search_name(planning->problem, gnn);
  if (o.json)
    std::cout
        << plan_document(graph, *planning, s, search, static_cast<size_t>(o.runners_up)).dump(2)
        << "\n";
  else print_schedules(graph, o, *planning, s, search);
}

}  // namespace

void add_plan_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "plan",
      "Find the best schedule of a model over a chain of elements: a split or data-parallel");
  auto opt = std::make_shared<Options>();
  add_model_options(cmd, opt->request);
  add_planning_options(cmd, opt->planning);
  add_sim_model_option(cmd, opt->planning);
  add_schedule_options(cmd, opt->schedule);
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
  cmd->callback([opt] { plan_command(*opt); });
}

}  // namespace splitinfer::cli
