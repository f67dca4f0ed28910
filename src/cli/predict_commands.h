// The subcommands of `splitinfer predict`, each in its own file.
#pragma once

#include <CLI/CLI.hpp>

namespace splitinfer::cli {

void add_predict_dataset(CLI::App* predict_cmd);
void add_predict_train(CLI::App* predict_cmd);
void add_predict_eval(CLI::App* predict_cmd);
// `predict MODEL`: options of the predict command itself.
void add_predict_model(CLI::App* predict_cmd);

}  // namespace splitinfer::cli
