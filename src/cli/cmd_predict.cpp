// `splitinfer predict`: the learned split predictors of the split-inference
// paper (Sec. 4). `predict dataset` measures their ground truth; the
// subcommands live in cmd_predict_*.cpp.
#include "cli/commands.h"
#include "cli/predict_commands.h"

namespace splitinfer::cli {

void add_predict_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("predict", "Learned predictors of unit latencies and of the split index");
  cmd->require_subcommand(1);
  add_predict_dataset(cmd);
}

}  // namespace splitinfer::cli
