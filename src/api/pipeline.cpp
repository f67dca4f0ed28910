// The public Pipeline (include/splitinfer/splitinfer.h): a plan's schedule
// running on its elements, fed by submit(). The runtime's pipeline (or
// data-parallel runner) runs on a thread of its own for the pipeline's whole
// life, over an endless stream: its source waits for the next submitted
// frame, and closing the pipeline ends the stream, so the frames in flight
// drain before the workers stop.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <thread>

#include "api/model_impl.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/statistics.h"
#include "exec/element.h"
#include "runtime/data_parallel.h"
#include "runtime/split_runner.h"
#include "workflow/planning.h"

namespace splitinfer::api {

namespace {

using Clock = SteadyClock;

// A frame's way back to its submitter: a promise, or a callback.
struct Waiter {
  std::promise<Tensor> promise;
  std::function<void(uint64_t, const Tensor&)> on_result;
  Clock::time_point submitted;
};

struct Submission {
  Handoff frame;
  Waiter waiter;
};

}  // namespace

struct Pipeline::Impl {
  Impl(std::shared_ptr<const Model::Impl> model, std::unique_ptr<Calibration> calibration,
       std::vector<PipelineStage> stages, bool data_parallel, const RunOptions& options)
      : model_(std::move(model)),
        calibration_(std::move(calibration)),
        stages_(std::move(stages)),
        capacity_(std::max<size_t>(options.queue_capacity, 1)) {
    runtime_options_.queue_capacity = options.queue_capacity;
    runtime_options_.max_in_flight = options.max_in_flight;
    runtime_options_.on_failure = [this](const StageFailure& f) { fail_all(f); };
    start_ = Clock::now();
    runner_ = std::thread([this, data_parallel] {
      const ::splitinfer::FrameSource source = [this](uint64_t) { return next_frame(); };
      const FrameSink sink = [this](uint64_t seq, const Handoff& out) { deliver(seq, out); };
      const uint64_t endless = std::numeric_limits<uint64_t>::max();
      PipelineResult result =
          data_parallel ? run_data_parallel(stages_, endless, source, sink, runtime_options_)
                        : run_pipeline(stages_, endless, source, sink, runtime_options_);
      std::lock_guard lock(mutex_);
      result_ = std::move(result);
    });
  }

  ~Impl() { end(); }

