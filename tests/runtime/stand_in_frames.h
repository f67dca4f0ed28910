// Shared by the runtime tests: frames that carry their own number, and
// workers (pipeline stages or data-parallel replicas) around stand-in
// partitions.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
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

// A stream that waits for each result before making the next frame, as an
// application answering one frame at a time does, and ends after `count`
// frames (the source returns null): frame seq is made only once frame seq-1
// has reached the sink (`delivered`). A runner that holds up delivery while
// its source waits for a frame never finishes it.
class LockstepStream {
 public:
  explicit LockstepStream(uint64_t count) : count_(count) {}
  const Handoff* next(uint64_t seq) {
    std::unique_lock lock(mutex_);
    delivered_cv_.wait(lock, [&] { return delivered_ == seq || seq >= count_; });
    if (seq >= count_) return nullptr;
    frame_ = Handoff::from_floats({1}, {static_cast<float>(seq)});
    return &frame_;
  }
  void delivered(uint64_t seq, const Handoff& output) {
    std::lock_guard lock(mutex_);
    outputs.push_back(output.floats()[0]);
    delivered_ = seq + 1;
    delivered_cv_.notify_all();
  }
  std::vector<float> outputs;  // in delivery order

 private:
  const uint64_t count_;
  std::mutex mutex_;
  std::condition_variable delivered_cv_;
  uint64_t delivered_ = 0;
  Handoff frame_;
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
