#include "runtime/frame_stream.h"

#include <algorithm>
#include <limits>

#include "common/error.h"
#include "runtime/data_parallel.h"

namespace splitinfer {

FrameStream::FrameStream(std::vector<PipelineStage> stages, Schedule schedule,
                         size_t queue_capacity, size_t max_in_flight)
    : stages_(std::move(stages)), capacity_(std::max<size_t>(queue_capacity, 1)) {
  options_.queue_capacity = queue_capacity;
  options_.max_in_flight = max_in_flight;
  options_.on_failure = [this](const StageFailure& f) { fail_all(f); };
  start_ = SteadyClock::now();
  runner_ = std::thread([this, schedule] {
    const FrameSource source = [this](uint64_t) { return next_frame(); };
    const FrameSink sink = [this](uint64_t seq, const Handoff& out) { deliver(seq, out); };
    const uint64_t endless = std::numeric_limits<uint64_t>::max();
    PipelineResult result = schedule == Schedule::data_parallel
                                ? run_data_parallel(stages_, endless, source, sink, options_)
                                : run_pipeline(stages_, endless, source, sink, options_);
    std::lock_guard lock(mutex_);
    result_ = std::move(result);
  });
}

FrameStream::~FrameStream() { end(); }

uint64_t FrameStream::submit(Handoff frame, Done done) {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return ended_ || error_ || queued_.size() < capacity_; });
  if (error_) std::rethrow_exception(error_);
  if (ended_)
    fail(ErrorKind::invalid_input, "the pipeline is closed; submit frames before close()");
  queued_.push_back({std::move(frame), std::move(done), SteadyClock::now()});
  arrived_.notify_one();
  return submitted_++;
}

std::exception_ptr FrameStream::end() {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
  }
  arrived_.notify_all();
  room_.notify_all();
  if (runner_.joinable()) runner_.join();
  std::lock_guard lock(mutex_);
  current_ = Handoff();  // lets a borrowed last frame go back to its owner
  return error_;
}

FrameStreamStats FrameStream::stats() const {
  std::lock_guard lock(mutex_);
  FrameStreamStats s{submitted_, latency_ms_, completion_ms_, {}};
  if (result_) s.stage_ms = result_->stage_ms;
  return s;
}

// The runner's source: the next submission, waited for; null once the stream
// has ended (and its submissions are taken) or a stage has failed.
const Handoff* FrameStream::next_frame() {
  std::unique_lock lock(mutex_);
  arrived_.wait(lock, [&] { return ended_ || error_ || !queued_.empty(); });
  if (error_ || queued_.empty()) return nullptr;
  Submission& next = queued_.front();
  current_ = std::move(next.frame);
  in_flight_.push_back({std::move(next.done), next.submitted});
  queued_.pop_front();
  room_.notify_one();
  return &current_;
}

// The runner's sink, in frame order: frame `seq` is the oldest in flight.
void FrameStream::deliver(uint64_t seq, const Handoff& output) {
  Waiting waiting;
  {
    std::lock_guard lock(mutex_);
    if (in_flight_.empty()) return;  // lost to a failure meanwhile, and told so
    waiting = std::move(in_flight_.front());
    in_flight_.pop_front();
    const auto now = SteadyClock::now();
    latency_ms_.push_back(ms_between(waiting.submitted, now));
    completion_ms_.push_back(ms_between(start_, now));
  }
  waiting.done(seq, &output, nullptr);
}

// A stage failed: every frame not yet delivered is told, the source stops
// waiting, and later submissions are refused with the failure.
void FrameStream::fail_all(const StageFailure& failure) {
  std::deque<Done> lost;
  uint64_t first_lost = 0;
  std::exception_ptr error = std::make_exception_ptr(stage_error(failure));
  {
    std::lock_guard lock(mutex_);
    if (error_) return;
    error_ = error;
    first_lost = submitted_ - in_flight_.size() - queued_.size();
    for (Waiting& w : in_flight_) lost.push_back(std::move(w.done));
    for (Submission& s : queued_) lost.push_back(std::move(s.done));
    in_flight_.clear();
    queued_.clear();
  }
  arrived_.notify_all();
  room_.notify_all();
  for (Done& done : lost) done(first_lost++, nullptr, error);
}

}  // namespace splitinfer
