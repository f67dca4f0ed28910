// Shared by the runtime tests: frames that carry their own number, and
// workers (pipeline stages or data-parallel replicas) around stand-in
// partitions.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/pipeline.h"

namespace splitinfer::testing {

// Frame `seq` carries the value seq (exact in float32 below 2^24).
struct CountingSource {
  Handoff frame;
  const Handoff& operator()(uint64_t seq) {
    frame = Handoff::from_floats({1}, {static_cast<float>(seq)});
    return frame;
  }
};

// Workers named prefix0, prefix1, ... with no placement.
inline std::vector<PipelineStage> workers_of(std::vector<std::unique_ptr<Partition>> parts,
                                             const std::string& prefix) {
  std::vector<PipelineStage> workers;
  for (size_t i = 0; i < parts.size(); ++i)
    workers.push_back({prefix + std::to_string(i), nullptr, std::move(parts[i])});
  return workers;
}

}  // namespace splitinfer::testing
