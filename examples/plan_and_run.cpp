// Plans a model over the elements given and runs the plan on random frames
// through the public C++ API, then prints what was planned (predicted) and
// what was measured. Built against the installed package
// (examples/CMakeLists.txt; tests/api/installed_example_test.sh builds it
// with CMake and with pkg-config):
//
//   plan_and_run MODEL ELEMENTS [FRAMES]   e.g. plan_and_run resnet18 cpu0:int8,cpu1:fp32 200
#include <cstdio>
#include <future>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "splitinfer/splitinfer.h"

namespace si = splitinfer::api;

namespace {

std::vector<std::string> comma_separated(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) items.push_back(item);
  return items;
}

si::Tensor random_frame(const std::vector<int64_t>& shape, std::mt19937& rng) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  std::normal_distribution<float> normal;
  si::Tensor t{shape, std::vector<float>(static_cast<size_t>(count))};
  for (float& v : t.values) v = normal(rng);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: plan_and_run MODEL ELEMENTS [FRAMES]\n";
    return 2;
  }
  try {
    const si::Model model = si::Model::load(argv[1]);
    const si::ModelInfo info = model.inspect();
    si::PlanOptions options;
    options.devices = comma_separated(argv[2]);
    const si::Plan plan = model.plan(options);
    std::printf("%s over %s: %s, splits", info.name.c_str(), argv[2], plan.schedule.c_str());
    for (int s : plan.splits) std::printf(" %d", s);
    std::printf(", period %.3f ms (predicted)\n", plan.period_ms_predicted);

    const int frames = argc > 3 ? std::stoi(argv[3]) : 100;
    std::mt19937 rng(7);
    si::Pipeline pipeline = model.pipeline(plan);
    std::vector<std::future<si::Tensor>> results;
    for (int i = 0; i < frames; ++i)
      results.push_back(pipeline.submit(random_frame(info.inputs.at(0).shape, rng)));
    size_t values = 0;
    for (auto& r : results) values += r.get().values.size();
    pipeline.close();

    const si::Stats stats = pipeline.stats();
    std::printf(
        "%llu frames, %zu output values: period %.3f ms, latency p50 %.3f ms, p99 %.3f ms "
        "(measured)\n",
        static_cast<unsigned long long>(stats.frames_done), values, stats.period_ms,
        stats.latency_ms_p50, stats.latency_ms_p99);
    for (const si::StageStats& s : stats.stages)
      std::printf("  %-10s %llu frames, %.3f ms per frame (measured)\n", s.element.c_str(),
                  static_cast<unsigned long long>(s.frames), s.ms_median);
  } catch (const splitinfer::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
