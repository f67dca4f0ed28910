// The operators detection and OCR models add to a classifier's: ConvTranspose
// (groups, strides, dilations, output padding, fused BatchNorm and Relu),
// Resize (nearest, linear and cubic, scales or sizes, every coordinate
// transformation and rounding mode the lowering takes), Expand, Erf and
// LayerNormalization. FP32 against the naive reference interpreter at 1e-4;
// INT8 on codes where the op has an integer form, and faithful; BF16 faithful.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "exec/calibration.h"
#include "exec/cpu/cpu_features.h"
#include "exec/partition_test_util.h"
#include "support/reference_interpreter.h"

namespace splitinfer {
namespace {

using namespace testing;
using Ints = std::vector<int64_t>;
using ref::HandGraph;

constexpr double kTolerance = 1e-4;

// The whole graph on `element` against the reference, on one random input:
// the relative error for cpu0:fp32, the SQNR in dB otherwise.
double error_against_reference(const std::string& element, const Graph& g, uint64_t seed) {
  const std::vector<float> x = ref::random_normal(numel(g.tensor(g.inputs.at(0)).shape), seed);
  const std::vector<float> want = ref::reference_run(g, x);
  std::optional<Calibration> cal;
  if (element.find("int8") != std::string::npos)
    cal = calibrate(g, synthetic_calibration_inputs(g, 16, seed + 1), CalibrationMethod::minmax);
  auto p = compile(element, g, 0, unit_count(g), cal ? &*cal : nullptr);
  const std::vector<float> got = run_input(*p, g, x).to_floats();
  EXPECT_EQ(got.size(), want.size());
  return element == "cpu0:fp32" ? ref::max_relative_error(got, want) : ref::sqnr_db(got, want);
}

struct TransposedCase {
  Shape x;
  int64_t out;
  Ints kernel, strides, pads, output_padding, dilations;
  int64_t group;
};

int conv_transpose(HandGraph& h, int x, const TransposedCase& c) {
  const int64_t in = c.x[1];
  const float bound =
      std::sqrt(3.0f / static_cast<float>(in / c.group * c.kernel[0] * c.kernel[1]));
  return h.node(OpType::ConvTranspose,
                {x, h.weight({in, c.out / c.group, c.kernel[0], c.kernel[1]}, -bound, bound),
                 h.weight({c.out}, -0.5f, 0.5f)},
                attrs({{"kernel_shape", c.kernel},
                       {"strides", c.strides},
                       {"pads", c.pads},
                       {"output_padding", c.output_padding},
                       {"dilations", c.dilations},
                       {"group", c.group}}));
}

const TransposedCase kTransposedCases[] = {
    {{1, 6, 5, 7}, 4, {2, 2}, {2, 2}, {0, 0, 0, 0}, {0, 0}, {1, 1}, 1},  // FPN x2 upsampling
    {{1, 5, 6, 6}, 3, {4, 4}, {2, 2}, {1, 1, 1, 1}, {0, 0}, {1, 1}, 1},  // DB head
    {{1, 4, 5, 5}, 6, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1},  // output_padding
    {{1, 6, 4, 5}, 9, {3, 3}, {2, 1}, {0, 1, 2, 0}, {1, 0}, {1, 1}, 3},  // groups, asymmetric
    {{1, 8, 5, 5}, 8, {3, 3}, {1, 1}, {1, 1, 1, 1}, {0, 0}, {2, 2}, 8},  // depthwise, dilated
    {{1, 3, 4, 6}, 5, {1, 3}, {3, 2}, {0, 0, 0, 0}, {2, 1}, {1, 1}, 1},  // non-square
};

TEST(DetectionOps, ConvTransposeMatchesReference) {
  uint64_t seed = 100;
  for (const TransposedCase& c : kTransposedCases) {
    SCOPED_TRACE("input " + shape_to_string(c.x) + " group " + std::to_string(c.group) +
                 " stride " + std::to_string(c.strides[0]));
    HandGraph h(seed++);
    const Graph g = h.finish(conv_transpose(h, h.input(c.x), c));
    EXPECT_LE(error_against_reference("cpu0:fp32", g, seed), kTolerance);
  }
}

TEST(DetectionOps, ConvTransposeFusesBatchNormAndRelu) {
  HandGraph h(120);
  const int x = h.input({1, 5, 6, 6});
  const int y = conv_transpose(h, x, kTransposedCases[1]);
  const Shape c = {3};
  const int bn =
      h.node(OpType::BatchNormalization, {y, h.weight(c, 0.5f, 1.5f), h.weight(c, -0.3f, 0.3f),
                                          h.weight(c, -0.3f, 0.3f, TensorRole::stat),
                                          h.weight(c, 0.5f, 1.5f, TensorRole::stat)});
  const Graph g = h.finish(h.node(OpType::Relu, {bn}));
  EXPECT_LE(error_against_reference("cpu0:fp32", g, 121), kTolerance);
}

TEST(DetectionOps, ConvTransposeOutputShapeAndAutoPadBecomePads) {
  HandGraph h(130);
  const int x = h.input({1, 2, 5, 5});
  const int y = h.node(OpType::ConvTranspose, {x, h.weight({2, 3, 3, 3})},
                       attrs({{"strides", Ints{2, 2}}, {"output_shape", Ints{10, 10}}}));
  const Graph g = h.finish(y);
  EXPECT_EQ(g.tensor(y).shape, (Shape{1, 3, 10, 10}));
  // Total padding 11 - 10 = 1; without SAME_UPPER, ONNX puts the larger half first.
  EXPECT_EQ(g.nodes.back().attrs.get_ints("pads"), (Ints{1, 1, 0, 0}));
  EXPECT_LE(error_against_reference("cpu0:fp32", g, 131), kTolerance);
}

struct ResizeCase {
  std::string label;
  Shape x;
  Attributes attrs;
};

std::vector<ResizeCase> resize_cases() {
  using F = std::vector<float>;
  auto with = [](std::string mode, std::string transform, std::string rounding = "") {
    Attributes a = attrs({{"mode", mode}, {"coordinate_transformation_mode", transform}});
    if (!rounding.empty()) a.set("nearest_mode", rounding);
    return a;
  };
  std::vector<ResizeCase> cases;
  for (const char* transform : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                "tf_half_pixel_for_nearest"})
    for (const char* mode : {"nearest", "linear", "cubic"}) {
      Attributes up = with(mode, transform);
      up.set("scales", F{1, 1, 2, 2});
      cases.push_back({std::string(mode) + " " + transform + " x2", {1, 3, 5, 6}, up});
      Attributes odd = with(mode, transform);
      odd.set("sizes", Ints{1, 3, 7, 4});  // up in H, down in W, non-integer ratios
      cases.push_back({std::string(mode) + " " + transform + " to 7x4", {1, 3, 5, 6}, odd});
    }
  for (const char* rounding : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
    Attributes a = with("nearest", "asymmetric", rounding);
    a.set("scales", F{1, 1, 1.5f, 0.6f});
    cases.push_back({std::string("nearest ") + rounding + " x1.5,x0.6", {2, 2, 4, 10}, a});
  }
  Attributes excluded = with("cubic", "half_pixel");
  excluded.set("exclude_outside", int64_t{1});
  excluded.set("cubic_coeff_a", -0.5f);
  excluded.set("scales", F{1, 1, 0.8f, 1.7f});
  cases.push_back({"cubic exclude_outside a=-0.5", {1, 2, 5, 6}, excluded});
  Attributes rank3 = with("linear", "half_pixel");
  rank3.set("scales", F{1, 2, 3});
  cases.push_back({"linear over the last two axes of a rank-3 tensor", {4, 3, 5}, rank3});
  return cases;
}

TEST(DetectionOps, ResizeMatchesReference) {
  uint64_t seed = 200;
  for (const ResizeCase& c : resize_cases()) {
    SCOPED_TRACE(c.label);
    HandGraph h(seed++);
    const Graph g = h.finish(h.node(OpType::Resize, {h.input(c.x)}, c.attrs));
    EXPECT_LE(error_against_reference("cpu0:fp32", g, seed), kTolerance);
  }
}

TEST(DetectionOps, ResizeOfTheBatchOrChannelsIsRefusedByName) {
  HandGraph h(250);
  const int x = h.input({1, 3, 4, 4});
  const Graph g = h.finish(
      h.node(OpType::Resize, {x}, attrs({{"scales", std::vector<float>{1, 2, 2, 2}}}), "up"));
  try {
    compile("cpu0:fp32", g, 0, unit_count(g), nullptr);
    FAIL() << "a channel resize compiled";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("node 'up' (Resize): only the last two axes"),
              std::string::npos)
        << e.what();
  }
}

