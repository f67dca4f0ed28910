#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "graph/zoo/zoo.h"

namespace splitinfer::cli {

void add_models_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "List the model zoo");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print one JSON document");
  cmd->callback([json] {
    if (*json) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& m : zoo_models())
        list.push_back({{"name", m.name}, {"description", m.description}});
      std::cout << nlohmann::json{{"models", list}}.dump(2) << "\n";
      return;
    }
    for (const auto& m : zoo_models()) std::cout << m.name << "\t" << m.description << "\n";
    std::cout << "(or any .onnx file path)\n";
  });
}

}  // namespace splitinfer::cli
