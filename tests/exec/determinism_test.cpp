// Same input, same output: a compiled partition gives bit-identical results
// whichever thread runs it and whatever other partitions are created or
// destroyed around it. A pipeline compiles each stage on a short-lived
// thread and runs it on a worker; with oneDNN's default scratchpad (one per
// creating thread, looked up by the running thread) that produced different
// INT8 outputs from one process to the next.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/on_own_thread.h"
#include "exec/backend.h"
#include "exec/calibration.h"
#include "graph/graph.h"
#include "graph/zoo/zoo.h"

namespace splitinfer {
namespace {

struct Case {
  Graph graph = build_zoo_model("resnet18", 3);
  Calibration calibration =
      calibrate(graph, synthetic_calibration_inputs(graph, 4, 100), CalibrationMethod::percentile);
  Handoff input = Handoff::from_floats(graph.tensor(graph.inputs.at(0)).shape,
                                       synthetic_calibration_inputs(graph, 1, 200).at(0));
  int units = static_cast<int>(graph.units.size());

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

// Two partitions with identical primitives, each compiled on its own
// element and run at the same time, as the profiler and a pipeline do. With
// oneDNN's primitive cache they shared primitive objects, and on AMX
// machines a shared primitive run on two threads at once gave wrong results.
void expect_concurrent_copies_agree(const std::string& precision, int first, int last) {
  const Case& c = resnet18();
  const Handoff input = first == 0 ? c.input : c.compile("cpu0:int8", 0, first)->run(c.input);
  const std::vector<uint8_t> want =
      bytes_of(c.compile("cpu0:" + precision, first, last)->run(input));
  std::unique_ptr<Partition> copies[2];
  for (int core = 0; core < 2; ++core)
    on_own_thread([&] {
      const auto backend = make_backend("cpu" + std::to_string(core) + ":" + precision);
      enter_element(backend->element());
      copies[core] = backend->compile({&c.graph, first, last, &c.calibration});
    });
  int mismatches[2] = {0, 0};
  std::thread runners[2];
  for (int core = 0; core < 2; ++core)
    runners[core] = std::thread([&, core] {
      enter_element(make_backend("cpu" + std::to_string(core) + ":" + precision)->element());
      for (int i = 0; i < 20; ++i) mismatches[core] += bytes_of(copies[core]->run(input)) != want;
    });
  for (auto& r : runners) r.join();
  EXPECT_EQ(mismatches[0], 0) << precision << " on cpu0";
  EXPECT_EQ(mismatches[1], 0) << precision << " on cpu1";
}

TEST(Determinism, ConcurrentInt8CopiesAgree) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs cpu0 and cpu1";
  expect_concurrent_copies_agree("int8", 0, resnet18().units);
}

TEST(Determinism, ConcurrentFp32CopiesAgree) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs cpu0 and cpu1";
  expect_concurrent_copies_agree("fp32", 11, resnet18().units);
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
