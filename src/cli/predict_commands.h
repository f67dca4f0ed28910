// The subcommands of `splitinfer predict`, each in its own file.
#pragma once

#include <CLI/CLI.hpp>

namespace splitinfer::cli {

void add_predict_dataset(CLI::App* predict_cmd);
void add_predict_train(CLI::App* predict_cmd);
void add_predict_eval(CLI::App* predict_cmd);
// `predict MODEL`: options of the predict command itself.
void add_predict_model(CLI::App* predict_cmd);

// --partition-objective-weight, for the commands that read the partition
// model's split (predict eval, predict MODEL): predict_partition's weight.
void add_partition_objective_weight(CLI::App* cmd, double* weight);

}  // namespace splitinfer::cli
