#include "cli/schedule_measurements.h"

#include <algorithm>
#include <cmath>

#include "api/model_impl.h"
#include "cli/plan_runs.h"

namespace splitinfer::cli {

namespace {

void measure_pipeline_at(const api::Model& model, const Planning& planning,
                         const std::vector<int>& cuts, const std::vector<Handoff>& frames,
                         const std::vector<std::vector<float>>& reference, const MeasureOptions& o,
                         ScheduleMeasurements& m) {
  const Graph& graph = model.impl().graph;
  const api::Plan plan = pipeline_plan(graph, planning, cuts);
  const SharedFrames tensors = as_tensors(frames);
  m.pipeline =
      run_plan(model, plan, tensors, {o.frames, o.queue, false, o.stop}, &m.pipeline_outputs);
  // The reference the pipelined frames must match bit for bit: the same
  // partitions compiled apart and run one after another.
  std::vector<PipelineStage> stages =
      build_stages(graph, planning.elements, cuts, planning.calibration.get());
  const std::vector<Handoff> compared(
      frames.begin(), frames.begin() + static_cast<long>(m.pipeline_outputs.size()));
  m.bit_exact_with_stages_in_turn = m.pipeline_outputs == outputs_in_turn(stages, compared);
  m.pipeline_agreement = compare_outputs(m.pipeline_outputs, reference);
  if (m.pipeline.result.stopped) return;
  m.pipeline_unloaded =
      run_plan(model, plan, tensors, {std::min(o.frames, 30), o.queue, true, o.stop}, nullptr);
}

void measure_data_parallel_on(const api::Model& model, const Planning& planning,
                              const std::vector<Handoff>& frames,
                              const std::vector<std::vector<float>>& reference,
                              const MeasureOptions& o, ScheduleMeasurements& m) {
  std::vector<std::vector<float>> outputs;
  m.data_parallel =
      run_plan(model, data_parallel_plan(model.impl().graph, planning), as_tensors(frames),
               {o.frames, data_parallel_queue(m.alone, o.queue), false, o.stop}, &outputs);
  m.data_parallel_agreement = compare_outputs(outputs, reference);
}

}  // namespace

size_t data_parallel_queue(const std::map<std::string, double>& alone_ms, size_t queue) {
  const auto [fastest, slowest] =
      std::minmax_element(alone_ms.begin(), alone_ms.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; });
  return std::max(queue, static_cast<size_t>(std::ceil(slowest->second / fastest->second)) + 1);
}

ScheduleMeasurements measure_schedules(const api::Model& model, const Planning& planning,
                                       const std::vector<int>& cuts,
                                       const std::vector<Handoff>& frames,
                                       const std::vector<std::vector<float>>& reference,
                                       const MeasureOptions& o) {
  const Graph& graph = model.impl().graph;
  ScheduleMeasurements m;
  for (const std::string& e : planning.elements)
    m.alone[e] =
        measure_alone_ms(graph, e, planning.calibration.get(), frames.at(0), 3, o.alone_frames);
  measure_pipeline_at(model, planning, cuts, frames, reference, o, m);
  if (!m.stopped()) measure_data_parallel_on(model, planning, frames, reference, o, m);
  return m;
}

}  // namespace splitinfer::cli