TEST(DetectionOps, ExpandErfAndLayerNormMatchReference) {
  {  // Expand both ways: [3, 1] against [2, 1, 4]
    HandGraph h(300);
    const int x = h.input({3, 1});
    const Graph g = h.finish(h.node(OpType::Expand, {x}, attrs({{"shape", Ints{2, 1, 4}}})));
    EXPECT_LE(error_against_reference("cpu0:fp32", g, 301), kTolerance);
  }
  {  // Erf as GELU writes it
    HandGraph h(310);
    const Graph g = h.finish(h.node(OpType::Erf, {h.input({1, 4, 6, 6})}));
    EXPECT_LE(error_against_reference("cpu0:fp32", g, 311), kTolerance);
  }
  for (int64_t axis : {-1, 1}) {  // a [T, C] sequence's rows; then over C and T together
    SCOPED_TRACE("axis " + std::to_string(axis));
    HandGraph h(320);
    const int x = h.input({2, 5, 12});
    const Shape normalized = axis == -1 ? Shape{12} : Shape{5, 12};
    const Graph g = h.finish(h.node(OpType::LayerNormalization,
                                    {x, h.weight(normalized, 0.5f, 1.5f), h.weight({12})},
                                    attrs({{"axis", axis}, {"epsilon", 1e-5f}})));
    EXPECT_LE(error_against_reference("cpu0:fp32", g, 321), kTolerance);
  }
}

