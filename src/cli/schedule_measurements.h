// The measurement `run` and `report table1` share: each element alone on the
// whole model, the pipeline at a split and the data-parallel schedule in
// alternating rounds in one process on the same frames, each compared with
// FP32, so that every ratio between them is of figures taken side by side.
// The schedules run through the public API (cli/plan_runs.h).
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "cli/planning.h"
#include "common/statistics.h"
#include "runtime/split_runner.h"
#include "splitinfer/splitinfer.h"

namespace splitinfer::cli {

struct MeasureOptions {
  int frames = 200;  // through each schedule in each round
  int alone_frames = 30;
  size_t queue = 2;                         // between pipeline stages
  const std::atomic<bool>* stop = nullptr;  // Ctrl-C: stop after the frames in flight
  // The pipeline and data-parallel take turns this many times, each period
  // the median of its rounds: a slow spell of a shared machine during one
  // round moves neither period nor the ratio between them.
  int rounds = 3;
};

struct ScheduleMeasurements {
  std::map<std::string, double> alone;  // median ms per frame, per element
  // Every round together: the period is the median of the rounds' periods,
  // the latencies, stage times and frame count are of all rounds.
  PipelineMeasurement pipeline, data_parallel;
  std::vector<double> pipeline_rounds_ms, data_parallel_rounds_ms;  // each round's period
  // The pipeline with one frame in flight at a time: its unloaded latency.
  PipelineMeasurement pipeline_unloaded;
  // The pipeline's outputs of the first frames.size() frames.
  std::vector<std::vector<float>> pipeline_outputs;
  Fidelity pipeline_agreement, data_parallel_agreement;
  bool bit_exact_with_stages_in_turn = true;  // the pipeline against its stages in turn
  bool stopped() const {
    return pipeline.result.stopped || pipeline_unloaded.result.stopped ||
           data_parallel.result.stopped;
  }
};

// The queue capacity a data-parallel run of these elements needs (at least
// `queue`): a replica k times slower than the fastest holds an old frame
// while the fastest finishes k more, which the reorder buffer must hold, or
// the fast replica waits for buffer room (runtime/data_parallel.h).
size_t data_parallel_queue(const std::map<std::string, double>& alone_ms, size_t queue);

// Each element of `planning` alone, then the pipeline at `cuts` and
// data-parallel saturated in `rounds` alternating rounds (the pipeline first
// in the first; data-parallel skipped once the pipeline was stopped), then
// the pipeline with up to 30 frames one at a time, on `frames` (the model's
// inputs), compared with `reference` (FP32's outputs of the same frames,
// against the first round's). A stage that throws is a stage_failed Error
// naming the stage and frame.
ScheduleMeasurements measure_schedules(const api::Model& model, const Planning& planning,
                                       const std::vector<int>& cuts,
                                       const std::vector<Handoff>& frames,
                                       const std::vector<std::vector<float>>& reference,
                                       const MeasureOptions& options);

}  // namespace splitinfer::cli
