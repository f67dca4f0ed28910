// The BF16 CPU element: which CPUs offer it (a function of the instruction
// sets, so both answers are tested on any machine), its 2-byte hand-off, its
// agreement with FP32 on zoo models, that its kernels really compute in
// bfloat16, and the paper's pair INT8 -> BF16 split at several cuts.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "exec/calibration.h"
#include "exec/cpu/cpu_features.h"
#include "exec/handoff.h"
#include "exec/partition_test_util.h"
#include "graph/zoo/zoo.h"
#include "support/reference_interpreter.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

using namespace testing;

#define SKIP_WITHOUT_BF16()                           \
  if (!cpu::offers(cpu::this_cpu(), Precision::bf16)) \
  GTEST_SKIP() << "this CPU has neither AVX512-BF16 nor AMX"

int64_t top1(const std::vector<float>& v) {
  return std::max_element(v.begin(), v.end()) - v.begin();
}

TEST(Bf16Element, ParsesAndHandsOverTwoBytesPerValue) {
  const Element e = parse_element("cpu1:bf16");
  EXPECT_EQ(e.precision, Precision::bf16);
  EXPECT_EQ(e.core, 1);
  EXPECT_EQ(precision_name(e.precision), "bf16");
  EXPECT_EQ(handoff_bytes(Precision::bf16, 1000), 2000);
  EXPECT_EQ(handoff_bytes(Precision::int8, 1000), 1000 + kInt8HandoffHeaderBytes);
  EXPECT_EQ(handoff_bytes(Precision::fp32, 1000), 4000);
}

TEST(Bf16Element, OfferedOnlyWithAvx512Bf16OrAmx) {
  using dnnl::cpu_isa;
  for (cpu_isa isa : {cpu_isa::avx2, cpu_isa::avx512_core, cpu_isa::avx512_core_vnni}) {
    const cpu::CpuFeatures f = cpu::features_of(isa);
    EXPECT_EQ(cpu::precisions_offered(f),
              (std::vector<Precision>{Precision::fp32, Precision::int8}));
    try {
      cpu::require_precision(parse_element("cpu0:bf16"), f);
      ADD_FAILURE() << "bf16 accepted without AVX512-BF16 or AMX";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::device_missing);
      EXPECT_EQ(std::string(e.what()),
                "cpu0:bf16 needs a CPU with AVX512-BF16 or AMX; this one has neither");
    }
    EXPECT_NO_THROW(cpu::require_precision(parse_element("cpu0:int8"), f));
  }
  for (cpu_isa isa : {cpu_isa::avx512_core_bf16, cpu_isa::avx512_core_amx}) {
    const cpu::CpuFeatures f = cpu::features_of(isa);
    EXPECT_EQ(cpu::precisions_offered(f).back(), Precision::bf16);
    EXPECT_NO_THROW(cpu::require_precision(parse_element("cpu1:bf16"), f));
  }
  EXPECT_TRUE(cpu::features_of(cpu_isa::avx512_core_amx).amx);
  EXPECT_FALSE(cpu::features_of(cpu_isa::avx512_core_bf16).amx);
}

// The same check end to end: oneDNN capped below bfloat16 instructions.
TEST(Bf16Element, CliRefusesBf16WhenTheCpuLacksIt) {
  setenv("DNNL_MAX_CPU_ISA", "AVX512_CORE_VNNI", 1);
  const CliResult r = run_cli("infer lenet5 --precision bf16 --input /dev/null --output /dev/null");
  const CliResult devices = run_cli("devices --json");
  unsetenv("DNNL_MAX_CPU_ISA");
  expect_one_line_error(
      r, 3, "error: cpu0:bf16 needs a CPU with AVX512-BF16 or AMX; this one has neither");
  ASSERT_EQ(devices.exit_code, 0) << devices.err;
  const nlohmann::json listed = nlohmann::json::parse(devices.out);
  EXPECT_EQ(listed["cpu"]["precisions"], nlohmann::json({"fp32", "int8"}));
  for (const auto& e : listed["real"])
    EXPECT_EQ(e["name"].get<std::string>().find("bf16"), std::string::npos);
}

