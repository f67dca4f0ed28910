#include "cli/schedule_measurements.h"

#include <algorithm>
#include <cmath>

namespace splitinfer::cli {

namespace {

void measure_pipeline_at(const Graph& graph, const Planning& planning, const std::vector<int>& cuts,
                         const std::vector<Handoff>& frames,
                         const std::vector<std::vector<float>>& reference, const MeasureOptions& o,
                         ScheduleMeasurements& m) {
  std::vector<PipelineStage> stages =
      build_stages(graph, planning.elements, cuts, planning.calibration.get());
  std::vector<Handoff> outputs;
  m.pipeline = measure_pipeline(stages, frames, o.frames, {o.queue, o.stop}, &outputs);
  if (m.pipeline.result.failure) fail_stage(*m.pipeline.result.failure);
  m.pipeline_outputs = as_floats(outputs);
  const std::vector<Handoff> compared(
      frames.begin(), frames.begin() + static_cast<long>(m.pipeline_outputs.size()));
  m.bit_exact_with_stages_in_turn = m.pipeline_outputs == outputs_in_turn(stages, compared);
  m.pipeline_agreement = compare_outputs(m.pipeline_outputs, reference);
  if (m.pipeline.result.stopped) return;
  PipelineOptions one_at_a_time{o.queue, o.stop};
  one_at_a_time.max_in_flight = 1;
  m.pipeline_unloaded =
      measure_pipeline(stages, frames, std::min(o.frames, 30), one_at_a_time, nullptr);
  if (m.pipeline_unloaded.result.failure) fail_stage(*m.pipeline_unloaded.result.failure);
}

// A replica k times slower than the fastest holds an old frame while the
// fastest finishes k more: the reorder buffer must hold them, or the fast
// replica waits for buffer room.
void measure_data_parallel_on(const Graph& graph, const Planning& planning,
                              const std::vector<Handoff>& frames,
                              const std::vector<std::vector<float>>& reference,
                              const MeasureOptions& o, ScheduleMeasurements& m) {
  std::vector<PipelineStage> replicas =
      build_replicas(graph, planning.elements, planning.calibration.get());
  const auto [fastest, slowest] =
      std::minmax_element(m.alone.begin(), m.alone.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; });
  const size_t reorder_depth =
      std::max(o.queue, static_cast<size_t>(std::ceil(slowest->second / fastest->second)) + 1);
  std::vector<Handoff> outputs;
  m.data_parallel =
      measure_data_parallel(replicas, frames, o.frames, {reorder_depth, o.stop}, &outputs);
  if (m.data_parallel.result.failure) fail_stage(*m.data_parallel.result.failure);
  m.data_parallel_agreement = compare_outputs(as_floats(outputs), reference);
}

}  // namespace

[[noreturn]] void fail_stage(const StageFailure& f) { throw stage_error(f); }

ScheduleMeasurements measure_schedules(const Graph& graph, const Planning& planning,
                                       const std::vector<int>& cuts,
                                       const std::vector<Handoff>& frames,
                                       const std::vector<std::vector<float>>& reference,
                                       const MeasureOptions& o) {
  ScheduleMeasurements m;
  for (const std::string& e : planning.elements)
    m.alone[e] =
        measure_alone_ms(graph, e, planning.calibration.get(), frames.at(0), 3, o.alone_frames);
  measure_pipeline_at(graph, planning, cuts, frames, reference, o, m);
  if (!m.stopped()) measure_data_parallel_on(graph, planning, frames, reference, o, m);
  return m;
}

}  // namespace splitinfer::cli
