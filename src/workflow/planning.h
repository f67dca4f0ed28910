// What `plan`, `run`, `report` and the public API share: the element chain and link options,
// profiling what the store lacks, and the planning problem over the combined
// cost sources (measured profiles, imported profiles, simulated elements).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "devices/device_spec.h"
#include "graph/graph.h"
#include "plan/combined_cost_source.h"
#include "plan/plan.h"
#include "profile/calibration_cache.h"
#include "profile/profile_store.h"

namespace splitinfer {

struct PlanningOptions {
  std::string devices;  // "A,B[,C]"
  std::string link_mode = "direct";
  std::string link;  // link name; empty: by the elements
  std::string objective = "throughput";
  std::string db;
  int reps = 20;   // timed runs of each partition when profiling, over every pass
  int passes = 3;  // passes over the model when profiling (profile/profiler.h)
  bool reprofile = false;
  CalibrationOptions calibration;
  // How simulated elements are priced: "fitted" (to published whole-model
  // times) or "spec"; `sim_catalog`, when set, prices them instead.
  std::string sim_model = "fitted";
  const DeviceCatalog* sim_catalog = nullptr;
};

struct MeasuredLink {
  std::string from, to;
  Link link;
};

struct Planning {
  std::vector<std::string> elements;
  std::vector<std::string> profiled_now;  // measured by this command
  std::unique_ptr<ProfileStore> store;
  std::unique_ptr<CombinedCostSource> costs;
  PlanProblem problem;
  bool simulated = false;  // some element is simulated
  std::string sim_model;   // how the simulated ones are priced: "fitted", "spec" or "given"
  // The INT8 calibration, when a real element is INT8, and how it was chosen.
  std::unique_ptr<Calibration> calibration;
  CalibrationOptions calibration_options;
  // Without --link-spec, the queue between every pair of real elements,
  // measured; the problem is priced over the slowest of them.
  std::vector<MeasuredLink> links;
};

// Parses the chain, profiles its real elements that the store lacks (with
// every prefix and suffix), measures the links between them, and sets up the
// problem. Throws an Error naming a
// bad element, link or objective.
std::unique_ptr<Planning> prepare_planning(const Graph& graph, const PlanningOptions& o,
                                           int min_elements, int max_elements);

// Planning::links as JSON: from, to, latency_ms (measured).
nlohmann::json links_json(const Planning& planning);

// The pipeline queue between two real elements, measured on a thread of its
// own: the link `plan` prices hand-offs over when no --link-spec is given.
Link measured_queue_link(const std::string& from, const std::string& to);

// "a,b,c" -> {"a", "b", "c"}.
std::vector<std::string> comma_list(const std::string& list);

// "cpu0:int8,cpu1:bf16" -> "cpu0-int8-cpu1-bf16", for file names.
std::string devices_slug(std::string devices);

// A real element needs a backend here; a simulated one can only be planned.
bool is_simulated_element(const std::string& name);

}  // namespace splitinfer
