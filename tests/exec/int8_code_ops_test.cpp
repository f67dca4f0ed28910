// The ops modern CNNs are made of, on INT8 codes: standalone activations
// (tables), x * act(x) gates, squeeze-excitation, Add and Mul of two
// activations, Concat of branches at different scales, ReduceMean, and a
// convolution with a fused HardSigmoid. None may fall back to float, from
// any partition start, and each graph agrees with the naive reference. Also
// the lookup tables themselves, and a BatchNorm fed by float values.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "exec/cpu/code_table.h"
#include "exec/cpu/int8_coverage.h"
#include "exec/cpu/lowering.h"
#include "exec/partition_test_util.h"
#include "support/reference_interpreter.h"

namespace splitinfer {
namespace {

using namespace testing;
using Ints = std::vector<int64_t>;
using ref::HandGraph;

constexpr uint64_t kCalibrationSeed = 3000;
constexpr uint64_t kTestSeed = 7000;

Calibration calibrated(const Graph& g) {
  return calibrate(g, synthetic_calibration_inputs(g, 16, kCalibrationSeed),
                   CalibrationMethod::percentile);
}

int conv(HandGraph& h, int x, int64_t in, int64_t out, int64_t k, const std::string& name) {
  const float bound = 1.0f / std::sqrt(static_cast<float>(in * k * k));
  return h.node(
      OpType::Conv, {x, h.weight({out, in, k, k}, -bound, bound), h.weight({out}, -0.1f, 0.1f)},
      attrs({{"kernel_shape", Ints{k, k}}, {"pads", Ints{k / 2, k / 2, k / 2, k / 2}}}), name);
}

int max_pool(HandGraph& h, int x, const std::string& name) {
  return h.node(OpType::MaxPool, {x}, attrs({{"kernel_shape", Ints{1, 1}}}), name);
}

// Every partition start runs on codes only, and the whole graph agrees with
// the reference on fresh inputs.
void expect_on_codes_and_faithful(const Graph& g, double min_sqnr_db) {
  const Calibration cal = calibrated(g);
  for (int first = 0; first < unit_count(g); ++first) {
    SCOPED_TRACE("units [" + std::to_string(first) + ", end)");
    auto p = compile("cpu0:int8", g, first, unit_count(g), &cal);
    EXPECT_TRUE(p->float_fallbacks().empty()) << join(p->float_fallbacks());
  }
  auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  for (const auto& x : synthetic_calibration_inputs(g, 3, kTestSeed)) {
    const double sqnr = ref::sqnr_db(run_input(*p, g, x).to_floats(), ref::reference_run(g, x));
    EXPECT_GE(sqnr, min_sqnr_db) << sqnr << " dB";
  }
}

TEST(Int8CodeTable, IsExactForEveryInputCode) {
  const QuantParams in{false, 0.05f}, out{true, 1.0f / 255.0f};
  const cpu::CodeTable t =
      cpu::make_code_table(in, out, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
  for (int code = -128; code <= 127; ++code) {
    const float x = 0.05f * static_cast<float>(code);
    const float want = std::nearbyint(1.0f / (1.0f + std::exp(-x)) / out.scale);
    EXPECT_EQ(t[static_cast<uint8_t>(static_cast<int8_t>(code))], want) << "code " << code;
  }
  // Saturation at both ends of s8.
  const cpu::CodeTable id =
      cpu::make_code_table({true, 1.0f}, {false, 1.0f}, [](float x) { return x; });
  EXPECT_EQ(static_cast<int8_t>(id[200]), 127);
  EXPECT_EQ(static_cast<int8_t>(cpu::encode(-1000.0f, {false, 1.0f})), -128);
}

TEST(Int8CodeOps, StandaloneActivationsAndGates) {
  HandGraph h(31);
  const int x = h.input({1, 8, 12, 12});
  int y = conv(h, x, 8, 16, 3, "conv");
  y = max_pool(h, y, "pool");  // nothing below fuses into the convolution
  y = h.node(OpType::HardSwish, {y}, {}, "hardswish");
  y = h.node(OpType::Tanh, {y}, {}, "tanh");
  y = h.node(OpType::Clip, {y}, attrs({{"min", -0.5f}, {"max", 0.5f}}), "clip");
  y = h.node(OpType::LeakyRelu, {y}, attrs({{"alpha", 0.1f}}), "leaky");
  y = conv(h, y, 16, 16, 1, "conv2");
  y = max_pool(h, y, "pool2");
  const int sig = h.node(OpType::Sigmoid, {y}, {}, "sigmoid");
  y = h.node(OpType::Mul, {y, sig}, {}, "silu");  // x * sigmoid(x)
  const int hs =
      h.node(OpType::HardSigmoid, {y}, attrs({{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}}), "hsig");
  y = h.node(OpType::Mul, {hs, y}, {}, "hardswish_gate");  // x * hardsigmoid(x), operands swapped
  y = h.node(OpType::HardSigmoid, {y}, attrs({{"alpha", 0.2f}, {"beta", 0.5f}}), "hsig_default");
  expect_on_codes_and_faithful(h.finish(y), 30.0);
}

TEST(Int8CodeOps, SqueezeExcitationConcatAddReduceMean) {
  HandGraph h(32);
  const int x = h.input({1, 8, 12, 12});
  const int a = conv(h, x, 8, 16, 3, "conv_a");
  // Squeeze-excitation: pool, 1x1 conv + Relu, 1x1 conv + HardSigmoid
  // (fused into the convolution), then the gate times the feature map.
  int s = h.node(OpType::GlobalAveragePool, {a}, {}, "se_pool");
  s = conv(h, s, 16, 4, 1, "se_fc1");
  s = h.node(OpType::Relu, {s}, {}, "se_relu");
  s = conv(h, s, 4, 16, 1, "se_fc2");
  s = h.node(OpType::HardSigmoid, {s}, attrs({{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}}), "se_gate");
  const int gated = h.node(OpType::Mul, {a, s}, {}, "se_scale");
  // Two branches at different scales: concatenated, and added.
  const int b = conv(h, x, 8, 16, 1, "conv_b");
  const int cat = h.node(OpType::Concat, {gated, b}, attrs({{"axis", int64_t{1}}}), "concat");
  const int c = conv(h, cat, 32, 16, 3, "conv_c");
  const int sum = h.node(OpType::Add, {c, b}, {}, "add");  // not fused: b is read twice
  int y = h.node(OpType::Relu, {sum}, {}, "relu");
  y = h.node(OpType::ReduceMean, {y}, attrs({{"axes", Ints{2, 3}}, {"keepdims", int64_t{1}}}),
             "mean");
  expect_on_codes_and_faithful(h.finish(y), 30.0);
}

// A mean spans far less than its input: average pooling and ReduceMean
// code their result at its own calibrated scale. At the input's (standard
// normal noise, clipped near 4) the means of 49 values (spread about 0.14)
// would get a step of about 0.03: 19.6-25.3 dB here, against 34.8-37.9.
TEST(Int8CodeOps, MeansAreCodedAtTheirOwnScale) {
  for (const bool pool : {true, false}) {
    SCOPED_TRACE(pool ? "GlobalAveragePool" : "ReduceMean");
    HandGraph h(41);
    const int x = h.input({1, 16, 7, 7});
    const int y = pool ? h.node(OpType::GlobalAveragePool, {x}, {}, "pool")
                       : h.node(OpType::ReduceMean, {x},
                                attrs({{"axes", Ints{2, 3}}, {"keepdims", int64_t{1}}}), "mean");
    expect_on_codes_and_faithful(h.finish(y), 33.0);
  }
}

// Sub of two activations stays on codes like Add (its second operand may
// broadcast); the pooled mean subtracted from the map is the centring step
// of normalisation layers.
TEST(Int8CodeOps, SubOfTwoActivations) {
  HandGraph h(35);
  const int x = h.input({1, 8, 12, 12});
  const int a = conv(h, x, 8, 16, 3, "conv_a");
  const int b = conv(h, x, 8, 16, 1, "conv_b");
  int y = h.node(OpType::Sub, {a, b}, {}, "sub");
  const int mean = h.node(OpType::GlobalAveragePool, {y}, {}, "pool");
  y = h.node(OpType::Sub, {y, mean}, {}, "centre");
  expect_on_codes_and_faithful(h.finish(y), 30.0);
}

// Sqrt is an activation: a code table in INT8. Pow stays in float32 (and is
// listed): x^2 of a Relu coded in 8 bits keeps only about 27 dB.
TEST(Int8CodeOps, SqrtOnCodesPowInFloat) {
  auto relu_of_conv = [](HandGraph& h) {
    const int x = h.input({1, 8, 10, 10});
    return h.node(OpType::Relu, {conv(h, x, 8, 16, 3, "conv")}, {}, "relu");
  };
  HandGraph h(36);
  const int y = relu_of_conv(h);
  expect_on_codes_and_faithful(h.finish(h.node(OpType::Sqrt, {y}, {}, "root")), 30.0);
  HandGraph p2(36);
  const int z = relu_of_conv(p2);
  const Graph g = p2.finish(p2.node(OpType::Pow, {z}, attrs({{"exponent", 2.0f}}), "square"));
  const Calibration cal = calibrated(g);
  const auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  EXPECT_EQ(join(p->float_fallbacks()), "Pow (square)");
}

TEST(Int8CodeOps, ConvWithFusedHardSigmoid) {
  HandGraph h(33);
  const int x = h.input({1, 8, 10, 10});
  int y = conv(h, x, 8, 16, 3, "conv");
  y = h.node(OpType::HardSigmoid, {y}, attrs({{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}}), "hsig");
  expect_on_codes_and_faithful(h.finish(y), 30.0);
}

// A BatchNorm whose input is float (after an op with no integer kernel)
// codes it at its calibrated scale, not at 1.0; and the DenseNet pattern
// Concat -> BatchNorm -> Relu.
TEST(Int8CodeOps, BatchNormAfterFloatAndAfterConcat) {
  HandGraph h(34);
  const int x = h.input({1, 8, 10, 10});
  auto bn = [&](int in, int64_t c, const std::string& name) {
    return h.node(OpType::BatchNormalization,
                  {in, h.weight({c}, 0.5f, 2.0f), h.weight({c}, -1.0f, 1.0f),
                   h.weight({c}, -0.5f, 0.5f), h.weight({c}, 0.5f, 2.0f)},
                  {}, name);
  };
  const int a = conv(h, x, 8, 8, 3, "conv_a");
  const int scaled =
      h.node(OpType::Mul, {a, h.weight({1, 8, 1, 1}, 0.01f, 0.05f)}, {}, "mul_constant");
  int y = bn(scaled, 8, "bn_float_input");
  const int b = conv(h, x, 8, 8, 1, "conv_b");
  y = h.node(OpType::Concat, {y, b}, attrs({{"axis", int64_t{1}}}), "concat");
  y = bn(y, 16, "bn_after_concat");
  y = h.node(OpType::Relu, {y}, {}, "relu");
  const Graph g = h.finish(y);
  const Calibration cal = calibrated(g);
  auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  EXPECT_EQ(p->float_fallbacks(), std::vector<std::string>{"Mul (mul_constant)"});
  EXPECT_EQ(cpu::int8_float_ops(g), p->float_fallbacks());
  for (const auto& in : synthetic_calibration_inputs(g, 3, kTestSeed)) {
    const double sqnr = ref::sqnr_db(run_input(*p, g, in).to_floats(), ref::reference_run(g, in));
    EXPECT_GE(sqnr, 30.0) << sqnr << " dB";
  }
}

// Values that are negative only slightly and rarely (HardSwish's floor is
// -0.375) waste half of symmetric s8's codes; affine u8 codes with a zero
// point cover [low, high] whole. A MobileNetV3 block: expand, HardSwish,
// padded depthwise (oneDNN reads the zero point), HardSwish, squeeze-
// excitation (a Mul of codes with a zero point), 1x1 project (the zero
// point folded into the bias). Against the same calibration with every
// tensor forced symmetric, the output gains at least 1 dB (1.6 measured).
TEST(Int8CodeOps, ZeroPointsWhereValuesAreOneSided) {
  HandGraph h(42);
  const int x = h.input({1, 16, 14, 14});
  const auto hardswish = [&](int in, const std::string& name) {
    return h.node(OpType::HardSwish, {in}, {}, name);
  };
  const int expanded = hardswish(conv(h, x, 16, 32, 1, "expand"), "hs1");
  int y = expanded;
  const float bound = 1.0f / 3.0f;
  y = h.node(
      OpType::Conv, {y, h.weight({32, 1, 3, 3}, -bound, bound), h.weight({32}, -0.1f, 0.1f)},
      attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"group", int64_t{32}}}),
      "depthwise");
  const int a = hardswish(y, "hs2");
  int s = h.node(OpType::GlobalAveragePool, {a}, {}, "se_pool");
  s = h.node(OpType::Relu, {conv(h, s, 32, 8, 1, "se_fc1")}, {}, "se_relu");
  s = h.node(OpType::HardSigmoid, {conv(h, s, 8, 32, 1, "se_fc2")},
             attrs({{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}}), "se_gate");
  y = conv(h, h.node(OpType::Mul, {a, s}, {}, "se_scale"), 32, 16, 1, "project");
  const Graph g = h.finish(y);
  const Calibration affine = calibrate(g, synthetic_calibration_inputs(g, 16, kCalibrationSeed),
                                       CalibrationMethod::histogram);
  for (const int t : {expanded, a})
    EXPECT_GT(cpu::tensor_codes(g, affine, t).zero_point, 0) << g.tensor(t).name;
  Calibration symmetric_only = affine;
  for (auto& [name, r] : symmetric_only.ranges)
    if (r.clipping.affine()) r.clipping = {false, std::max(r.clipping.clip, -r.clipping.low)};

