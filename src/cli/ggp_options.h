// The options every partitioning subcommand of `splitinfer ggp` shares: the
// elements and where their models come from, the partitioning technique,
// the execution model and the objective.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ggp/element_model.h"
#include "ggp/layer_partition.h"

namespace splitinfer::cli {

struct GgpElementOptions {
  std::string devices;
  std::vector<std::string> model_files;
  std::string technique = "filters", execution = "concurrent", objective = "latency";
};

void add_ggp_element_options(CLI::App* cmd, GgpElementOptions& options);

// Reads the --models files; throws an io Error for a missing file and an
// invalid_input Error for one that is not a `ggp fit --out` model.
std::vector<ggp::ElementModel> load_element_models(const GgpElementOptions& options);

ggp::PartitionSetup partition_setup(const GgpElementOptions& options);

// "simulated" when every element is, "predicted" (from models fitted to
// measurements) otherwise: what a figure computed from the models is.
std::string model_figure(const std::vector<ggp::ElementModel>& elements);

nlohmann::json elements_json(const std::vector<ggp::ElementModel>& elements);

// The "run" object of `ggp layer/model --run`: a measured split against the
// same work unsplit on the first element, and the models' prediction.
struct MeasuredSplit {
  double split_ms = 0.0, predicted_ms = 0.0, whole_ms = 0.0, max_relative_error = 0.0;
};
nlohmann::json run_json(const MeasuredSplit& run, int reps);

}  // namespace splitinfer::cli
