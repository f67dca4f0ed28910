// `splitinfer predict`: the learned split predictors of the split-inference
// paper (Sec. 4). `predict dataset` measures their ground truth, `train`
// and `eval` make and score them, and `predict MODEL` applies them; each
// lives in a cmd_predict_*.cpp.
#include "cli/commands.h"
#include "cli/predict_commands.h"

namespace splitinfer::cli {

void add_partition_objective_weight(CLI::App* cmd, double* weight) {
  cmd->add_option("--partition-objective-weight", *weight,
                  "How much a partition model that predicts times weighs the objective they give "
                  "each cut against its probabilities when it reads its split (0: the "
                  "probabilities alone)")
      ->default_val(*weight)
      ->check(CLI::NonNegativeNumber);
}

void add_predict_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("predict", "Learned predictors of unit latencies and of the split index");
  cmd->require_subcommand(0, 1);
  add_predict_dataset(cmd);
  add_predict_train(cmd);
  add_predict_eval(cmd);
  add_predict_model(cmd);
}

}  // namespace splitinfer::cli