// An FPN-style top-down path: a strided backbone, a lateral 1x1 on each
// scale, the coarser map upsampled (nearest by Resize, by ConvTranspose) and
// added, then maps upsampled (linear by Resize, by ConvTranspose) and
// concatenated.
Graph pyramid(uint64_t seed) {
  HandGraph h(seed);
  auto conv = [&](int x, int64_t in, int64_t out, int64_t k, int64_t stride) {
    const float bound = std::sqrt(3.0f / static_cast<float>(in * k * k));
    const int y = h.node(
        OpType::Conv, {x, h.weight({out, in, k, k}, -bound, bound), h.weight({out}, -0.1f, 0.1f)},
        attrs({{"kernel_shape", Ints{k, k}},
               {"strides", Ints{stride, stride}},
               {"pads", Ints{k / 2, k / 2, k / 2, k / 2}}}));
    return h.node(OpType::Relu, {y});
  };
  const int x = h.input({1, 3, 32, 32});
  const int c2 = conv(x, 3, 8, 3, 2);     // 16x16
  const int c3 = conv(c2, 8, 12, 3, 2);   // 8x8
  const int c4 = conv(c3, 12, 16, 3, 2);  // 4x4
  const int p4 = conv(c4, 16, 8, 1, 1);
  const int up4 = h.node(OpType::Resize, {p4},
                         attrs({{"mode", std::string("nearest")},
                                {"coordinate_transformation_mode", std::string("asymmetric")},
                                {"nearest_mode", std::string("floor")},
                                {"scales", std::vector<float>{1, 1, 2, 2}}}));
  const int p3 = h.node(OpType::Add, {conv(c3, 12, 8, 1, 1), up4});
  const int up3 = h.node(OpType::Resize, {p3},
                         attrs({{"mode", std::string("linear")},
                                {"coordinate_transformation_mode", std::string("half_pixel")},
                                {"sizes", Ints{1, 8, 16, 16}}}));
  // A residual Add after a ConvTranspose, which INT8 cannot fuse into it.
  const int t3 =
      conv_transpose(h, p3, {{1, 8, 8, 8}, 8, {2, 2}, {2, 2}, {0, 0, 0, 0}, {0, 0}, {1, 1}, 1});
  const int p2 = h.node(OpType::Add, {conv(c2, 8, 8, 1, 1), t3});
  const int t4 = conv_transpose(
      h, p4, {{1, 8, 4, 4}, 8, {4, 4}, {4, 4}, {0, 0, 0, 0}, {0, 0}, {1, 1}, 1});  // x4
  const int fused = h.node(OpType::Concat, {p2, t4, up3}, attrs({{"axis", int64_t{1}}}));
  return h.finish(conv(fused, 24, 4, 3, 1));
}

