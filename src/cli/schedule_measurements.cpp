#include "cli/schedule_measurements.h"

#include <algorithm>
#include <cmath>

#include "api/model_impl.h"
#include "cli/plan_runs.h"
#include "common/alternate_rounds.h"

namespace splitinfer::cli {

namespace {

// One more round of a schedule into the measurement of all its rounds: the
// period the median of the rounds' periods, frames, latencies and stage
// times pooled, the feeding thread's CPU per frame averaged over frames.
void add_round(const PipelineMeasurement& round, PipelineMeasurement& all,
               std::vector<double>& round_periods) {
  round_periods.push_back(round.period_ms);
  all.period_ms = median(round_periods);
  PipelineResult& sum = all.result;
  const PipelineResult& r = round.result;
  const auto before = static_cast<double>(sum.frames_done);
  sum.frames_done += r.frames_done;
  if (sum.frames_done > 0)
    all.producer_cpu_ms_per_frame =
        (all.producer_cpu_ms_per_frame * before +
         round.producer_cpu_ms_per_frame * static_cast<double>(r.frames_done)) /
        static_cast<double>(sum.frames_done);
  sum.stopped = sum.stopped || r.stopped;
  sum.latency_ms.insert(sum.latency_ms.end(), r.latency_ms.begin(), r.latency_ms.end());
  if (sum.stage_ms.size() < r.stage_ms.size()) sum.stage_ms.resize(r.stage_ms.size());
  for (size_t k = 0; k < r.stage_ms.size(); ++k)
    sum.stage_ms[k].insert(sum.stage_ms[k].end(), r.stage_ms[k].begin(), r.stage_ms[k].end());
}

// One round of the pipeline, through a pipeline of its own; the first keeps
// its outputs.
void pipeline_round(const api::Model& model, const Contender& pipeline, const SharedFrames& tensors,
                    ScheduleMeasurements& m) {
  const bool first = m.pipeline_rounds_ms.empty();
  add_round(run_plan(model, pipeline.plan, tensors, pipeline.options,
                     first ? &m.pipeline_outputs : nullptr),
            m.pipeline, m.pipeline_rounds_ms);
}

// One round of data-parallel; the first keeps its outputs for the agreement.
void data_parallel_round(const api::Model& model, const Contender& data_parallel,
                         const SharedFrames& tensors,
                         const std::vector<std::vector<float>>& reference,
                         ScheduleMeasurements& m) {
  const bool first = m.data_parallel_rounds_ms.empty();
  std::vector<std::vector<float>> outputs;
  add_round(run_plan(model, data_parallel.plan, tensors, data_parallel.options,
                     first ? &outputs : nullptr),
            m.data_parallel, m.data_parallel_rounds_ms);
  if (first) m.data_parallel_agreement = compare_outputs(outputs, reference);
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
  const Contender pipeline{pipeline_plan(graph, planning, cuts),
                           {o.frames, o.queue, false, o.stop}};
  const Contender data_parallel{data_parallel_plan(graph, planning),
                                {o.frames, data_parallel_queue(m.alone, o.queue), false, o.stop}};
  const SharedFrames tensors = as_tensors(frames);
  alternate_rounds(
      std::max(o.rounds, 1), [&] { return m.stopped(); },
      [&] { pipeline_round(model, pipeline, tensors, m); },
      [&] { data_parallel_round(model, data_parallel, tensors, reference, m); });
  // The reference the pipelined frames must match bit for bit: the same
  // partitions compiled apart and run one after another.
  std::vector<PipelineStage> stages =
      build_stages(graph, planning.elements, cuts, planning.calibration.get());
  const std::vector<Handoff> compared(
      frames.begin(), frames.begin() + static_cast<long>(m.pipeline_outputs.size()));
  m.bit_exact_with_stages_in_turn = m.pipeline_outputs == outputs_in_turn(stages, compared);
  m.pipeline_agreement = compare_outputs(m.pipeline_outputs, reference);
  if (!m.stopped())
    m.pipeline_unloaded = run_plan(model, pipeline.plan, tensors,
                                   {std::min(o.frames, 30), o.queue, true, o.stop}, nullptr);
  return m;
}

}  // namespace splitinfer::cli
