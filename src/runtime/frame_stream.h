// A schedule running over an open-ended stream of frames: frames are
// submitted one at a time, from any thread, and each one's output (or the
// failure that lost it) is handed to the callback given with it, in
// submission order. The pipeline (or data-parallel) runner runs on a thread
// of its own for the stream's whole life; its source waits for the next
// submission, and ending the stream lets the frames in flight drain before
// the workers stop. The public API's Pipeline is this with futures and
// tensors (src/api/pipeline.cpp).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "runtime/pipeline.h"

namespace splitinfer {

// Measured, from the stream's start.
struct FrameStreamStats {
  uint64_t submitted = 0;
  std::vector<double> latency_ms;     // per delivered frame: submitted to delivered
  std::vector<double> completion_ms;  // per delivered frame, from the start
  // Per stage (or replica): its run() times, once the stream has ended.
  std::vector<std::vector<double>> stage_ms;
};

class FrameStream {
 public:
  // Called once per frame, in submission order, on a worker thread: with
  // the output (valid during the call) and no error, or, for a frame lost to
  // a failing stage, with null and that failure (a stage_failed Error).
  // What it throws for an output fails the stream as a stage failure would.
  using Done = std::function<void(uint64_t seq, const Handoff* output, std::exception_ptr error)>;

  enum class Schedule { pipeline, data_parallel };

  FrameStream(std::vector<PipelineStage> stages, Schedule schedule, size_t queue_capacity,
              size_t max_in_flight);
  ~FrameStream();  // ends the stream, ignoring a failure
  FrameStream(const FrameStream&) = delete;
  FrameStream& operator=(const FrameStream&) = delete;

  // Queues a frame; blocks while queue_capacity frames wait to enter. Throws
  // the failure's Error once a stage has failed, and an invalid_input Error
  // once the stream has ended. Returns the frame's sequence number.
  uint64_t submit(Handoff frame, Done done);

  // No more frames: waits for those in flight and joins the workers. The
  // first stage failure, if one happened. Idempotent.
  std::exception_ptr end();

  FrameStreamStats stats() const;
  const std::vector<PipelineStage>& stages() const { return stages_; }

 private:
  struct Submission {
    Handoff frame;
    Done done;
    SteadyClock::time_point submitted;
  };
  struct Waiting {
    Done done;
    SteadyClock::time_point submitted;
  };

  const Handoff* next_frame();
  void deliver(uint64_t seq, const Handoff& output);
  void fail_all(const StageFailure& failure);

  std::vector<PipelineStage> stages_;
  const size_t capacity_;  // submissions waiting to enter, at most
  PipelineOptions options_;
  SteadyClock::time_point start_;

  mutable std::mutex mutex_;         // guards everything below
  std::condition_variable arrived_;  // the source: a submission, or the end
  std::condition_variable room_;     // submitters: room to wait in
  std::deque<Submission> queued_;    // submitted, not yet taken by the first stage
  std::deque<Waiting> in_flight_;    // taken, in frame order
  Handoff current_;                  // the frame the first stage reads in place
  uint64_t submitted_ = 0;
  std::vector<double> latency_ms_, completion_ms_;
  bool ended_ = false;
  std::exception_ptr error_;
  std::optional<PipelineResult> result_;  // once the runner has returned

  std::thread runner_;  // last: started once everything above exists
};

}  // namespace splitinfer
