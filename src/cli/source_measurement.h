// `run --source`: the pipeline fed by a frame source (a video, an image or
// a directory of images) decoded on a thread of its own, and the same plan
// fed from memory with frames of that source, both measured in this run in
// alternating rounds: the cost of decoding on the period, side by side. Both
// run through the public API, as an application feeding a video runs them.
// The source decodes on the core of the stage predicted to have the most
// time to spare, where it takes the least from the bottleneck stage.
#pragma once

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "splitinfer/splitinfer.h"
#include "workflow/planning.h"

namespace splitinfer::cli {

struct SourceMeasurement {
  std::string path;
  uint64_t frames = 0;            // through the pipeline from the source
  size_t rounds = 0;              // compared: source-fed, then as many frames from memory
  double period_ms_source = 0.0;  // measured, the median over the rounds
  double period_ms_memory = 0.0;  // measured, the median over the rounds
  double period_ratio = 0.0;      // source over memory, the median of the rounds' ratios
  double decode_ms_median = 0.0;  // measured on the source's thread
  std::string decode_element;     // whose core decodes
};

SourceMeasurement measure_source(const api::Model& model, const Planning& planning,
                                 const Plan& stages, const std::string& path, size_t queue,
                                 const std::atomic<bool>* stop);

nlohmann::json source_json(const SourceMeasurement& m);

}  // namespace splitinfer::cli