TEST(Bf16Handoff, WidensToFloat32InPlainOrder) {
  // 1.0, -2.5 and 3.0 as bfloat16 are exact: the upper halves of their bits.
  auto bits = [](float v) { return static_cast<uint16_t>(std::bit_cast<uint32_t>(v) >> 16); };
  const Handoff plain = Handoff::from_bf16({3}, {bits(1.0f), bits(-2.5f), bits(3.0f)});
  EXPECT_EQ(plain.type(), HandoffType::bf16);
  EXPECT_FALSE(plain.is_quantized());
  EXPECT_EQ(plain.bytes(), 6);
  EXPECT_EQ(plain.to_floats(), (std::vector<float>{1.0f, -2.5f, 3.0f}));
  // [1, 2, 1, 2] stored channels-last: (c0,x0) (c1,x0) (c0,x1) (c1,x1).
  const Handoff nhwc = Handoff::from_bf16({1, 2, 1, 2}, {bits(1), bits(3), bits(2), bits(4)},
                                          HandoffLayout::channels_last);
  EXPECT_EQ(nhwc.to_floats(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_THROW(Handoff::from_bf16({4}, {bits(1)}), Error);
}

// BF16 against FP32 on the whole model, from the acceptance: at
// least 35 dB and the same top-1, with no op left in float32.
TEST(Bf16Accuracy, ZooModelsAgreeWithFp32) {
  SKIP_WITHOUT_BF16();
  for (const char* model : {"lenet5", "resnet18", "mobilenet_v2", "mobilenet_v3_small"}) {
    SCOPED_TRACE(model);
    const Graph g = build_zoo_model(model, 11);
    const int n = unit_count(g);
    auto fp32 = compile("cpu0:fp32", g, 0, n, nullptr);
    auto bf16 = compile("cpu0:bf16", g, 0, n, nullptr);
    EXPECT_TRUE(bf16->float_fallbacks().empty()) << join(bf16->float_fallbacks());
    for (const auto& x : synthetic_calibration_inputs(g, 2, 77)) {
      const Handoff want = run_input(*fp32, g, x);
      const Handoff got = run_input(*bf16, g, x);
      EXPECT_EQ(got.type(), HandoffType::f32) << "the model's output leaves as float32";
      const double sqnr = ref::sqnr_db(got.to_floats(), want.to_floats());
      RecordProperty(std::string("sqnr_db_") + model, std::to_string(sqnr));
      EXPECT_GE(sqnr, 35.0) << sqnr << " dB";
      EXPECT_EQ(top1(got.to_floats()), top1(want.to_floats()));
    }
  }
}

TEST(Bf16Kernels, ConvolutionsAndInnerProductsComputeInBf16) {
  SKIP_WITHOUT_BF16();
  const Graph g = build_zoo_model("lenet5", 3);
  const std::vector<std::string> kernels =
      compile("cpu0:bf16", g, 0, unit_count(g), nullptr)->kernels();
  int bf16_compute = 0;
  for (const std::string& k : kernels)
    if ((k.rfind("convolution", 0) == 0 || k.rfind("inner_product", 0) == 0) &&
        k.find("src:bf16") != std::string::npos && k.find("weights:bf16") != std::string::npos)
      ++bf16_compute;
  EXPECT_GE(bf16_compute, 4) << join(kernels);  // LeNet-5: 2 convolutions, 3 linear layers
}

// The paper's pair: INT8 codes and their scale into a BF16 partition, which
// dequantizes them straight to bfloat16; and BF16 handing bfloat16 onward.
TEST(Bf16Split, Int8PrefixThenBf16SuffixAgreesWithFp32) {
  SKIP_WITHOUT_BF16();
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "cpu1 needs a second core";
  const Graph g = build_zoo_model("resnet18", 7);
  const int n = unit_count(g);
  const Calibration calibration =
      calibrate(g, synthetic_calibration_inputs(g, 8, 1000), CalibrationMethod::minmax);
  const std::vector<float> x = synthetic_calibration_inputs(g, 1, 5000).at(0);
  const std::vector<float> fp32 =
      run_input(*compile("cpu0:fp32", g, 0, n, nullptr), g, x).to_floats();
  for (int cut : {4, 8, 12}) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    const Handoff mid = run_input(*compile("cpu0:int8", g, 0, cut, &calibration), g, x);
    ASSERT_TRUE(mid.is_quantized());
    const Handoff out = compile("cpu1:bf16", g, cut, n, nullptr)->run(mid);
    EXPECT_EQ(out.type(), HandoffType::f32);
    const double sqnr = ref::sqnr_db(out.to_floats(), fp32);
    EXPECT_GE(sqnr, 25.0) << sqnr << " dB";
  }
  for (int cut : {4, 8}) {
    SCOPED_TRACE("bf16 prefix, cut " + std::to_string(cut));
    const Handoff mid = run_input(*compile("cpu0:bf16", g, 0, cut, nullptr), g, x);
    ASSERT_EQ(mid.type(), HandoffType::bf16);
    EXPECT_EQ(mid.bytes(), 2 * numel(mid.shape()));
    const Handoff out = compile("cpu1:fp32", g, cut, n, nullptr)->run(mid);
    const double sqnr = ref::sqnr_db(out.to_floats(), fp32);
    EXPECT_GE(sqnr, 35.0) << sqnr << " dB";
  }
}

}  // namespace
}  // namespace splitinfer
