#include "runtime/split_runner.h"

#include <exception>
#include <thread>

#include "exec/backend.h"
#include "graph/units.h"
#include "profile/timing.h"

namespace splitinfer {

namespace {

// Runs `work` on a fresh thread and rethrows what it threw.
template <typename Work>
void on_own_thread(Work work) {
  std::exception_ptr error;
  std::thread([&] {
    try {
      work();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

std::vector<PipelineStage> build_stages(const Graph& graph, const std::vector<std::string>& elements,
                                        const std::vector<int>& cuts, const Calibration* calibration) {
  const int n = static_cast<int>(split_units(graph).size());
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

Handoff run_stages_in_turn(std::vector<PipelineStage>& stages, const Handoff& input) {
  Handoff h = input;
  for (PipelineStage& stage : stages)
    on_own_thread([&] {
      if (stage.enter) stage.enter();
      h = stage.partition->run(h);
    });
  return h;
}

double measure_alone_ms(const Graph& graph, const std::string& element_name,
                        const Calibration* calibration, const Handoff& input, int warmup, int frames) {
  double ms = 0.0;
  on_own_thread([&] {
    const auto backend = make_backend(element_name);
    const Element& element = backend->element();
    enter_element(element);
    const auto whole = backend->compile({&graph, 0, static_cast<int>(split_units(graph).size()),
                                         element.precision == Precision::int8 ? calibration : nullptr});
    ms = time_runs([&] { whole->run(input); }, warmup, frames).median_ms;
  });
  return ms;
}

}  // namespace splitinfer
