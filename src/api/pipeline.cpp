// The public Pipeline (include/splitinfer/splitinfer.h): a plan's schedule
// compiled on its elements and run as a FrameStream (runtime/frame_stream.h),
// with tensors in and out and a future or a callback per frame.
#include <algorithm>

#include "api/model_impl.h"
#include "common/error.h"
#include "common/statistics.h"
#include "exec/element.h"
#include "runtime/frame_stream.h"
#include "runtime/split_runner.h"
#include "workflow/planning.h"

namespace splitinfer::api {

struct Pipeline::Impl {
  Impl(std::shared_ptr<const Model::Impl> model, std::unique_ptr<Calibration> calibration,
       std::vector<PipelineStage> stages, FrameStream::Schedule schedule, const RunOptions& options)
      : model(std::move(model)),
        calibration(std::move(calibration)),
        stream(std::move(stages), schedule, options.queue_capacity, options.max_in_flight) {}

  const std::shared_ptr<const Model::Impl> model;
  const std::unique_ptr<Calibration> calibration;  // the INT8 partitions' scales
  FrameStream stream;                              // after what its partitions use
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

std::future<Tensor> Pipeline::submit(Tensor frame) {
  return submit(std::make_shared<const Tensor>(std::move(frame)));
}

void Pipeline::submit(Tensor frame,
                      std::function<void(uint64_t frame, const Tensor& result)> on_result) {
  submit(std::make_shared<const Tensor>(std::move(frame)), std::move(on_result));
}

std::future<Tensor> Pipeline::submit(std::shared_ptr<const Tensor> frame) {
  auto promise = std::make_shared<std::promise<Tensor>>();
  std::future<Tensor> result = promise->get_future();
  impl_->stream.submit(input_handoff(impl_->model->graph, std::move(frame)),
                       [promise](uint64_t, const Handoff* out, std::exception_ptr error) {
                         if (error) promise->set_exception(error);
                         else promise->set_value(to_tensor(*out));
                       });
  return result;
}

void Pipeline::submit(std::shared_ptr<const Tensor> frame,
                      std::function<void(uint64_t frame, const Tensor& result)> on_result) {
  if (!on_result) fail(ErrorKind::invalid_input, "submit() was given an empty callback");
  // A lost frame is not called back: close() reports the failure.
  impl_->stream.submit(
      input_handoff(impl_->model->graph, std::move(frame)),
      [on_result = std::move(on_result)](uint64_t seq, const Handoff* out, std::exception_ptr) {
        if (out) on_result(seq, to_tensor(*out));
      });
}

Stats Pipeline::stats() const {
  const FrameStreamStats f = impl_->stream.stats();
  Stats s;
  s.frames_submitted = f.submitted;
  s.frames_done = f.completion_ms.size();
  if (s.frames_done >= 2)
    s.period_ms = steady_period_ms(f.completion_ms, std::min<size_t>(10, s.frames_done / 10));
  s.latency_ms = f.latency_ms;
  std::vector<double> sorted = f.latency_ms;
  std::sort(sorted.begin(), sorted.end());
  if (!sorted.empty()) {
    s.latency_ms_p50 = percentile(sorted, 0.5);
    s.latency_ms_p90 = percentile(sorted, 0.9);
    s.latency_ms_p99 = percentile(sorted, 0.99);
  }
  const std::vector<PipelineStage>& stages = impl_->stream.stages();
  for (size_t k = 0; k < f.stage_ms.size() && k < stages.size(); ++k)
    s.stages.push_back({stages[k].name, f.stage_ms[k].size(),
                        f.stage_ms[k].empty() ? 0.0 : median(f.stage_ms[k]), f.stage_ms[k]});
  return s;
}

void Pipeline::close() {
  if (std::exception_ptr error = impl_->stream.end()) std::rethrow_exception(error);
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
    validate_cuts(plan.splits, static_cast<int>(graph.units.size()), plan.devices.size());
  std::unique_ptr<Calibration> calibration;
  for (const std::string& e : plan.devices)
    if (!calibration && parse_element(e).precision == Precision::int8)
      calibration = std::make_unique<Calibration>(
          calibration_for(graph, {plan.calibration, plan.calibration_method}));
  std::vector<PipelineStage> stages =
      data_parallel ? build_replicas(graph, plan.devices, calibration.get())
                    : build_stages(graph, plan.devices, plan.splits, calibration.get());
  return Pipeline(std::make_unique<Pipeline::Impl>(
      impl_, std::move(calibration), std::move(stages),
      data_parallel ? FrameStream::Schedule::data_parallel : FrameStream::Schedule::pipeline,
      options));
}

}  // namespace splitinfer::api
