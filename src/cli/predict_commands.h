// The subcommands of `splitinfer predict`, each in its own file.
#pragma once

#include <CLI/CLI.hpp>

namespace splitinfer::cli {

void add_predict_dataset(CLI::App* predict_cmd);

}  // namespace splitinfer::cli
