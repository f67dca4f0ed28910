#include "cli/source_measurement.h"

#include <algorithm>

#include "api/model_impl.h"
#include "cli/plan_runs.h"

namespace splitinfer::cli {

namespace {

// Frames kept in memory for the memory-fed run, cycled.
constexpr size_t kMemoryFrames = 16;

}  // namespace

SourceMeasurement measure_source(const api::Model& model, const Planning& planning,
                                 const Plan& stages, const std::string& path, size_t queue,
                                 const std::atomic<bool>* stop) {
  const api::Plan plan = pipeline_plan(model.impl().graph, planning, stages.cuts);
  SourceMeasurement m;
  m.path = path;
  std::vector<api::Tensor> kept;
  {
    api::FrameSourceOptions one_ahead;
    one_ahead.prefetch = 1;
    api::FrameSource first(path, model, one_ahead);
    while (kept.size() < kMemoryFrames)
      if (std::optional<api::Tensor> frame = first.next()) kept.push_back(std::move(*frame));
      else break;
  }
  const auto idlest = std::min_element(
      stages.stages.begin(), stages.stages.end(),
      [](const StagePlan& a, const StagePlan& b) { return a.total_ms() < b.total_ms(); });
  api::FrameSourceOptions options;
  options.prefetch = queue + 2;
  if (idlest != stages.stages.end()) options.element = idlest->element;
  m.decode_element = options.element;
  api::FrameSource source(path, model, options);
  api::Pipeline pipeline = model.pipeline(plan, {queue, 0});
  while (!(stop && stop->load()))
    if (std::optional<api::Tensor> frame = source.next()) pipeline.submit(std::move(*frame));
    else break;
  pipeline.close();  // throws a failed stage's Error
  const api::Stats fed = pipeline.stats();
  m.frames = fed.frames_done;
  m.period_ms_source = fed.period_ms;
  m.decode_ms_median = source.decode_ms_median();
  if ((stop && stop->load()) || m.frames == 0) return m;
  m.period_ms_memory =
      run_plan(model, plan, kept, {static_cast<int>(m.frames), queue, false, stop}, nullptr)
          .period_ms;
  return m;
}

nlohmann::json source_json(const SourceMeasurement& m) {
  return {{"path", m.path},
          {"frames", m.frames},
          {"period_ms_measured", m.period_ms_source},
          {"period_ms_from_memory_measured", m.period_ms_memory},
          {"period_ratio_source_over_memory",
           m.period_ms_memory > 0 ? m.period_ms_source / m.period_ms_memory : 0.0},
          {"decode_ms_median_measured", m.decode_ms_median},
          {"decode_element", m.decode_element}};
}

}  // namespace splitinfer::cli
