// `splitinfer report frontier`: throughput against fidelity of every
// schedule `plan` weighs for a model, as a table and an SVG plot.
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "cli/planning.h"
#include "cli/schedule_options.h"
#include "common/atomic_file.h"
#include "report/frontier.h"

namespace splitinfer::cli {

namespace {

struct Options {
  ModelRequest request;
  PlanningOptions planning;
  std::string out = "docs/frontier";
  bool json = false;
};

void frontier_command(const Options& o) {
  ModelRequest request = o.request;
  request.need_weights = true;
  const Graph graph = load_model(request);
  const auto planning = prepare_planning(graph, o.planning, 2, 8);
  if (planning->simulated)
    fail(ErrorKind::invalid_input,
         "report frontier measures fidelity by running the model: name elements present here");
  FidelityMeter meter(graph, *planning);
  Schedules s = weigh_schedules(*planning, {}, {}, &meter, false);
  measure_every_fidelity(s, meter);
  const std::string what = "predicted from measured profiles";
  const std::string markdown =
      frontier_markdown(graph.name, o.planning.devices, s.candidates, s.chosen, what);
  const std::string stem =
      o.out + "/" + graph.name + "-frontier-" + devices_slug(o.planning.devices);
  std::error_code error;
  std::filesystem::create_directories(o.out, error);
  if (error) fail(ErrorKind::io, "cannot create " + o.out + ": " + error.message());
  write_file_atomically(stem + ".md", markdown);
  write_file_atomically(stem + ".svg", render_svg(frontier_chart(graph.name, o.planning.devices,
                                                                 s.candidates, what)));
  if (!o.json) {
    std::cout << markdown << "\nwritten: " << stem << ".md, " << stem << ".svg\n";
    return;
  }
  const std::vector<bool> frontier = pareto_frontier(s.candidates);
  nlohmann::json rows = nlohmann::json::array();
  for (size_t i = 0; i < s.candidates.size(); ++i) {
    nlohmann::json row = candidate_json(s.candidates[i]);
    row["on_frontier"] = static_cast<bool>(frontier[i]);
    row["period_figure"] = what;
    rows.push_back(row);
  }
  std::cout << nlohmann::json{{"model", graph.name},
                              {"devices", planning->elements},
                              {"candidates", rows},
                              {"chosen", s.chosen},
                              {"files", {stem + ".md", stem + ".svg"}}}
                   .dump(2)
            << "\n";
}

}  // namespace

void add_frontier_report(CLI::App* report) {
  auto* cmd = report->add_subcommand(
      "frontier", "Throughput against fidelity of every schedule of a model: a table and a plot");
  auto opt = std::make_shared<Options>();
  add_model_options(cmd, opt->request);
  add_planning_options(cmd, opt->planning);
  add_sim_model_option(cmd, opt->planning);
  cmd->add_option("--out", opt->out, "Directory for MODEL-frontier-DEVICES.md and .svg")
      ->default_val(opt->out);
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] { frontier_command(*opt); });
}

}  // namespace splitinfer::cli
