#include "cli/plan_runs.h"

#include <future>

#include "common/clock.h"

namespace splitinfer::cli {

namespace {

api::Plan plan_over(const Graph& graph, const Planning& planning) {
  api::Plan plan;
  plan.model = graph.name;
  plan.devices = planning.elements;
  plan.calibration = planning.calibration_options.inputs;
  plan.calibration_method = planning.calibration_options.method;
  return plan;
}

}  // namespace

api::Plan pipeline_plan(const Graph& graph, const Planning& planning,
                        const std::vector<int>& cuts) {
  api::Plan plan = plan_over(graph, planning);
  plan.schedule = "pipeline";
  plan.splits = cuts;
  return plan;
}

api::Plan data_parallel_plan(const Graph& graph, const Planning& planning) {
  api::Plan plan = plan_over(graph, planning);
  plan.schedule = "data_parallel";
  return plan;
}

SharedFrames as_tensors(const std::vector<Handoff>& frames) {
  SharedFrames tensors;
  for (const Handoff& h : frames)
    tensors.push_back(std::make_shared<const api::Tensor>(api::Tensor{h.shape(), h.to_floats()}));
  return tensors;
}

PipelineMeasurement run_plan(const api::Model& model, const api::Plan& plan,
                             const SharedFrames& frames, const PlanRunOptions& o,
                             std::vector<std::vector<float>>* first_outputs) {
  api::Pipeline pipeline = model.pipeline(plan, {o.queue, 0});
  std::vector<std::future<api::Tensor>> kept;
  PipelineMeasurement m;
  const double cpu_before = thread_cpu_ms();
  int submitted = 0;
  for (int i = 0; i < o.frames; ++i) {
    if (o.stop && o.stop->load()) {
      m.result.stopped = true;
      break;
    }
    std::future<api::Tensor> result =
        pipeline.submit(frames[static_cast<size_t>(i) % frames.size()]);
    if (o.one_at_a_time) result.wait();
    if (first_outputs && kept.size() < frames.size()) kept.push_back(std::move(result));
    ++submitted;
  }
  if (submitted > 0) m.producer_cpu_ms_per_frame = (thread_cpu_ms() - cpu_before) / submitted;
  pipeline.close();  // throws a failed stage's Error
  if (first_outputs)
    for (std::future<api::Tensor>& f : kept) first_outputs->push_back(f.get().values);
  const api::Stats stats = pipeline.stats();
  m.period_ms = stats.period_ms;
  m.result.frames_done = stats.frames_done;
  m.result.latency_ms = stats.latency_ms;
  for (const api::StageStats& stage : stats.stages) m.result.stage_ms.push_back(stage.frame_ms);
  return m;
}

}  // namespace splitinfer::cli
