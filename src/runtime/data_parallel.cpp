#include "runtime/data_parallel.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "common/clock.h"

namespace splitinfer {

namespace {

using Clock = SteadyClock;

// A finished frame waiting in the reorder buffer for its turn.
struct Finished {
  Handoff output;
  size_t replica = 0;
  Clock::time_point entered;
};

class DataParallelRun {
 public:
  DataParallelRun(std::vector<PipelineStage>& replicas, uint64_t frames, const FrameSource& source,
                  const FrameSink& sink, const PipelineOptions& options,
                  std::vector<size_t>* replica_of)
      : replicas_(replicas),
        frames_(frames),
        source_(source),
        sink_(sink),
        options_(options),
        replica_of_(replica_of),
        // Each replica's frame in progress plus queue_capacity finished
        // frames per replica waiting for an earlier one.
        window_((std::max<size_t>(options.queue_capacity, 1) + 1) *
                std::max<size_t>(replicas.size(), 1)),
        slots_(window_) {
    result_.stage_ms.resize(replicas.size());
    ended_ = frames == 0;
  }

  PipelineResult run() {
    start_ = Clock::now();
    {
      std::vector<std::jthread> workers;
      workers.reserve(replicas_.size());
      for (size_t r = 0; r < replicas_.size(); ++r) {
        try {
          workers.emplace_back([this, r] { work(r); });
        } catch (const std::system_error& e) {
          abort_run({r, replicas_[r].name, 0, std::string("cannot start its worker: ") + e.what()});
          break;
        }
      }
    }  // joins the workers, which deliver every frame they leave deliverable
    result_.wall_ms = ms_since(start_);
    return std::move(result_);
  }

 private:
  // Replica r's worker: take the next frame, run it, leave it in the reorder
  // buffer and deliver what has become deliverable; until the frames run
  // out, the stop flag is seen or the run fails.
  void work(size_t r) {
    uint64_t seq = 0;
    try {
      if (replicas_[r].enter) replicas_[r].enter();
      // Kept from frame to frame: copying the next frame into it reuses its
      // storage instead of allocating a frame's worth of memory each time
      // (a frame the application submitted is borrowed: only its pointer
      // is copied).
      Handoff input;
      for (;;) {
        Clock::time_point entered;
        {
          // One taker at a time, so that the source sees frames in order;
          // a source that blocks waiting for a frame holds up only the
          // other takers, never the delivery of finished frames.
          std::lock_guard take(take_mutex_);
          {
            std::unique_lock lock(mutex_);
            room_.wait(lock,
                       [&] { return aborted_ || ended_ || next_take_ < next_deliver_ + window_; });
            if (aborted_ || ended_) break;
            if (options_.stop && options_.stop->load()) {
              result_.stopped = true;
              break;
            }
            seq = next_take_;
            entered = Clock::now();
          }
          // Copied outside mutex_, so that a delivering worker never
          // waits for the copy.
          const Handoff* in = source_(seq);
          if (in) input = *in;
          std::lock_guard lock(mutex_);
          if (!in) {
            ended_ = true;  // the stream has ended
            room_.notify_all();
            break;
          }
          ended_ = ++next_take_ >= frames_;
        }
        const auto begin = Clock::now();
        Handoff output = replicas_[r].partition->run(input);
        result_.stage_ms[r].push_back(ms_since(begin));
        std::unique_lock lock(mutex_);
        if (aborted_) break;
        slots_[seq % window_] = Finished{std::move(output), r, entered};
        deliver(lock);
      }
    } catch (const std::exception& e) {
      abort_run({r, replicas_[r].name, seq, e.what()});
    } catch (...) {
      abort_run({r, replicas_[r].name, seq, "unknown exception"});
    }
  }

  // On whichever worker finds the next frame in order finished and nobody
  // delivering: hands it and those after it that are finished to the sink,
  // in frame order, one call at a time. Delivering on the workers spares
  // the cores a third thread woken for every frame. A frame another worker
  // leaves meanwhile is seen when the lock is taken again.
  void deliver(std::unique_lock<std::mutex>& lock) {
    if (delivering_) return;
    delivering_ = true;
    while (!aborted_ && slots_[next_deliver_ % window_]) {
      std::optional<Finished>& slot = slots_[next_deliver_ % window_];
      Finished frame = std::move(*slot);
      slot.reset();
      const uint64_t seq = next_deliver_;
      lock.unlock();
      bool delivered = true;
      try {
        sink_(seq, frame.output);
      } catch (const std::exception& e) {
        delivered = false;
        abort_run({frame.replica, replicas_[frame.replica].name, seq, e.what()});
      } catch (...) {
        delivered = false;
        abort_run({frame.replica, replicas_[frame.replica].name, seq, "unknown exception"});
      }
      const auto done = Clock::now();
      lock.lock();
      // A frame the sink took counts as delivered even when another
      // replica failed meanwhile.
      if (delivered) {
        result_.latency_ms.push_back(ms_between(frame.entered, done));
        result_.completion_ms.push_back(ms_between(start_, done));
        if (replica_of_) replica_of_->push_back(frame.replica);
        ++result_.frames_done;
        ++next_deliver_;
        room_.notify_all();
      }
    }
    delivering_ = false;
  }

  // Keeps the first failure, drops what waits in the reorder buffer and
  // wakes every waiting thread.
  void abort_run(StageFailure failure) {
    {
      std::lock_guard lock(mutex_);
      if (result_.failure) return;
      result_.failure = std::move(failure);
      aborted_ = true;
      for (auto& slot : slots_) slot.reset();
      room_.notify_all();
    }
    if (options_.on_failure) options_.on_failure(*result_.failure);
  }

  std::vector<PipelineStage>& replicas_;
  const uint64_t frames_;
  const FrameSource& source_;
  const FrameSink& sink_;
  const PipelineOptions& options_;
  std::vector<size_t>* const replica_of_;
  const size_t window_;  // frames taken and not yet delivered, at most

  // result_.stage_ms[r] belongs to worker r; latency_ms, completion_ms and
  // frames_done to the delivering worker, under the lock, as are stopped and
  // failure.
  PipelineResult result_;
  Clock::time_point start_;

  std::mutex take_mutex_;                       // held by the one worker taking a frame
  std::mutex mutex_;                            // guards everything below
  std::condition_variable room_;                // workers: a frame may be taken
  std::vector<std::optional<Finished>> slots_;  // frame seq in slot seq % window_
  uint64_t next_take_ = 0;
  bool ended_ = false;  // every frame has been taken, or the source ended the stream
  uint64_t next_deliver_ = 0;
  bool delivering_ = false;  // a worker is handing frames to the sink
  bool aborted_ = false;
};

}  // namespace

PipelineResult run_data_parallel(std::vector<PipelineStage>& replicas, uint64_t frames,
                                 const FrameSource& source, const FrameSink& sink,
                                 const PipelineOptions& options, std::vector<size_t>* replica_of) {
  return DataParallelRun(replicas, frames, source, sink, options, replica_of).run();
}

}  // namespace splitinfer
