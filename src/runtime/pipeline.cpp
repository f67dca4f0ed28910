#include "runtime/pipeline.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "runtime/frame_queue.h"

namespace splitinfer {

namespace {

using Clock = SteadyClock;

struct Frame {
  uint64_t seq = 0;
  Handoff data;  // from the queue before the stage
  Clock::time_point entered;
  const Handoff* source = nullptr;  // the first stage's input, read in place
  const Handoff& input() const { return source ? *source : data; }
};

// Hand-offs a stage's consumer has finished with, kept for the stage to
// refill: a steady pipeline passes the same few buffers round instead of
// allocating one per frame.
class Spares {
 public:
  explicit Spares(size_t capacity) : capacity_(capacity) { items_.reserve(capacity); }
  void give(Handoff h) {
    std::lock_guard lock(mutex_);
    if (items_.size() < capacity_) items_.push_back(std::move(h));
  }
  Handoff take() {
    std::lock_guard lock(mutex_);
    if (items_.empty()) return {};
    Handoff h = std::move(items_.back());
    items_.pop_back();
    return h;
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::vector<Handoff> items_;
};

class PipelineRun {
 public:
  PipelineRun(std::vector<PipelineStage>& stages, uint64_t frames, const FrameSource& source,
              const FrameSink& sink, const PipelineOptions& options)
      : stages_(stages), frames_(frames), source_(source), sink_(sink), options_(options) {
    for (size_t s = 0; s + 1 < stages.size(); ++s) {
      queues_.push_back(std::make_unique<FrameQueue<Frame>>(options.queue_capacity));
      // Queued, being produced, being consumed.
      spares_.push_back(std::make_unique<Spares>(options.queue_capacity + 2));
    }
    result_.stage_ms.resize(stages.size());
  }

  PipelineResult run() {
    start_ = Clock::now();
    std::vector<std::thread> workers;
    for (size_t s = 0; s < stages_.size(); ++s) workers.emplace_back([this, s] { work(s); });
    for (std::thread& w : workers) w.join();
    result_.wall_ms = ms_since(start_);
    return std::move(result_);
  }

 private:
  void work(size_t s) {
    uint64_t seq = 0;
    const bool last = s + 1 == stages_.size();
    Handoff last_output;  // the last stage refills one output frame after frame
    try {
      if (stages_[s].enter) stages_[s].enter();
      while (std::optional<Frame> frame = next_frame(s)) {
        seq = frame->seq;
        Handoff out = last ? std::move(last_output) : spares_[s]->take();
        const auto begin = Clock::now();
        stages_[s].partition->run_into(frame->input(), out);
        result_.stage_ms[s].push_back(ms_since(begin));
        if (s > 0) spares_[s - 1]->give(std::move(frame->data));
        if (!last) {
          if (!queues_[s]->push({seq, std::move(out), frame->entered})) break;
        } else {
          sink_(seq, out);
          const auto done = Clock::now();
          result_.latency_ms.push_back(ms_between(frame->entered, done));
          result_.completion_ms.push_back(ms_between(start_, done));
          ++result_.frames_done;
          leave_flight();
          last_output = std::move(out);
        }
      }
    } catch (const std::exception& e) {
      abort_run({s, stages_[s].name, seq, e.what()});
    }
    if (!last) queues_[s]->close();  // the next stage drains what is queued
  }

  // The first stage makes frames from the source; the others take them from
  // the queue before them.
  std::optional<Frame> next_frame(size_t s) {
    if (s > 0) return queues_[s - 1]->pop();
    if (next_seq_ >= frames_ || aborted_) return std::nullopt;
    if (!enter_flight() || (options_.stop && options_.stop->load())) {
      result_.stopped = options_.stop && options_.stop->load();
      return std::nullopt;
    }
    Frame f;
    f.seq = next_seq_;
    f.entered = Clock::now();
    f.source = source_(f.seq);
    if (!f.source) {
      leave_flight();
      return std::nullopt;  // the stream has ended
    }
    ++next_seq_;
    return f;
  }

  // Waits for room under max_in_flight; false when the run ends meanwhile.
  // The wait wakes now and then to see a stop request from a signal handler.
  bool enter_flight() {
    if (options_.max_in_flight == 0) return true;
    std::unique_lock lock(flight_mutex_);
    while (in_flight_ >= options_.max_in_flight) {
      if (aborted_ || (options_.stop && options_.stop->load())) return false;
      flight_room_.wait_for(lock, std::chrono::milliseconds(50));
    }
    ++in_flight_;
    return true;
  }

  void leave_flight() {
    if (options_.max_in_flight == 0) return;
    {
      std::lock_guard lock(flight_mutex_);
      --in_flight_;
    }
    flight_room_.notify_one();
  }

  void abort_run(StageFailure failure) {
    {
      std::lock_guard lock(failure_mutex_);
      if (result_.failure) return;
      result_.failure = std::move(failure);
    }
    if (options_.on_failure) options_.on_failure(*result_.failure);
    aborted_ = true;
    for (auto& q : queues_) q->abort();
    flight_room_.notify_all();
  }

  std::vector<PipelineStage>& stages_;
  const uint64_t frames_;
  const FrameSource& source_;
  const FrameSink& sink_;
  const PipelineOptions& options_;
  std::vector<std::unique_ptr<FrameQueue<Frame>>> queues_;
  std::vector<std::unique_ptr<Spares>> spares_;  // spares_[s]: stage s's used outputs
  PipelineResult result_;
  Clock::time_point start_;
  uint64_t next_seq_ = 0;  // first stage only
  std::atomic<bool> aborted_{false};
  std::mutex failure_mutex_;
  std::mutex flight_mutex_;
  std::condition_variable flight_room_;
  size_t in_flight_ = 0;  // guarded by flight_mutex_
};

}  // namespace

Error stage_error(const StageFailure& f) {
  return Error(ErrorKind::stage_failed, "stage " + std::to_string(f.stage + 1) + " (" +
                                            f.stage_name + ") failed on frame " +
                                            std::to_string(f.frame) + ": " + f.message);
}

PipelineResult run_pipeline(std::vector<PipelineStage>& stages, uint64_t frames,
                            const FrameSource& source, const FrameSink& sink,
                            const PipelineOptions& options) {
  return PipelineRun(stages, frames, source, sink, options).run();
}

double steady_period_ms(const PipelineResult& result, size_t warmup) {
  return steady_period_ms(result.completion_ms, warmup);
}

double steady_period_ms(const std::vector<double>& done, size_t warmup) {
  if (done.size() < 2) return done.empty() ? 0.0 : done.front();
  const size_t first = std::min(warmup, done.size() - 2);
  return (done.back() - done[first]) / static_cast<double>(done.size() - 1 - first);
}

}  // namespace splitinfer
