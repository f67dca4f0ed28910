// A bounded single-producer/single-consumer queue between two pipeline
// stages. A full queue blocks the producer (back-pressure); close() wakes
// both sides so that a stopping pipeline never leaves a thread waiting. The
// items live in a ring of `capacity` slots made once, so passing them
// allocates nothing.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

namespace splitinfer {

template <typename T>
class FrameQueue {
 public:
  explicit FrameQueue(size_t capacity) : slots_(capacity == 0 ? 1 : capacity) {}

  // False when the queue was closed before the item could be placed.
  bool push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || count_ < slots_.size(); });
    if (closed_) return false;
    slots_[(head_ + count_) % slots_.size()] = std::move(item);
    ++count_;
    not_empty_.notify_one();
    return true;
  }

  // Empty once the queue is closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || count_ > 0; });
    if (count_ == 0) return std::nullopt;
    std::optional<T> item(std::move(slots_[head_]));
    head_ = (head_ + 1) % slots_.size();
    --count_;
    not_full_.notify_one();
    return item;
  }

  // No more pushes; pops drain what is queued.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  // Close and drop what is queued (a failed run).
  void abort() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (T& slot : slots_) slot = T{};
    count_ = 0;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::vector<T> slots_;
  size_t head_ = 0, count_ = 0;  // the oldest item's slot, and how many there are
  bool closed_ = false;
};

}  // namespace splitinfer