TEST(DetectionOps, PyramidMatchesReferenceInFp32) {
  EXPECT_LE(error_against_reference("cpu0:fp32", pyramid(400), 401), kTolerance);
}

TEST(DetectionOps, PyramidRunsOnInt8CodesAndStaysFaithful) {
  const Graph g = pyramid(410);
  const Calibration cal =
      calibrate(g, synthetic_calibration_inputs(g, 16, 411), CalibrationMethod::minmax);
  for (int first = 0; first < unit_count(g); ++first) {
    SCOPED_TRACE("units [" + std::to_string(first) + ", end)");
    auto p = compile("cpu0:int8", g, first, unit_count(g), &cal);
    EXPECT_TRUE(p->float_fallbacks().empty()) << join(p->float_fallbacks());
  }
  // The transposed convolutions run as integer primitives.
  int deconvolutions = 0;
  for (const std::string& k : compile("cpu0:int8", g, 0, unit_count(g), &cal)->kernels()) {
    if (k.rfind("deconvolution", 0) != 0) continue;
    ++deconvolutions;
    EXPECT_TRUE(k.find("src:u8") != std::string::npos || k.find("src:s8") != std::string::npos)
        << k;
    EXPECT_NE(k.find("weights:s8"), std::string::npos) << k;
  }
  EXPECT_EQ(deconvolutions, 2);
  // Issue 18's floor for detection models in INT8.
  EXPECT_GE(error_against_reference("cpu0:int8", g, 412), 25.0);
}

TEST(DetectionOps, ErfRunsOnCodesAndLayerNormIsListed) {
  HandGraph h(420);
  const int x = h.input({1, 6, 16});
  const int e = h.node(OpType::Erf, {x});
  const Graph g =
      h.finish(h.node(OpType::LayerNormalization, {e, h.weight({16}), h.weight({16})}, {}, "norm"));
  const Calibration cal =
      calibrate(g, synthetic_calibration_inputs(g, 16, 421), CalibrationMethod::minmax);
  auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  EXPECT_EQ(p->float_fallbacks(), (std::vector<std::string>{"LayerNormalization (norm)"}));
  EXPECT_GE(error_against_reference("cpu0:int8", g, 422), 30.0);
}

// A linear layer on a [T, C] sequence as exporters write it (MatMul by a
// constant, then Add of the bias) is one unit and one inner product, on
// codes in INT8.
TEST(DetectionOps, SequenceLinearLayerIsOneInnerProduct) {
  HandGraph h(440);
  const int x = h.input({1, 6, 16});
  const int m = h.node(OpType::MatMul, {x, h.weight({16, 12}, -0.25f, 0.25f)});
  const int y = h.node(OpType::Add, {m, h.weight({12}, -0.5f, 0.5f)});
  const Graph g = h.finish(h.node(OpType::Relu, {y}));
  EXPECT_EQ(unit_count(g), 2);  // MatMul + Add, then Relu
  EXPECT_LE(error_against_reference("cpu0:fp32", g, 441), kTolerance);
  const Calibration cal =
      calibrate(g, synthetic_calibration_inputs(g, 16, 442), CalibrationMethod::minmax);
  auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  EXPECT_TRUE(p->float_fallbacks().empty()) << join(p->float_fallbacks());
  const std::vector<std::string> kernels = p->kernels();
  EXPECT_EQ(std::count_if(kernels.begin(), kernels.end(),
                          [](const std::string& k) {
                            return k.rfind("inner_product", 0) == 0 &&
                                   k.find("weights:s8") != std::string::npos;
                          }),
            1)
      << join(kernels);
  EXPECT_GE(error_against_reference("cpu0:int8", g, 443), 30.0);
}

TEST(DetectionOps, PyramidInBf16) {
  if (!cpu::offers(cpu::this_cpu(), Precision::bf16))
    GTEST_SKIP() << "this CPU has neither AVX512-BF16 nor AMX";
  const Graph g = pyramid(430);
  auto p = compile("cpu0:bf16", g, 0, unit_count(g), nullptr);
  EXPECT_TRUE(p->float_fallbacks().empty()) << join(p->float_fallbacks());
  EXPECT_GE(error_against_reference("cpu0:bf16", g, 431), 35.0);
}

}  // namespace
}  // namespace splitinfer
