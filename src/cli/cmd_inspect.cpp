#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "graph/units.h"
#include "report/model_summary.h"

namespace splitinfer::cli {

void add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "inspect", "Show a model's split units, shapes, hand-off sizes, parameters and MACs");
  struct Options {
    ModelRequest request;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  add_model_options(cmd, opt->request);
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] {
    const Graph graph = load_model(opt->request);
    const auto units = split_units(graph);
    if (opt->json) std::cout << model_summary_json(graph, units).dump(2) << "\n";
    else std::cout << model_summary_table(graph, units);
  });
}

}  // namespace splitinfer::cli
