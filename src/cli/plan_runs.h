// Plans run the way an embedding program runs them, through the public API
// (include/splitinfer/splitinfer.h): what `run` and `report table1` measure,
// so that every test of those commands exercises the API.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "runtime/split_runner.h"
#include "splitinfer/splitinfer.h"
#include "workflow/planning.h"

namespace splitinfer::cli {

// The API's plan of a pipeline at `cuts`, or of data-parallel replicas, over
// the planning's elements, with its calibration.
api::Plan pipeline_plan(const Graph& graph, const Planning& planning, const std::vector<int>& cuts);
api::Plan data_parallel_plan(const Graph& graph, const Planning& planning);

struct PlanRunOptions {
  int frames = 200;                         // cycled over the distinct frames given
  size_t queue = 2;                         // RunOptions::queue_capacity
  bool one_at_a_time = false;               // each frame submitted after the previous result
  const std::atomic<bool>* stop = nullptr;  // no more submissions once set
};

// Frames kept for the whole run and submitted again and again: the API
// reads them in place (Pipeline::submit of a shared frame), as an
// application submitting from its own buffers does.
using SharedFrames = std::vector<std::shared_ptr<const api::Tensor>>;

// Submits the frames to a pipeline of `plan` and collects the results: the
// measurement (period, per-frame latency from submission to result, each
// stage's times per frame, the submitting thread's CPU per frame; `stopped`
// when `stop` ended the submissions), and the outputs of the first
// frames.size() frames when `first_outputs` is given. A failed stage is its
// stage_failed Error.
PipelineMeasurement run_plan(const api::Model& model, const api::Plan& plan,
                             const SharedFrames& frames, const PlanRunOptions& options,
                             std::vector<std::vector<float>>* first_outputs);

// A schedule and how it runs (a data-parallel one with the reorder buffer
// its elements need, cli/schedule_measurements.h).
struct Contender {
  api::Plan plan;
  PlanRunOptions options;
};

// Hand-offs as the API's tensors.
SharedFrames as_tensors(const std::vector<Handoff>& frames);

}  // namespace splitinfer::cli
