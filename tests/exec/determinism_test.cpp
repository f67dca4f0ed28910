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
#include <utility>
#include <vector>

#include "common/on_own_thread.h"
#include "exec/backend.h"
#include "exec/calibration.h"
#include "exec/cpu/cpu_features.h"
#include "graph/builder.h"
#include "graph/graph.h"
#include "graph/zoo/zoo.h"

namespace splitinfer {
namespace {

struct Case {
  explicit Case(Graph g) : graph(std::move(g)) {}
  Graph graph;
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
  static const Case c(build_zoo_model("resnet18", 3));
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

// Convolutions whose input channels are no multiple of 4 (1, 18, 33, 50),
// where oneDNN's AMX convolutions block INT8 and BF16 differently.
Case odd_channel_case() {
  GraphBuilder b("odd_channels", 7);
  int x = b.input("input", {1, 1, 56, 56});
  const int64_t widths[] = {18, 33, 50, 66};
  for (int i = 0; i < 4; ++i) {
    const std::string name = "conv" + std::to_string(i);
    x = b.relu(b.conv(x, name, widths[i], i % 2 ? 1 : 3, 1, i % 2 ? 0 : 1), name + ".relu");
  }
  x = b.flatten(b.global_avg_pool(x, "avgpool"), "", "flatten");
  b.output(b.linear(x, "fc", 10));
  return Case(b.finish());
}

// Partitions of two precisions compiled at the same moment on two threads,
// as the profiler compiles an INT8 and a BF16 element's ranges. oneDNN 2.6
// chooses an AMX convolution's blocking through a static that all threads
// share (brg_blocking_t::last_ic_block_size: 4 for INT8, 2 for BF16); two
// created together could take each other's and write past their buffers,
// which crashed `predict dataset --devices cpu0:int8,cpu1:bf16` about one
// run in three.
TEST(Determinism, Int8AndBf16CompiledTogetherAgree) {
  if (!cpu::offers(cpu::this_cpu(), Precision::bf16)) GTEST_SKIP() << "needs a BF16 element";
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs cpu0 and cpu1";
  const Case c = odd_channel_case();
  const std::string elements[2] = {"cpu0:int8", "cpu1:bf16"};
  const auto output = [&](int e) {
    return bytes_of(c.compile(elements[e], 0, c.units)->run(c.input));
  };
  const std::vector<uint8_t> want[2] = {output(0), output(1)};  // each compiled alone
  int mismatches[2] = {0, 0};
  std::thread compilers[2];
  for (int e = 0; e < 2; ++e)
    compilers[e] = std::thread([&, e] {
      enter_element(parse_element(elements[e]));
      for (int round = 0; round < 300; ++round) mismatches[e] += output(e) != want[e];
    });
  for (auto& t : compilers) t.join();
  EXPECT_EQ(mismatches[0], 0) << elements[0];
  EXPECT_EQ(mismatches[1], 0) << elements[1];
}

}  // namespace
}  // namespace splitinfer
