// The data-parallel runtime: every replica runs the whole model on its own
// element (in its own precision), and frames go to whichever replica is free.
// Each worker takes the next frame number when it is done with its last one
// (pull: a replica never waits while there is a frame it could start), and the
// outputs leave in frame order through a bounded reorder buffer, handed to the
// sink by the worker that finds the next frame in order finished. In steady
// state the period is that of the replicas' combined rate, 1 / sum(1 / t_r),
// as long as the reorder buffer is deep enough for the slowest replica's lag
// (see PipelineOptions below).
//
// The same types as the pipeline (runtime/pipeline.h): a replica is a
// PipelineStage whose partition is the whole model (split_runner's
// build_replicas), and the result is a PipelineResult, so steady_period_ms
// and the reports read it unchanged.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/pipeline.h"

namespace splitinfer {

// Runs `frames` frames over the replicas, one worker thread per replica
// (each calls its replica's `enter` first). Differences from run_pipeline:
//  - source(seq) is called by the worker that takes frame seq, one call at a
//    time and in frame order (a source waiting for a frame delays no
//    delivery), and its result is copied before the next call, as the
//    pipeline's first stage does;
//  - sink(seq, output) is called in frame order, one call at a time, on a
//    worker: the one that left the next frame in order finished, or that was
//    delivering already (no thread of its own is woken for every frame); a
//    worker blocked in the sink takes no new frame meanwhile;
//  - options.queue_capacity sizes the reorder buffer: it holds up to
//    queue_capacity x replicas finished outputs waiting for an earlier frame,
//    so at most (queue_capacity + 1) x replicas frames are in flight; a worker
//    waits (blocked, not spinning) before taking a frame beyond that. A
//    replica k times slower than the others needs about queue_capacity + 1 >= k
//    (the default of 2 keeps a replica 3x slower than its partner from
//    stalling it).
//  - result.stage_ms[r]: the run() times of the frames replica r ran, in the
//    order it ran them; latency_ms and completion_ms are per frame in frame
//    order; latency runs from taking the frame (before the source call) to
//    the sink's return, so it includes waiting in the reorder buffer;
//  - a failure (a replica's enter or run, the source while that replica takes
//    a frame, or the sink for a frame that replica ran) names the replica
//    (StageFailure::stage is its index) and the frame; the run stops, the
//    frames not yet delivered are dropped and every worker is joined;
//  - the stop flag is checked before each frame is taken; frames already
//    taken finish and are delivered.
// `replica_of`, when given, receives for each delivered frame (in frame
// order) the index of the replica that ran it.
// Never throws for a failing replica.
PipelineResult run_data_parallel(std::vector<PipelineStage>& replicas, uint64_t frames,
                                 const FrameSource& source, const FrameSink& sink,
                                 const PipelineOptions& options = {},
                                 std::vector<size_t>* replica_of = nullptr);

}  // namespace splitinfer