  auto sqnr = [&](const Calibration& cal) {
    auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
    EXPECT_TRUE(p->float_fallbacks().empty()) << join(p->float_fallbacks());
    double lowest = 1e9;
    for (const auto& in : synthetic_calibration_inputs(g, 3, kTestSeed))
      lowest = std::min(lowest,
                        ref::sqnr_db(run_input(*p, g, in).to_floats(), ref::reference_run(g, in)));
    return lowest;
  };
  const double with_zero_points = sqnr(affine), without = sqnr(symmetric_only);
  EXPECT_GE(with_zero_points, without + 1.0) << with_zero_points << " against " << without;
  EXPECT_GE(with_zero_points, 30.0);
  // Split where a hand-off carries a zero point: an INT8 suffix gives the
  // unsplit partition's output, and a float32 suffix takes the codes as
  // their values (the same output as from them dequantized first).
  int affine_handoffs = 0;
  const std::vector<float> in = synthetic_calibration_inputs(g, 1, kTestSeed)[0];
  const std::vector<float> whole =
      run_input(*compile("cpu0:int8", g, 0, unit_count(g), &affine), g, in).to_floats();
  for (int split = 1; split < unit_count(g); ++split) {
    SCOPED_TRACE("split " + std::to_string(split));
    const Handoff codes = run_input(*compile("cpu0:int8", g, 0, split, &affine), g, in);
    if (codes.zero_point() == 0) continue;
    ++affine_handoffs;
    auto int8_suffix = compile("cpu1:int8", g, split, unit_count(g), &affine);
    EXPECT_TRUE(int8_suffix->float_fallbacks().empty()) << join(int8_suffix->float_fallbacks());
    EXPECT_EQ(int8_suffix->run(codes).to_floats(), whole);
    auto fp32_suffix = compile("cpu1:fp32", g, split, unit_count(g), nullptr);
    const std::vector<float> direct = fp32_suffix->run(codes).to_floats();
    const std::vector<float> via_floats =
        fp32_suffix->run(Handoff::from_floats(codes.shape(), codes.to_floats())).to_floats();
    EXPECT_GE(ref::sqnr_db(direct, via_floats), 100.0);
  }
  EXPECT_GT(affine_handoffs, 0);
}

