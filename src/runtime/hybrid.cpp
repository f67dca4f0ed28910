#include "runtime/hybrid.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/clock.h"
#include "runtime/data_parallel.h"
#include "runtime/frame_queue.h"

namespace splitinfer {

namespace {

using Clock = SteadyClock;

// What a group reports when its neighbour ended first: not a failure of its
// own, so the run reports the neighbour's.
constexpr const char* kPreviousEnded = "the previous stage ended";
constexpr const char* kNextEnded = "the next stage ended";

struct Passed {
  uint64_t seq = 0;
  Handoff data;
};

class HybridRun {
 public:
  HybridRun(std::vector<std::vector<PipelineStage>>& groups, uint64_t frames,
            const FrameSource& source, const FrameSink& sink, const PipelineOptions& options)
      : groups_(groups),
        frames_(frames),
        source_(source),
        sink_(sink),
        options_(options),
        results_(groups.size()),
        current_(groups.size()),
        entered_(frames) {
    for (size_t g = 0; g + 1 < groups.size(); ++g)
      queues_.push_back(std::make_unique<FrameQueue<Passed>>(options.queue_capacity));
  }

  PipelineResult run() {
    start_ = Clock::now();
    {
      std::vector<std::jthread> drivers;
      for (size_t g = 0; g < groups_.size(); ++g) drivers.emplace_back([this, g] { drive(g); });
    }
    return combine();
  }

 private:
  // Group g's data-parallel run; then what it leaves to its neighbours: a
  // normal end closes the queue after it, a failure aborts every queue.
  void drive(size_t g) {
    const bool first = g == 0, last = g + 1 == groups_.size();
    const FrameSource source = [this, g, first](uint64_t seq) -> const Handoff* {
      if (first) {
        entered_[seq] = Clock::now();
        return source_(seq);
      }
      std::optional<Passed> in = queues_[g - 1]->pop();
      if (!in) throw std::runtime_error(kPreviousEnded);
      current_[g] = std::move(in->data);
      return &current_[g];
    };
    const FrameSink sink = [this, g, last](uint64_t seq, const Handoff& out) {
      if (last) {
        sink_(seq, out);
        const auto done = Clock::now();
        latency_ms_.push_back(ms_between(entered_[seq], done));
        completion_ms_.push_back(ms_between(start_, done));
        return;
      }
      if (!queues_[g]->push({seq, out})) throw std::runtime_error(kNextEnded);
    };
    PipelineOptions options = options_;
    if (!first) options.stop = nullptr;
    // A neighbour's end is not a failure of the run.
    options.on_failure = [this](const StageFailure& f) {
      if (options_.on_failure && f.message != kPreviousEnded && f.message != kNextEnded)
        options_.on_failure(f);
    };
    results_[g] = run_data_parallel(groups_[g], frames_, source, sink, options);
    if (results_[g].failure)
      for (auto& q : queues_) q->abort();
    else if (!last) queues_[g]->close();
  }

  PipelineResult combine() {
    PipelineResult r;
    size_t replicas_before = 0;
    for (size_t g = 0; g < groups_.size(); ++g) {
      const PipelineResult& gr = results_[g];
      if (gr.failure && !r.failure && gr.failure->message != kPreviousEnded &&
          gr.failure->message != kNextEnded) {
        r.failure = gr.failure;
        r.failure->stage += replicas_before;
      }
      for (const auto& ms : gr.stage_ms) r.stage_ms.push_back(ms);
      replicas_before += groups_[g].size();
    }
    r.stopped = results_.front().stopped;
    r.frames_done = results_.back().frames_done;
    r.latency_ms = std::move(latency_ms_);
    r.completion_ms = std::move(completion_ms_);
    r.wall_ms = ms_since(start_);
    return r;
  }

  std::vector<std::vector<PipelineStage>>& groups_;
  const uint64_t frames_;
  const FrameSource& source_;
  const FrameSink& sink_;
  const PipelineOptions& options_;
  std::vector<std::unique_ptr<FrameQueue<Passed>>> queues_;  // queue g: group g to g + 1
  std::vector<PipelineResult> results_;                      // per group, by its driver
  std::vector<Handoff> current_;            // group g's frame being taken (source calls are serial)
  std::vector<Clock::time_point> entered_;  // by the first group, per frame
  std::vector<double> latency_ms_, completion_ms_;  // by the last group's driver
  Clock::time_point start_;
};

}  // namespace

PipelineResult run_hybrid(std::vector<std::vector<PipelineStage>>& groups, uint64_t frames,
                          const FrameSource& source, const FrameSink& sink,
                          const PipelineOptions& options) {
  if (groups.empty()) return {};
  return HybridRun(groups, frames, source, sink, options).run();
}

}  // namespace splitinfer
