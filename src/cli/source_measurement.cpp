#include "cli/source_measurement.h"

#include "cli/schedule_measurements.h"
#include "common/statistics.h"
#include "runtime/prefetched_frames.h"
#include "runtime/split_runner.h"
#include "source/input_stream.h"

namespace splitinfer::cli {

namespace {

// Frames kept in memory for the memory-fed run, cycled.
constexpr size_t kMemoryFrames = 16;

}  // namespace

SourceMeasurement measure_source(const Graph& graph, const Planning& planning,
                                 const std::vector<int>& cuts, const std::string& path,
                                 size_t queue, const std::atomic<bool>* stop) {
  const Shape& shape = graph.tensor(graph.inputs.at(0)).shape;
  SourceMeasurement m;
  m.path = path;
  std::vector<Handoff> kept;
  {
    InputStream stream(path, shape);
    while (kept.size() < kMemoryFrames)
      if (std::optional<Handoff> frame = stream.next()) kept.push_back(std::move(*frame));
      else break;
  }
  std::vector<PipelineStage> stages =
      build_stages(graph, planning.elements, cuts, planning.calibration.get());
  InputStream stream(path, shape);
  PrefetchedFrames prefetched([&stream] { return stream.next(); }, queue + 2);
  const PipelineMeasurement fed = measure_pipeline_fed(
      stages, [&prefetched](uint64_t) { return prefetched.next(); }, {queue, stop});
  if (fed.result.failure) fail_stage(*fed.result.failure);
  m.frames = fed.result.frames_done;
  m.period_ms_source = fed.period_ms;
  const std::vector<double> decode = prefetched.produce_ms();
  m.decode_ms_median = decode.empty() ? 0.0 : median(decode);
  if (fed.result.stopped || m.frames == 0) return m;
  const PipelineMeasurement memory =
      measure_pipeline(stages, kept, static_cast<int>(m.frames), {queue, stop}, nullptr);
  if (memory.result.failure) fail_stage(*memory.result.failure);
  m.period_ms_memory = memory.period_ms;
  return m;
}

nlohmann::json source_json(const SourceMeasurement& m) {
  return {{"path", m.path},
          {"frames", m.frames},
          {"period_ms_measured", m.period_ms_source},
          {"period_ms_from_memory_measured", m.period_ms_memory},
          {"period_ratio_source_over_memory",
           m.period_ms_memory > 0 ? m.period_ms_source / m.period_ms_memory : 0.0},
          {"decode_ms_median_measured", m.decode_ms_median}};
}

}  // namespace splitinfer::cli