// The product of a map with a zero point and a full-size one (not a
// broadcast gate): the correction term is a whole map, re-scaled each frame.
TEST(Int8CodeOps, ZeroPointTimesAFullSizeMap) {
  HandGraph h(43);
  const int x = h.input({1, 8, 10, 10});
  const int a = h.node(OpType::HardSwish, {conv(h, x, 8, 16, 3, "conv_a")}, {}, "hs");
  const int b = h.node(OpType::Sigmoid, {conv(h, x, 8, 16, 1, "conv_b")}, {}, "sig");
  const Graph g = h.finish(h.node(OpType::Mul, {a, b}, {}, "product"));
  const Calibration cal = calibrate(g, synthetic_calibration_inputs(g, 16, kCalibrationSeed),
                                    CalibrationMethod::histogram);
  ASSERT_GT(cpu::tensor_codes(g, cal, a).zero_point, 0);
  auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  EXPECT_TRUE(p->float_fallbacks().empty()) << join(p->float_fallbacks());
  for (const auto& in : synthetic_calibration_inputs(g, 3, kTestSeed)) {
    const double sqnr = ref::sqnr_db(run_input(*p, g, in).to_floats(), ref::reference_run(g, in));
    EXPECT_GE(sqnr, 30.0) << sqnr << " dB";
  }
}

}  // namespace
}  // namespace splitinfer
