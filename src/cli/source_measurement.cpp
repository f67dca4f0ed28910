#include "cli/source_measurement.h"

#include <algorithm>

#include "api/model_impl.h"
#include "cli/plan_runs.h"
#include "common/statistics.h"

namespace splitinfer::cli {

namespace {

// Frames kept in memory for the memory-fed runs, cycled.
constexpr size_t kMemoryFrames = 16;
// The source's frames go through in rounds of this many, each followed by a
// round of as many frames from memory, so that both see the same load from
// the rest of the machine; a last round shorter than kShortestRound is run
// but not compared (too few frames for a steady period).
constexpr size_t kRoundFrames = 60;
constexpr size_t kShortestRound = 20;

// Up to `frames` frames from the source through a fresh pipeline of the
// plan; its frames done and steady period.
api::Stats run_from_source(const api::Model& model, const api::Plan& plan, api::FrameSource& source,
                           size_t frames, size_t queue, const std::atomic<bool>* stop) {
  api::Pipeline pipeline = model.pipeline(plan, {queue, 0});
  for (size_t i = 0; i < frames && !(stop && stop->load()); ++i)
    if (std::optional<api::Tensor> frame = source.next()) pipeline.submit(std::move(*frame));
    else break;
  pipeline.close();  // throws a failed stage's Error
  return pipeline.stats();
}

}  // namespace

SourceMeasurement measure_source(const api::Model& model, const Planning& planning,
                                 const Plan& stages, const std::string& path, size_t queue,
                                 const std::atomic<bool>* stop) {
  const api::Plan plan = pipeline_plan(model.impl().graph, planning, stages.cuts);
  SourceMeasurement m;
  m.path = path;
  SharedFrames kept;
  {
    api::FrameSourceOptions one_ahead;
    one_ahead.prefetch = 1;
    api::FrameSource first(path, model, one_ahead);
    while (kept.size() < kMemoryFrames)
      if (std::optional<api::Tensor> frame = first.next())
        kept.push_back(std::make_shared<const api::Tensor>(std::move(*frame)));
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
  std::vector<double> source_ms, memory_ms, ratios;
  for (;;) {
    const api::Stats fed = run_from_source(model, plan, source, kRoundFrames, queue, stop);
    m.frames += fed.frames_done;
    if ((stop && stop->load()) || fed.frames_done < kShortestRound) break;
    const double memory = run_plan(model, plan, kept,
                                   {static_cast<int>(fed.frames_done), queue, false, stop}, nullptr)
                              .period_ms;
    if (stop && stop->load()) break;
    source_ms.push_back(fed.period_ms);
    memory_ms.push_back(memory);
    ratios.push_back(fed.period_ms / memory);
    if (fed.frames_done < kRoundFrames) break;  // the source has ended
  }
  m.decode_ms_median = source.decode_ms_median();
  m.rounds = ratios.size();
  if (ratios.empty()) return m;
  m.period_ms_source = median(source_ms);
  m.period_ms_memory = median(memory_ms);
  m.period_ratio = median(ratios);
  return m;
}

nlohmann::json source_json(const SourceMeasurement& m) {
  return {{"path", m.path},
          {"frames", m.frames},
          {"period_ms_measured", m.period_ms_source},
          {"period_ms_from_memory_measured", m.period_ms_memory},
          {"rounds", m.rounds},
          {"period_ratio_source_over_memory", m.period_ratio},
          {"decode_ms_median_measured", m.decode_ms_median},
          {"decode_element", m.decode_element}};
}

}  // namespace splitinfer::cli
