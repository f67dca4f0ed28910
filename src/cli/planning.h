// The command-line side of planning: --devices, --link, --objective and the
// profile options (workflow/planning.h holds what they set up), and the GNN-priced
// problem of `plan --planner gnn`.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/calibration_options.h"
#include "workflow/planning.h"

namespace splitinfer::cli {

void add_planning_options(CLI::App* cmd, PlanningOptions& o);

// --passes, for every command that profiles (profile/profiler.h's
// ProfileOptions::passes).
void add_passes_option(CLI::App* cmd, int& passes);

// --sim-model, for the commands that plan on simulated elements (`run`
// refuses them).
void add_sim_model_option(CLI::App* cmd, PlanningOptions& o);

// The same problem priced by the GNN latency models saved in `predictors`
// (predict/predictor_set.h), profiling nothing. Throws an Error unless
// --devices names the two elements they were trained for.
std::unique_ptr<Planning> prepare_gnn_planning(const Graph& graph, const PlanningOptions& o,
                                               const std::string& predictors);

}  // namespace splitinfer::cli
