// A compiled partition's steady state makes nothing: after warm-up frames,
// running frames allocates no heap memory and creates no oneDNN primitive,
// for FP32, INT8 and BF16, whole models and a suffix fed INT8 codes.
//
// Counting is done by replacing the global operator new of this test binary
// (counting only while a test asks) and by standing in for oneDNN's
// dnnl_primitive_create and dnnl_primitive_execute (forwarding to the
// library's). Every allocation in the process while counting is counted;
// those made while oneDNN executes a primitive are oneDNN's own (2.6 builds
// an argument map inside every execute, which its API gives no way to avoid)
// and are counted apart; everything else must be zero.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <oneapi/dnnl/dnnl.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "exec/backend.h"
#include "exec/calibration.h"
#include "exec/cpu/cpu_features.h"
#include "graph/graph.h"
#include "graph/zoo/zoo.h"

namespace {

std::atomic<bool> counting{false};
std::atomic<int> inside_onednn{0};  // threads inside dnnl_primitive_execute now
std::atomic<long> allocations{0};   // outside oneDNN's execute
std::atomic<long> onednn_allocations{0};
std::atomic<long> primitive_creations{0};

void* counted_alloc(std::size_t size, std::size_t alignment) {
  if (counting.load(std::memory_order_relaxed))
    (inside_onednn.load() > 0 ? onednn_allocations : allocations).fetch_add(1);
  if (size == 0) size = 1;
  return alignment <= alignof(std::max_align_t)
             ? std::malloc(size)
             : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
}

template <typename F>
F library_function(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

void* operator new(std::size_t size) {
  if (void* p = counted_alloc(size, 0)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, std::align_val_t a) {
  if (void* p = counted_alloc(size, static_cast<std::size_t>(a))) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t a) { return operator new(size, a); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return counted_alloc(size, 0);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return counted_alloc(size, 0);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// splitinfer's calls into oneDNN land here and go on to the library's.
extern "C" dnnl_status_t dnnl_primitive_create(dnnl_primitive_t* primitive,
                                               const_dnnl_primitive_desc_t desc) {
  using Create = dnnl_status_t (*)(dnnl_primitive_t*, const_dnnl_primitive_desc_t);
  static const auto library = library_function<Create>("dnnl_primitive_create");
  if (counting.load(std::memory_order_relaxed)) primitive_creations.fetch_add(1);
  return library(primitive, desc);
}

extern "C" dnnl_status_t dnnl_primitive_execute(const_dnnl_primitive_t primitive,
                                                dnnl_stream_t stream, int nargs,
                                                const dnnl_exec_arg_t* args) {
  using Execute =
      dnnl_status_t (*)(const_dnnl_primitive_t, dnnl_stream_t, int, const dnnl_exec_arg_t*);
  static const auto library = library_function<Execute>("dnnl_primitive_execute");
  ++inside_onednn;
  const dnnl_status_t status = library(primitive, stream, nargs, args);
  --inside_onednn;
  return status;
}

namespace splitinfer {
namespace {

struct Counts {
  long allocations = 0;  // by splitinfer (outside oneDNN's execute)
  long onednn_allocations = 0;
  long primitives = 0;
};

// `frames` runs after `warmup` ones, counted.
template <typename Run>
Counts steady_state(Run run, int warmup = 3, int frames = 5) {
  for (int i = 0; i < warmup; ++i) run();
  allocations = 0;
  onednn_allocations = 0;
  primitive_creations = 0;
  counting = true;
  for (int i = 0; i < frames; ++i) run();
  counting = false;
  return {allocations.load(), onednn_allocations.load(), primitive_creations.load()};
}

Handoff noise(const Graph& graph) {
  const Shape& shape = graph.tensor(graph.inputs.at(0)).shape;
  std::vector<float> x(static_cast<size_t>(numel(shape)));
  std::mt19937 rng(3);
  std::normal_distribution<float> n;
  for (float& v : x) v = n(rng);
  return Handoff::from_floats(shape, std::move(x));
}

class SteadyState : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(SteadyState, AWholeModelFrameAllocatesAndCreatesNothing) {
  const auto& [model, precision] = GetParam();
  if (precision == "bf16" && !cpu::offers(cpu::this_cpu(), Precision::bf16))
    GTEST_SKIP() << "no bf16 on this CPU";
  const Graph graph = build_zoo_model(model, 3);
  const Calibration calibration =
      calibrate(graph, synthetic_calibration_inputs(graph, 2, 5), CalibrationMethod::minmax);
  const auto backend = make_backend("cpu0:" + precision);
  const int n = static_cast<int>(graph.units.size());
  const auto partition = backend->compile({&graph, 0, n, &calibration});
  const Handoff input = noise(graph);
  Handoff output;
  const Counts c = steady_state([&] { partition->run_into(input, output); });
  EXPECT_EQ(c.allocations, 0) << model << " " << precision;
  // oneDNN 2.6 allocates inside every execute (its argument map); reported,
  // not avoidable through its API.
  RecordProperty("onednn_allocations_per_frame", std::to_string(c.onednn_allocations / 5));
  EXPECT_EQ(c.primitives, 0) << model << " " << precision;
  EXPECT_EQ(output.elements(), numel(graph.tensor(graph.outputs.at(0)).shape));
}

INSTANTIATE_TEST_SUITE_P(Models, SteadyState,
                         ::testing::Combine(::testing::Values("lenet5", "resnet18", "mobilenet_v2",
                                                              "mobilenet_v3_small"),
                                            ::testing::Values("fp32", "int8", "bf16")),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" + std::get<1>(info.param);
                         });

// A suffix fed INT8 codes dequantizes them with a reorder made on its first
// frame and reused after.
TEST(SteadyState, ASuffixFedInt8CodesAllocatesNothingAfterItsFirstFrame) {
  const Graph graph = build_zoo_model("resnet18", 3);
  const Calibration calibration =
      calibrate(graph, synthetic_calibration_inputs(graph, 2, 5), CalibrationMethod::minmax);
  const int n = static_cast<int>(graph.units.size());
  const auto prefix = make_backend("cpu0:int8")->compile({&graph, 0, 6, &calibration});
  const auto suffix = make_backend("cpu0:fp32")->compile({&graph, 6, n, nullptr});
  const Handoff input = noise(graph);
  Handoff codes, output;
  const Counts c = steady_state([&] {
    prefix->run_into(input, codes);
    suffix->run_into(codes, output);
  });
  ASSERT_TRUE(codes.is_quantized());
  EXPECT_EQ(c.allocations, 0);
  EXPECT_GT(c.onednn_allocations, 0);  // the split between the two counters is real
  EXPECT_EQ(c.primitives, 0);
}

// The counters count: a fresh compile creates primitives and allocates.
TEST(SteadyState, TheCountersSeeACompile) {
  const Graph graph = build_zoo_model("lenet5", 3);
  const auto backend = make_backend("cpu0:fp32");
  const Counts c = steady_state([&] { backend->compile(whole_model(graph, nullptr)); }, 0, 1);
  EXPECT_GT(c.allocations, 0);
  EXPECT_GT(c.primitives, 0);
}

}  // namespace
}  // namespace splitinfer
