// Fidelities of a model's schedules to FP32, kept beside the cached
// calibrations so that each is measured once per model content, calibration
// and arrangement of stage precisions: the outputs are deterministic, and
// measuring means compiling and running the model.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/precision.h"
#include "common/statistics.h"
#include "exec/calibration.h"
#include "graph/graph.h"

namespace splitinfer {

// A stage of a schedule as fidelity sees it: what precision runs which units.
struct PrecisionStage {
  Precision precision = Precision::fp32;
  int first_unit = 0, last_unit = 0;
};

// "int8:0-11,fp32:11-21", empty stages left out: the same key for every
// chain that computes the same thing (cpu0:int8 alone and cpu1:int8 alone).
std::string fidelity_key(const std::vector<PrecisionStage>& stages);

class FidelityCache {
 public:
  // The entries of (graph's content, calibration, `frames`: what the
  // fidelities were measured on) under `cache_dir`; empty when there are
  // none yet, the file is damaged, or `cache_dir` is empty.
  FidelityCache(const Graph& graph, const Calibration* calibration, const std::string& frames,
                const std::string& cache_dir);

  std::optional<Fidelity> find(const std::string& key) const;
  // Records `fidelity` and rewrites the file; an unwritable directory only
  // costs the caching.
  void put(const std::string& key, const Fidelity& fidelity);

 private:
  std::string file_;
  nlohmann::json entries_ = nlohmann::json::object();
};

}  // namespace splitinfer
