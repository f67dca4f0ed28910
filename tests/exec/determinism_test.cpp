// Same input, same output: a compiled partition gives bit-identical results
// whichever thread runs it and whatever other partitions are created or
// destroyed around it. A pipeline compiles each stage on a short-lived
// thread and runs it on a worker; with oneDNN's default scratchpad (one per
// creating thread, looked up by the running thread) that produced different
// INT8 outputs from one process to the next.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/on_own_thread.h"
#include "exec/backend.h"
#include "exec/calibration.h"
#include "graph/units.h"
#include "graph/zoo/zoo.h"

namespace splitinfer {
namespace {

struct Case {
  Graph graph = build_zoo_model("resnet18", 3);
  Calibration calibration = calibrate(graph, synthetic_calibration_inputs(graph, 4, 100),
                                      CalibrationMethod::percentile);
  Handoff input = Handoff::from_floats(graph.tensor(graph.inputs.at(0)).shape,
                                       synthetic_calibration_inputs(graph, 1, 200).at(0));
  int units = static_cast<int>(split_units(graph).size());

  std::unique_ptr<Partition> compile(const std::string& element, int first, int last) const {
    return make_backend(element)->compile({&graph, first, last, &calibration});
  }
};

const Case& resnet18() {
  static const Case c;
  return c;
}

std::vector<uint8_t> bytes_of(const Handoff& h) {
  if (h.is_quantized()) return {h.codes().begin(), h.codes().end()};
  const auto* p = reinterpret_cast<const uint8_t*>(h.floats().data());
  return {p, p + h.floats().size_bytes()};
}

// Compiles on a thread that then exits, and runs on other threads that
// compile, run and destroy other partitions in between.
void expect_thread_independent(const std::string& element, int first, int last) {
  const Case& c = resnet18();
  const Handoff input = first == 0 ? c.input : c.compile("cpu0:int8", 0, first)->run(c.input);
  const std::vector<uint8_t> want = bytes_of(c.compile(element, first, last)->run(input));

  std::unique_ptr<Partition> moved;
  on_own_thread([&] { moved = c.compile(element, first, last); });
  for (int round = 0; round < 3; ++round)
    on_own_thread([&] {
      auto other = c.compile("cpu0:int8", 0, 2 + round);  // a smaller partition on this thread
      other->run(c.input);
      EXPECT_EQ(bytes_of(moved->run(input)), want) << element << " round " << round << ", beside";
      other.reset();
      EXPECT_EQ(bytes_of(moved->run(input)), want) << element << " round " << round << ", after";
    });
}

TEST(Determinism, Int8WholeModelIsThreadIndependent) {
  expect_thread_independent("cpu0:int8", 0, resnet18().units);
}

TEST(Determinism, Fp32SuffixIsThreadIndependent) {
  expect_thread_independent("cpu0:fp32", 11, resnet18().units);
}

TEST(Determinism, Int8SuffixIsThreadIndependent) {
  expect_thread_independent("cpu0:int8", 11, resnet18().units);
}

}  // namespace
}  // namespace splitinfer
