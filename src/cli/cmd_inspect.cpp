#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "exec/cpu/int8_coverage.h"
#include "graph/graph.h"
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
    // What an INT8 element cannot keep on codes is part of the model's
    // profile for a split: those ops cost float32 time and coding error.
    const std::vector<std::string> float_ops = cpu::int8_float_ops(graph);
    if (opt->json) {
      nlohmann::json j = model_summary_json(graph);
      j["int8_float_ops"] = float_ops;
      std::cout << j.dump(2) << "\n";
      return;
    }
    std::cout << model_summary_table(graph) << "\nINT8 elements run "
              << (float_ops.empty() ? "every op on codes" : "in float32: ");
    for (size_t i = 0; i < float_ops.size(); ++i) std::cout << (i ? ", " : "") << float_ops[i];
    std::cout << "\n";
  });
}

}  // namespace splitinfer::cli
