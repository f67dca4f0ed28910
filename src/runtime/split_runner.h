// Turning a split plan into pipeline stages on real elements, and the
// measurements `run` reports beside the pipeline: each element alone on the
// whole model, and the partitions run one after another as the reference a
// pipelined frame must match bit for bit.
#pragma once

#include <string>
#include <vector>

#include "exec/calibration.h"
#include "graph/graph.h"
#include "runtime/pipeline.h"

namespace splitinfer {

// Compiles stage k of the chain on units [cuts[k-1], cuts[k]) for every
// non-empty stage, on a thread placed on its element; each worker places
// itself there too.
std::vector<PipelineStage> build_stages(const Graph& graph,
                                        const std::vector<std::string>& elements,
                                        const std::vector<int>& cuts,
                                        const Calibration* calibration);

// The data-parallel schedule's replicas (runtime/data_parallel.h): the whole
// model compiled once per element, in that element's precision, each on a
// thread placed on its element as build_stages does; each worker places
// itself there too. Replica i is elements[i].
std::vector<PipelineStage> build_replicas(const Graph& graph,
                                          const std::vector<std::string>& elements,
                                          const Calibration* calibration);

// Distinct input frames: the file at `path`, or 8 draws of standard normal
// noise when `path` is empty.
std::vector<Handoff> input_frames(const Graph& graph, const std::string& path);

struct PipelineMeasurement {
  PipelineResult result;
  double period_ms = 0.0;  // steady state, the first 10% of frames (at most 10) skipped
  // CPU the thread that fed the frames spent per frame, where one did
  // (cli::run_plan): on a machine whose cores all run stages, it is taken
  // from them.
  double producer_cpu_ms_per_frame = 0.0;
};

// `count` frames through the stages, cycling over `frames`; the outputs of
// the first frames.size() frames are kept in `first_outputs` when given.
PipelineMeasurement measure_pipeline(std::vector<PipelineStage>& stages,
                                     const std::vector<Handoff>& frames, int count,
                                     const PipelineOptions& options,
                                     std::vector<Handoff>* first_outputs);

// Runs the stages one after another, each on a thread placed on its element.
Handoff run_stages_in_turn(std::vector<PipelineStage>& stages, const Handoff& input);

// run_stages_in_turn on each frame, the outputs as floats.
std::vector<std::vector<float>> outputs_in_turn(std::vector<PipelineStage>& stages,
                                                const std::vector<Handoff>& frames);

// Median time per frame of the whole model on `element` alone, after
// `warmup` runs.
double measure_alone_ms(const Graph& graph, const std::string& element,
                        const Calibration* calibration, const Handoff& input, int warmup,
                        int frames);

}  // namespace splitinfer
