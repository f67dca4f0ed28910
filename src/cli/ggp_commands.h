// The subcommands of `splitinfer ggp`, each in its own file.
#pragma once

#include <CLI/CLI.hpp>

namespace splitinfer::cli {

void add_ggp_fit(CLI::App* ggp_cmd);
void add_ggp_layer(CLI::App* ggp_cmd);
void add_ggp_verify(CLI::App* ggp_cmd);
void add_ggp_model(CLI::App* ggp_cmd);

}  // namespace splitinfer::cli
