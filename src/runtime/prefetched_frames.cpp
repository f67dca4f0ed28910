#include "runtime/prefetched_frames.h"

#include "common/clock.h"

namespace splitinfer {

PrefetchedFrames::PrefetchedFrames(Producer producer, size_t depth, std::function<void()> enter)
    : producer_(std::move(producer)),
      enter_(std::move(enter)),
      queue_(depth),
      thread_([this] { produce(); }) {}

PrefetchedFrames::~PrefetchedFrames() {
  queue_.abort();  // wakes a producer waiting for room
  thread_.join();
}

void PrefetchedFrames::produce() {
  try {
    if (enter_) enter_();
    for (;;) {
      const auto begin = SteadyClock::now();
      std::optional<Handoff> frame = producer_();
      if (!frame) break;
      {
        std::lock_guard lock(mutex_);
        produce_ms_.push_back(ms_since(begin));
      }
      if (!queue_.push(std::move(*frame))) break;
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    error_ = std::current_exception();
  }
  queue_.close();
}

const Handoff* PrefetchedFrames::next() {
  std::optional<Handoff> frame = queue_.pop();
  if (!frame) {
    std::lock_guard lock(mutex_);
    if (error_) std::rethrow_exception(error_);
    return nullptr;
  }
  current_ = std::move(*frame);
  return &current_;
}

std::vector<double> PrefetchedFrames::produce_ms() const {
  std::lock_guard lock(mutex_);
  return produce_ms_;
}

}  // namespace splitinfer
