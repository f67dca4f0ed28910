// Hybrid schedules run for real (plan/hybrid_plan.h): a pipeline whose
// stages are groups of replicas. Each group is a data-parallel run
// (runtime/data_parallel.h) over its replicas, driven by a thread of its
// own; consecutive groups are joined by a bounded queue in frame order, so a
// group's replicas pull frames from the queue before it and its reorder
// buffer hands them on in order. A group of one replica is a pipeline stage;
// one group of every replica is data-parallel.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/pipeline.h"

namespace splitinfer {

// Runs `frames` frames through the groups in order. options.queue_capacity
// bounds each queue between groups and each group's reorder buffer;
// options.stop is seen by the first group (the others drain what it let in).
// The result is the pipeline's: stage_ms has one entry per replica, groups
// in order; latency_ms runs from the first group taking a frame to the sink's
// return; the failure is the first group's that failed for its own reason
// (its stage index counts replicas across groups). Never throws for a
// failing stage.
PipelineResult run_hybrid(std::vector<std::vector<PipelineStage>>& groups, uint64_t frames,
                          const FrameSource& source, const FrameSink& sink,
                          const PipelineOptions& options = {});

}  // namespace splitinfer
