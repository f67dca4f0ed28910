// Shared by the runtime tests: frames that carry their own number, and
// workers (pipeline stages or data-parallel replicas) around stand-in
// partitions.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
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

// A stand-in partition: adds `offset` to a one-float frame after sleeping
// `sleep`; throws on the frame whose value (before adding) is `fail_at`.
class OffsetPartition : public Partition {
 public:
  explicit OffsetPartition(float offset, std::chrono::microseconds sleep = {},
                           std::optional<float> fail_at = std::nullopt)
      : offset_(offset), sleep_(sleep), fail_at_(fail_at) {}
  Handoff run(const Handoff& input) override {
    if (sleep_.count() > 0) std::this_thread::sleep_for(sleep_);
    const float v = input.floats()[0];
    if (fail_at_ && v == *fail_at_) throw std::runtime_error("injected fault");
    return Handoff::from_floats({1}, {v + offset_});
  }

 private:
  float offset_;
  std::chrono::microseconds sleep_;
  std::optional<float> fail_at_;
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
