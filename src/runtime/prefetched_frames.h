// The source stage of a pipeline: a producer of input frames (decoding a
// video, say) run on a thread of its own, up to `depth` frames ahead of the
// pipeline, so that producing a frame overlaps the stages' work on earlier
// ones instead of adding to the first stage's time.
#pragma once

#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "exec/handoff.h"
#include "runtime/frame_queue.h"

namespace splitinfer {

class PrefetchedFrames {
 public:
  // The next frame, or none at the end of the stream.
  using Producer = std::function<std::optional<Handoff>()>;

  // `enter`, when given, runs first on the producer's thread (pinning it to
  // a core, say); what it throws is rethrown by next() like the producer's.
  PrefetchedFrames(Producer producer, size_t depth, std::function<void()> enter = {});
  // Stops the producer (a consumer may stop early) and joins its thread.
  ~PrefetchedFrames();
  PrefetchedFrames(const PrefetchedFrames&) = delete;
  PrefetchedFrames& operator=(const PrefetchedFrames&) = delete;

  // The next frame, valid until the next call, or null after the last:
  // usable as a pipeline's FrameSource. Rethrows what the producer threw,
  // once the frames it made before are taken.
  const Handoff* next();

  // The producer's time per frame made so far (measured on its thread).
  std::vector<double> produce_ms() const;

 private:
  void produce();

  Producer producer_;
  std::function<void()> enter_;
  FrameQueue<Handoff> queue_;
  Handoff current_;
  mutable std::mutex mutex_;  // guards error_ and produce_ms_
  std::exception_ptr error_;
  std::vector<double> produce_ms_;
  std::thread thread_;
};

}  // namespace splitinfer
