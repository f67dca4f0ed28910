// Table 1 of the split-inference paper: for each model, the best split index
// and the speedup of the two-stage pipeline over each element alone, in
// column groups that never mix: measured on pairs of real elements here (one
// group per pair), simulated paper devices, and the paper's published values.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace splitinfer {

struct SplitResult {
  int split = 0;
  double speedup_over_first = 0.0;  // first element alone / pipeline period
  double speedup_over_second = 0.0;
  double period_ms = 0.0;  // 0 for published values
  std::string figure;      // "measured", "predicted", "simulated" or "published"
};

// Both elements running the whole model, frames to whichever is free.
struct DataParallelResult {
  double period_ms = 0.0;  // measured
  double period_ms_predicted = 0.0;
  double speedup_over_first = 0.0;  // first element alone / period, measured
  double speedup_over_second = 0.0;
};

// One pair of real elements on one model.
struct RealResult {
  std::optional<SplitResult> measured;              // pipeline run at the planned split
  std::optional<SplitResult> predicted;             // the plan, from the profiles
  std::optional<DataParallelResult> data_parallel;  // measured in the same run
};

// The simulated pair on one model, direct and through host memory.
struct SimulatedResult {
  std::optional<SplitResult> direct, indirect;
};

struct Table1Row {
  std::string model;
  int units = 0;                 // split indices run 0..units
  std::vector<RealResult> real;  // one per Table1::real_pairs, in that order
  // The simulated pair priced three ways: fitted to every published time
  // (what `plan` uses), fitted without this model's published times (the
  // validation against the paper), and by the spec figures alone.
  SimulatedResult sim_fitted, sim_left_out, sim_spec;
  std::optional<SplitResult> paper_direct, paper_indirect;
};

struct Table1 {
  std::vector<std::vector<std::string>> real_pairs;  // each: first, second
  std::vector<std::string> sim_elements;
  std::string sim_link;
  // What the fitted simulated elements were fitted to: per element, one line
  // per published time with its source.
  std::vector<std::string> sim_fit_sources;
  std::string machine;
  std::string paper_citation;
  std::string paper_devices;
  std::vector<Table1Row> rows;
};

std::string table1_markdown(const Table1& table);
nlohmann::json table1_json(const Table1& table);

}  // namespace splitinfer
