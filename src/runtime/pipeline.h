// The pipelined runtime: one worker thread per stage, each placed on its
// element, passing numbered frames through bounded queues. The first stage
// takes inputs as fast as back-pressure allows, so in steady state the
// period is that of the slowest stage.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "exec/backend.h"
#include "exec/handoff.h"

namespace splitinfer {

struct PipelineStage {
  std::string name;             // for reports and errors, e.g. "cpu0:int8"
  std::function<void()> enter;  // run once on the worker first (pinning)
  std::unique_ptr<Partition> partition;
};

struct StageFailure {
  size_t stage = 0;
  std::string stage_name;
  uint64_t frame = 0;
  std::string message;
};

// The Error a failed run is reported with (stage_failed): the stage
// (counted from 1), its element, the frame and what the stage threw.
Error stage_error(const StageFailure& failure);

struct PipelineOptions {
  size_t queue_capacity = 2;
  // Checked before each new frame; set from a signal handler to stop early.
  const std::atomic<bool>* stop = nullptr;
  // Pipelines only: at most this many frames between entering the first
  // stage and leaving the last (0: as many as the queues hold). 1 measures
  // the unloaded latency: each frame has the pipeline to itself.
  size_t max_in_flight = 0;
  // Called once, on the failing worker, as soon as a stage fails (before the
  // run has wound down): a source blocked waiting for frames can stop
  // waiting, and callers waiting on frames in flight can be told.
  std::function<void(const StageFailure&)> on_failure = nullptr;
};

// The input of frame `seq` (read in place by the first stage: it must stay
// valid until the next call), or null when the stream has ended: the run then
// ends after the frames already taken, as if `frames` had been reached (a
// source may block until a frame arrives: the public API's pipeline waits for
// submissions there). And what to do with a frame's output (called on the
// last stage's worker, in frame order; copy what is kept, the buffer is
// refilled for later frames).
using FrameSource = std::function<const Handoff*(uint64_t seq)>;
using FrameSink = std::function<void(uint64_t seq, const Handoff& output)>;

struct PipelineResult {
  uint64_t frames_done = 0;
  bool stopped = false;                 // the stop flag ended the run early
  std::optional<StageFailure> failure;  // the first stage that threw
  std::vector<double> latency_ms;       // per completed frame: entering stage 1 to leaving the last
  std::vector<double> completion_ms;    // per completed frame, from the start of the run
  std::vector<std::vector<double>> stage_ms;  // per stage, per frame: time in run()
  double wall_ms = 0.0;
};

// Runs `frames` frames through the stages. Never throws for a failing stage:
// the failure is reported and every worker is joined.
PipelineResult run_pipeline(std::vector<PipelineStage>& stages, uint64_t frames,
                            const FrameSource& source, const FrameSink& sink,
                            const PipelineOptions& options = {});

// Steady-state period: the mean interval between completions after the first
// `warmup` completions (given as times from the start, in order).
double steady_period_ms(const std::vector<double>& completion_ms, size_t warmup);
double steady_period_ms(const PipelineResult& result, size_t warmup);

}  // namespace splitinfer
