// Each command of the `splitinfer` CLI registers itself on the app.
#pragma once

#include <CLI/CLI.hpp>

namespace splitinfer::cli {

void add_models_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_infer_command(CLI::App& app);
void add_profile_command(CLI::App& app);
void add_devices_command(CLI::App& app);
void add_plan_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_report_command(CLI::App& app);
// `report frontier`, on the report command.
void add_frontier_report(CLI::App* report);
void add_ggp_command(CLI::App& app);
void add_predict_command(CLI::App& app);

}  // namespace splitinfer::cli
