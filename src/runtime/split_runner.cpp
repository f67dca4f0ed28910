#include "runtime/split_runner.h"

#include <algorithm>

#include "common/on_own_thread.h"
#include "exec/backend.h"
#include "exec/image_input.h"
#include "graph/graph.h"
#include "profile/timing.h"

namespace splitinfer {

std::vector<PipelineStage> build_stages(const Graph& graph,
                                        const std::vector<std::string>& elements,
                                        const std::vector<int>& cuts,
                                        const Calibration* calibration) {
  const int n = static_cast<int>(graph.units.size());
  std::vector<PipelineStage> stages;
  for (size_t k = 0; k < elements.size(); ++k) {
    const int first = k == 0 ? 0 : cuts.at(k - 1);
    const int last = k + 1 == elements.size() ? n : cuts.at(k);
    if (first == last) continue;
    const auto backend = make_backend(elements[k]);
    const Element element = backend->element();
    const bool int8 = element.precision == Precision::int8;
    // oneDNN shapes a primitive for the threads it may use when it is
    // created, so a stage is compiled where it will run.
    std::unique_ptr<Partition> partition;
    on_own_thread([&] {
      enter_element(element);
      partition = backend->compile({&graph, first, last, int8 ? calibration : nullptr});
    });
    stages.push_back({element.name, [element] { enter_element(element); }, std::move(partition)});
  }
  return stages;
}

std::vector<PipelineStage> build_replicas(const Graph& graph,
                                          const std::vector<std::string>& elements,
                                          const Calibration* calibration) {
  std::vector<PipelineStage> replicas;
  for (const std::string& element : elements) {
    // One element and no cuts: a single stage over every unit.
    std::vector<PipelineStage> whole = build_stages(graph, {element}, {}, calibration);
    replicas.push_back(std::move(whole.at(0)));
  }
  return replicas;
}

std::vector<Handoff> input_frames(const Graph& graph, const std::string& path) {
  const Shape& shape = graph.tensor(graph.inputs.at(0)).shape;
  std::vector<Handoff> frames;
  if (!path.empty()) {
    frames.push_back(Handoff::from_floats(shape, read_input_file(path, shape)));
    return frames;
  }
  for (auto& x : synthetic_calibration_inputs(graph, 8, 777))
    frames.push_back(Handoff::from_floats(shape, std::move(x)));
  return frames;
}

PipelineMeasurement measure_pipeline(std::vector<PipelineStage>& stages,
                                     const std::vector<Handoff>& frames, int count,
                                     const PipelineOptions& options,
                                     std::vector<Handoff>* first_outputs) {
  PipelineMeasurement m;
  m.result = run_pipeline(
      stages, static_cast<uint64_t>(count),
      [&](uint64_t seq) -> const Handoff* { return &frames[seq % frames.size()]; },
      [&](uint64_t seq, const Handoff& out) {
        if (first_outputs && seq < frames.size()) first_outputs->push_back(out);
      },
      options);
  m.period_ms = steady_period_ms(m.result, std::min<size_t>(10, static_cast<size_t>(count) / 10));
  return m;
}

Handoff run_stages_in_turn(std::vector<PipelineStage>& stages, const Handoff& input) {
  Handoff h = input;
  for (PipelineStage& stage : stages)
    on_own_thread([&] {
      if (stage.enter) stage.enter();
      h = stage.partition->run(h);
    });
  return h;
}

std::vector<std::vector<float>> outputs_in_turn(std::vector<PipelineStage>& stages,
                                                const std::vector<Handoff>& frames) {
  std::vector<std::vector<float>> outputs;
  for (const Handoff& f : frames) outputs.push_back(run_stages_in_turn(stages, f).to_floats());
  return outputs;
}

double measure_alone_ms(const Graph& graph, const std::string& element_name,
                        const Calibration* calibration, const Handoff& input, int warmup,
                        int frames) {
  double ms = 0.0;
  on_own_thread([&] {
    const auto backend = make_backend(element_name);
    const Element& element = backend->element();
    enter_element(element);
    const auto whole = backend->compile(
        whole_model(graph, element.precision == Precision::int8 ? calibration : nullptr));
    ms = time_runs([&] { whole->run(input); }, warmup, frames).median_ms;
  });
  return ms;
}

}  // namespace splitinfer
