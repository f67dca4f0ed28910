#include "cli/schedule_options.h"

namespace splitinfer::cli {

void add_schedule_options(CLI::App* cmd, ScheduleOptions& o) {
  cmd->add_option("--schedule", o.schedule,
                  "auto (the fastest kind), pipeline (a split), data-parallel (every element "
                  "runs the whole model on the frames it takes) or hybrid (pipeline stages "
                  "replicated over groups of elements; planned, not run)")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "pipeline", "data-parallel", "hybrid"}));
  cmd->add_option_function<double>(
         "--min-sqnr", [&o](double db) { o.min_sqnr_db = db; },
         "Fidelity floor: the fastest schedule whose outputs keep at least this SQNR (dB) "
         "against FP32 on every compared frame")
      ->check(CLI::Range(-1000.0, 1000.0));
}

}  // namespace splitinfer::cli
