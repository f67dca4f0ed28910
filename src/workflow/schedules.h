// What `plan` and `run` weigh: every schedule of the elements named (each
// split of two elements, or the best chain of more, data-parallel, and for
// `plan` the best hybrid), ranked under the objective, with fidelity to FP32
// measured where the choice or the report needs it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plan/schedule.h"
#include "profile/fidelity_cache.h"
#include "runtime/pipeline.h"
#include "workflow/planning.h"

namespace splitinfer {

struct ScheduleOptions {
  std::string schedule = "auto";
  std::optional<double> min_sqnr_db;
};

// Measures how faithful a schedule's outputs are to FP32's on the 8 noise
// frames `run` compares with (runtime/split_runner.h input_frames), running
// its stages in turn on the chain's own elements; cached per model,
// calibration and stage precisions (profile/fidelity_cache.h).
class FidelityMeter {
 public:
  // For the chain and calibration of `planning`, which outlives the meter.
  FidelityMeter(const Graph& graph, const Planning& planning);

  // The stages of `cuts` over the chain, as run_stages_in_turn would run them.
  Fidelity pipeline(const std::vector<int>& cuts);
  // The worst element's: every element runs the whole model.
  Fidelity data_parallel();
  // A candidate's: pipeline() or data_parallel(); none for a hybrid, whose
  // frames land on elements of different precisions.
  std::optional<Fidelity> of(const Candidate& candidate);
  // The frames and FP32's outputs on them.
  const std::vector<Handoff>& frames() const { return frames_; }
  const std::vector<std::vector<float>>& reference();

 private:
  Fidelity measure(const std::vector<std::string>& elements, const std::vector<int>& cuts);

  const Graph& graph_;
  std::vector<std::string> elements_;
  const Calibration* calibration_;
  int unit_count_;
  std::vector<Handoff> frames_;
  std::vector<std::vector<float>> reference_;
  FidelityCache cache_;
};

struct Schedules {
  std::vector<Plan> pipelines;       // candidates [0, pipelines.size())
  DataParallelPlan data_parallel;    // the candidate after them
  std::optional<HybridPlan> hybrid;  // the last candidate, when there is one
  std::vector<Candidate> candidates;
  ScheduleRequest request;
  size_t chosen = 0;

  const Candidate& choice() const { return candidates[chosen]; }
  // The best candidate of `kind` under the objective, whatever was forced;
  // none when there is no candidate of that kind.
  std::optional<size_t> best_of(ScheduleKind kind) const;
  // The pipeline to run beside the choice: the chosen one, else the best
  // that holds the floor, else the best.
  const Plan& pipeline_to_run() const;
};

// Weighs the schedules of `planning`; `given_cuts` (when not empty) is the
// one pipeline a user fixed with --split; hybrids only when `with_hybrids`
// (`run` does not execute them). Fidelity is measured with `meter` (null:
// not measured, and a --min-sqnr floor is an error) for the choice, the best
// pipeline and data-parallel and, under a floor, each candidate tried on the
// way; a hybrid's is not measured. Throws an invalid_input Error when no
// candidate of the forced kind exists or holds the floor.
Schedules weigh_schedules(const Planning& planning, const ScheduleOptions& o,
                          const std::vector<int>& given_cuts, FidelityMeter* meter,
                          bool with_hybrids);

// Fills in every candidate's fidelity (report frontier).
void measure_every_fidelity(Schedules& schedules, FidelityMeter& meter);

// A candidate as JSON: kind, period_ms, latency_ms, fidelity (null when not
// measured), splits for pipelines and hybrids, and a hybrid's stages.
nlohmann::json candidate_json(const Candidate& c);

}  // namespace splitinfer