  void submit(Tensor frame, Waiter waiter) {
    Handoff input = input_handoff(model_->graph, std::move(frame));
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return closed_ || error_ || waiting_.size() < capacity_; });
    if (error_) std::rethrow_exception(error_);
    if (closed_)
      fail(ErrorKind::invalid_input, "the pipeline is closed; submit frames before close()");
    waiter.submitted = Clock::now();
    waiting_.push_back({std::move(input), std::move(waiter)});
    ++submitted_;
    arrived_.notify_one();
  }

  Stats stats() const {
    std::lock_guard lock(mutex_);
    Stats s;
    s.frames_submitted = submitted_;
    s.frames_done = completion_ms_.size();
    if (completion_ms_.size() >= 2) {
      const size_t skip = std::min<size_t>(completion_ms_.size() / 10, 10);
      const size_t first = std::min(skip, completion_ms_.size() - 2);
      s.period_ms = (completion_ms_.back() - completion_ms_[first]) /
                    static_cast<double>(completion_ms_.size() - 1 - first);
    }
    std::vector<double> sorted = latency_ms_;
    std::sort(sorted.begin(), sorted.end());
    if (!sorted.empty()) {
      s.latency_ms_p50 = percentile(sorted, 0.5);
      s.latency_ms_p90 = percentile(sorted, 0.9);
      s.latency_ms_p99 = percentile(sorted, 0.99);
    }
    if (result_)
      for (size_t k = 0; k < stages_.size() && k < result_->stage_ms.size(); ++k)
        s.stages.push_back({stages_[k].name, result_->stage_ms[k].size(),
                            result_->stage_ms[k].empty() ? 0.0 : median(result_->stage_ms[k])});
    return s;
  }

  // Ends the stream and joins the runner; the first stage failure, if any.
  std::exception_ptr end() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    arrived_.notify_all();
    room_.notify_all();
    if (runner_.joinable()) runner_.join();
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  // The runtime's source: the next submitted frame, waited for; null once
  // the pipeline is closed (and drained of submissions) or has failed.
  const Handoff* next_frame() {
    std::unique_lock lock(mutex_);
    arrived_.wait(lock, [&] { return closed_ || error_ || !waiting_.empty(); });
    if (error_ || waiting_.empty()) return nullptr;
    current_ = std::move(waiting_.front().frame);
    in_flight_.push_back(std::move(waiting_.front().waiter));
    waiting_.pop_front();
    room_.notify_one();
    return &current_;
  }

  // The runtime's sink, in frame order: frame `seq` is the oldest in flight.
  void deliver(uint64_t seq, const Handoff& out) {
    Waiter waiter;
    {
      std::lock_guard lock(mutex_);
      if (in_flight_.empty()) return;  // failed meanwhile: its submitter was told
      waiter = std::move(in_flight_.front());
      in_flight_.pop_front();
      const auto now = Clock::now();
      latency_ms_.push_back(ms_between(waiter.submitted, now));
      completion_ms_.push_back(ms_between(start_, now));
    }
    Tensor result = to_tensor(out);
    if (waiter.on_result) waiter.on_result(seq, result);
    else waiter.promise.set_value(std::move(result));
  }

  // A stage failed: every frame not yet delivered gets its Error, the
  // source stops waiting, and later submissions are refused with it.
  void fail_all(const StageFailure& failure) {
    std::deque<Waiter> lost;
    {
      std::lock_guard lock(mutex_);
      if (error_) return;
      error_ = std::make_exception_ptr(stage_error(failure));
      lost = std::move(in_flight_);
      in_flight_.clear();
      for (Submission& s : waiting_) lost.push_back(std::move(s.waiter));
      waiting_.clear();
    }
    arrived_.notify_all();
    room_.notify_all();
    for (Waiter& w : lost)
      if (!w.on_result) w.promise.set_exception(error_);
  }

  const std::shared_ptr<const Model::Impl> model_;
  const std::unique_ptr<Calibration> calibration_;  // the INT8 partitions' scales
  std::vector<PipelineStage> stages_;
  const size_t capacity_;  // submissions waiting to enter, at most
  PipelineOptions runtime_options_;
  Clock::time_point start_;
  std::thread runner_;

  mutable std::mutex mutex_;         // guards everything below
  std::condition_variable arrived_;  // the source: a submission, or the end
  std::condition_variable room_;     // submitters: room to wait in
  std::deque<Submission> waiting_;   // submitted, not yet taken by the first stage
  std::deque<Waiter> in_flight_;     // taken, in frame order
  Handoff current_;                  // the frame the first stage reads in place
  uint64_t submitted_ = 0;
  std::vector<double> latency_ms_, completion_ms_;
  bool closed_ = false;
  std::exception_ptr error_;
  std::optional<PipelineResult> result_;  // once the runner has ended
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

std::future<Tensor> Pipeline::submit(Tensor frame) {
  Waiter waiter;
  std::future<Tensor> result = waiter.promise.get_future();
  impl_->submit(std::move(frame), std::move(waiter));
  return result;
}

void Pipeline::submit(Tensor frame,
                      std::function<void(uint64_t frame, const Tensor& result)> on_result) {
  if (!on_result) fail(ErrorKind::invalid_input, "submit() was given an empty callback");
  Waiter waiter;
  waiter.on_result = std::move(on_result);
  impl_->submit(std::move(frame), std::move(waiter));
}

Stats Pipeline::stats() const { return impl_->stats(); }

void Pipeline::close() {
  if (std::exception_ptr error = impl_->end()) std::rethrow_exception(error);
}

Pipeline Model::pipeline(const Plan& plan, const RunOptions& options) const {
  const Graph& graph = impl_->graph;
  if (plan.model != graph.name)
    fail(ErrorKind::invalid_input,
         "the plan is for model '" + plan.model + "', not '" + graph.name + "'");
  for (const std::string& e : plan.devices)
    if (is_simulated_element(e))
      fail(ErrorKind::invalid_input,
           "element " + e + " is simulated: a plan over it can be read, not run");
  const bool data_parallel = plan.schedule == "data_parallel";
  if (!data_parallel && plan.schedule != "pipeline")
    fail(ErrorKind::invalid_input,
         "plan schedule '" + plan.schedule + "' is not pipeline or data_parallel");
  if (!data_parallel)
    validate_cuts(plan.splits, static_cast<int>(impl_->units.size()), plan.devices.size());
  std::unique_ptr<Calibration> calibration;
  for (const std::string& e : plan.devices)
    if (!calibration && parse_element(e).precision == Precision::int8)
      calibration = std::make_unique<Calibration>(
          calibration_for(graph, {plan.calibration, plan.calibration_method}));
  std::vector<PipelineStage> stages =
      data_parallel ? build_replicas(graph, plan.devices, calibration.get())
                    : build_stages(graph, plan.devices, plan.splits, calibration.get());
  return Pipeline(std::make_unique<Pipeline::Impl>(impl_, std::move(calibration), std::move(stages),
                                                   data_parallel, options));
}

}  // namespace splitinfer::api
