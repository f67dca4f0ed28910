#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "graph/stats.h"
#include "onnx/onnx_export.h"

namespace splitinfer::cli {

void add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Write a model as an ONNX file (opset 17)");
  struct Options {
    ModelRequest request;
    std::string out_path;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  add_model_options(cmd, opt->request);
  cmd->add_option("-o,--output", opt->out_path, "Destination .onnx file")->required();
  cmd->add_flag("--json", opt->json, "Print one JSON document");
  cmd->callback([opt] {
    opt->request.need_weights = true;
    const Graph graph = load_model(opt->request);
    export_onnx_file(graph, opt->out_path);
    if (opt->json) {
      std::cout << nlohmann::json{{"model", graph.name},
                                  {"output", opt->out_path},
                                  {"params", total_params(graph)},
                                  {"opset", 17}}
                       .dump(2)
                << "\n";
    } else {
      std::cout << "wrote " << opt->out_path << " (" << graph.name << ", opset 17)\n";
    }
  });
}

}  // namespace splitinfer::cli
