// The FP32 CPU backend against the naive reference interpreter
// (tests/support/reference_interpreter): small random graphs for every op of
// ops.def with odd channel counts, strides, padding, groups, ceil_mode and
// broadcasting; the fusion patterns the lowering recognises; zoo models; and
// partitions cut at unit boundaries. Tolerance: max |a - b| / max |ref| <= 1e-4.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <dnnl.hpp>
#include <iterator>
#include <string>
#include <vector>

#include "common/error.h"
#include "exec/backend.h"
#include "exec/handoff.h"
#include "exec/partition_test_util.h"
#include "graph/graph.h"
#include "graph/units.h"
#include "graph/zoo/zoo.h"
#include "support/reference_interpreter.h"

namespace splitinfer {
namespace {

using testing::attrs;
using testing::unit_count;

using Ints = std::vector<int64_t>;
using ref::HandGraph;

constexpr double kTolerance = 1e-4;

std::unique_ptr<Partition> compile_fp32(const Graph& g, int first, int last) {
  return make_backend("cpu0:fp32")->compile({&g, first, last, nullptr});
}

std::vector<float> input_for(const Graph& g, uint64_t seed, float scale = 1.0f) {
  std::vector<float> x = ref::random_normal(numel(g.tensor(g.inputs.at(0)).shape), seed);
  for (float& v : x) v *= scale;
  return x;
}

// Runs the whole graph on cpu0:fp32 and compares it with the reference.
::testing::AssertionResult matches_reference(const Graph& g, uint64_t seed = 1,
                                             float input_scale = 1.0f) {
  const Shape& in_shape = g.tensor(g.inputs.at(0)).shape;
  const Shape& out_shape = g.tensor(g.outputs.at(0)).shape;
  const std::vector<float> x = input_for(g, seed, input_scale);
  std::vector<float> want;
  try {
    want = ref::reference_run(g, x);
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "the reference failed: " << e.what();
  }
  Handoff out;
  try {
    auto partition = compile_fp32(g, 0, unit_count(g));
    out = partition->run(Handoff::from_floats(in_shape, x));
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "the backend threw: " << e.what();
  }
  if (out.is_quantized()) return ::testing::AssertionFailure() << "fp32 output is quantized";
  if (out.shape() != out_shape)
    return ::testing::AssertionFailure() << "output shape " << shape_to_string(out.shape())
                                         << ", expected " << shape_to_string(out_shape);
  const std::vector<float> got = out.to_floats();
  const double err = ref::max_relative_error(got, want);
  if (err <= kTolerance) return ::testing::AssertionSuccess();
  // Name the worst element to make a failure actionable.
  size_t worst = 0;
  double worst_diff = -1.0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = std::abs(static_cast<double>(got[i]) - want[i]);
    if (!(d <= worst_diff)) {
      worst_diff = d;
      worst = i;
    }
  }
  return ::testing::AssertionFailure()
         << "max relative error " << err << " > " << kTolerance << "; worst at flat index " << worst
         << ": backend " << got[worst] << ", reference " << want[worst] << " (output "
         << shape_to_string(out_shape) << ")";
}

// A case the CPU backend declares unsupported must say so with an Error of
// kind `unsupported`; if it runs, it must be right.
::testing::AssertionResult matches_or_unsupported(const Graph& g, uint64_t seed = 1) {
  try {
    auto partition = compile_fp32(g, 0, unit_count(g));
    (void)partition;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::unsupported) return ::testing::AssertionSuccess() << e.what();
    return ::testing::AssertionFailure()
           << "compile failed with a non-'unsupported' Error: " << e.what();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "compile failed with a foreign exception: " << e.what();
  }
  return matches_reference(g, seed);
}

// He-uniform weights: activations keep unit scale through a few layers.
int conv(HandGraph& h, int x, int64_t cin, int64_t cout, Ints kernel, Ints strides = {1, 1},
         Ints pads = {0, 0, 0, 0}, Ints dilations = {1, 1}, int64_t group = 1, bool bias = true) {
  const float fan_in = static_cast<float>(cin / group * kernel[0] * kernel[1]);
  const float bound = std::sqrt(3.0f / fan_in);
  std::vector<int> inputs = {x, h.weight({cout, cin / group, kernel[0], kernel[1]}, -bound, bound)};
  if (bias) inputs.push_back(h.weight({cout}, -0.5f, 0.5f));
  return h.node(OpType::Conv, inputs,
                attrs({{"kernel_shape", kernel},
                       {"strides", strides},
                       {"pads", pads},
                       {"dilations", dilations},
                       {"group", group}}));
}

int batch_norm(HandGraph& h, int x, int64_t channels) {
  const Shape c = {channels};
  return h.node(
      OpType::BatchNormalization,
      {x, h.weight(c, 0.5f, 1.5f), h.weight(c, -0.3f, 0.3f),
       h.weight(c, -0.3f, 0.3f, TensorRole::stat), h.weight(c, 0.5f, 1.5f, TensorRole::stat)},
      attrs({{"epsilon", 1e-5f}}));
}

int unary(HandGraph& h, OpType op, int x, Attributes a = {}) {
  return h.node(op, {x}, std::move(a));
}

// ---------------------------------------------------------------------------
// (a) one small random graph per op or op family

struct ConvCase {
  Shape x;
  int64_t cout;
  Ints kernel, strides, pads, dilations;
  int64_t group;
  bool bias;
};

TEST(Fp32ReferenceOps, Conv) {
  const ConvCase cases[] = {
      {{1, 3, 9, 11}, 5, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true},
      {{1, 5, 8, 8}, 7, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 1, false},
      {{1, 7, 10, 9}, 7, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 7, true},   // depthwise
      {{1, 5, 9, 9}, 10, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 5, false},  // depthwise x2
      {{1, 6, 9, 9}, 9, {3, 3}, {2, 2}, {0, 1, 1, 0}, {1, 1}, 3, true},  // groups, asymmetric pads
      {{1, 4, 12, 12}, 6, {3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}, 1, true},   // dilation
      {{1, 3, 7, 13}, 5, {1, 5}, {1, 2}, {0, 2, 0, 2}, {1, 1}, 1, true},    // non-square kernel
      {{1, 8, 5, 5}, 3, {1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, true},     // pointwise
      {{1, 3, 15, 15}, 4, {7, 7}, {2, 2}, {3, 3, 3, 3}, {1, 1}, 1, false},  // ResNet stem shape
      {{2, 3, 6, 7}, 16, {3, 3}, {1, 2}, {1, 0, 2, 1}, {1, 1}, 1, true},  // batch 2, blocked layout
      {{1, 16, 6, 6}, 16, {3, 3}, {2, 1}, {1, 1, 1, 1}, {2, 1}, 16, true},  // depthwise, mixed
                                                                            // stride/dilation
      {{1, 9, 5, 5}, 6, {5, 5}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 3, true},  // kernel covers the input
  };
  uint64_t seed = 10;
  for (const ConvCase& c : cases) {
    HandGraph h(seed++);
    const int x = h.input(c.x);
    const int y =
        conv(h, x, c.x[1], c.cout, c.kernel, c.strides, c.pads, c.dilations, c.group, c.bias);
    const Graph g = h.finish(y);
    SCOPED_TRACE("conv input " + shape_to_string(c.x) + " out " + std::to_string(c.cout) +
                 " kernel " + std::to_string(c.kernel[0]) + "x" + std::to_string(c.kernel[1]) +
                 " stride " + std::to_string(c.strides[0]) + "," + std::to_string(c.strides[1]) +
                 " group " + std::to_string(c.group));
    EXPECT_TRUE(matches_reference(g, seed));
  }
}

TEST(Fp32ReferenceOps, BatchNormalizationStandalone) {
  {  // straight on the input
    HandGraph h(20);
    const int x = h.input({1, 5, 4, 6});
    EXPECT_TRUE(matches_reference(h.finish(batch_norm(h, x, 5)), 21));
  }
  {  // after a pool, so that no convolution can absorb it
    HandGraph h(22);
    const int x = h.input({1, 7, 6, 6});
    const int p = h.node(OpType::MaxPool, {x},
                         attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
    EXPECT_TRUE(matches_reference(h.finish(batch_norm(h, p, 7)), 23));
  }
  {  // rank 2 (BatchNorm1d)
    HandGraph h(24);
    const int x = h.input({3, 7});
    EXPECT_TRUE(matches_reference(h.finish(batch_norm(h, x, 7)), 25));
  }
  {  // a conv whose output is also read elsewhere: the BatchNorm cannot fold
    HandGraph h(26);
    const int x = h.input({1, 3, 6, 6});
    const int c = conv(h, x, 3, 5, {3, 3}, {1, 1}, {1, 1, 1, 1});
    const int b = batch_norm(h, c, 5);
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::Add, {b, c})), 27));
  }
}

struct ActivationCase {
  std::string label;
  OpType op;
  Attributes attrs;
};

std::vector<ActivationCase> activation_cases() {
  return {
      {"Relu", OpType::Relu, {}},
      {"Clip(0,6)", OpType::Clip, attrs({{"min", 0.0f}, {"max", 6.0f}})},
      {"Clip(-0.5,0.25)", OpType::Clip, attrs({{"min", -0.5f}, {"max", 0.25f}})},
      {"Clip(min=-1)", OpType::Clip, attrs({{"min", -1.0f}})},
      {"Clip(max=0.5)", OpType::Clip, attrs({{"max", 0.5f}})},
      {"LeakyRelu(default)", OpType::LeakyRelu, {}},
      {"LeakyRelu(0.2)", OpType::LeakyRelu, attrs({{"alpha", 0.2f}})},
      {"Sigmoid", OpType::Sigmoid, {}},
      {"Tanh", OpType::Tanh, {}},
      {"HardSigmoid(default)", OpType::HardSigmoid, {}},
      {"HardSigmoid(0.3,0.4)", OpType::HardSigmoid, attrs({{"alpha", 0.3f}, {"beta", 0.4f}})},
      {"HardSwish", OpType::HardSwish, {}},
  };
}

TEST(Fp32ReferenceOps, ActivationsStandalone) {
  uint64_t seed = 30;
  for (const ActivationCase& c : activation_cases()) {
    SCOPED_TRACE(c.label);
    HandGraph h(seed++);
    const int x = h.input({1, 3, 5, 7});
    // Inputs spread over [-12, 12] reach every piece of the piecewise ops.
    EXPECT_TRUE(matches_reference(h.finish(unary(h, c.op, x, c.attrs)), seed, 4.0f));
  }
}

// Sqrt and Pow of non-negative values (a Relu's), as normalisation layers
// take them.
TEST(Fp32ReferenceOps, SqrtAndPow) {
  HandGraph h(40);
  const int x = h.input({1, 3, 5, 7});
  EXPECT_TRUE(matches_reference(h.finish(unary(h, OpType::Sqrt, unary(h, OpType::Relu, x))), 41));
  for (float exponent : {2.0f, 0.5f, 3.0f}) {
    SCOPED_TRACE("exponent " + std::to_string(exponent));
    HandGraph p(42);
    const int y = p.input({1, 3, 5, 7});
    EXPECT_TRUE(matches_reference(
        p.finish(unary(p, OpType::Pow, unary(p, OpType::Relu, y), attrs({{"exponent", exponent}}))),
        43));
  }
}

TEST(Fp32ReferenceOps, ActivationsFusedIntoConv) {
  uint64_t seed = 50;
  for (const ActivationCase& c : activation_cases()) {
    SCOPED_TRACE("Conv+" + c.label);
    HandGraph h(seed++);
    const int x = h.input({1, 5, 7, 7});
    const int y = conv(h, x, 5, 7, {3, 3}, {1, 1}, {1, 1, 1, 1});
    EXPECT_TRUE(matches_reference(h.finish(unary(h, c.op, y, c.attrs)), seed, 3.0f));
  }
  uint64_t gemm_seed = 70;
  for (const ActivationCase& c : activation_cases()) {
    SCOPED_TRACE("Gemm+" + c.label);
    HandGraph h(gemm_seed++);
    const int x = h.input({2, 9});
    const int y =
        h.node(OpType::Gemm, {x, h.weight({5, 9}), h.weight({5})}, attrs({{"transB", int64_t{1}}}));
    EXPECT_TRUE(matches_reference(h.finish(unary(h, c.op, y, c.attrs)), gemm_seed, 2.0f));
  }
}

struct PoolCase {
  std::string label;
  OpType op;
  Shape x;
  Attributes attrs;
};

TEST(Fp32ReferenceOps, Pooling) {
  const PoolCase cases[] = {
      {"max k3 s2 p1",
       OpType::MaxPool,
       {1, 3, 9, 9},
       attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})},
      {"max k2 s2 ceil",
       OpType::MaxPool,
       {1, 5, 7, 7},
       attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}})},
      {"max k3 s2 p1 ceil",
       OpType::MaxPool,
       {1, 3, 10, 10},
       attrs({{"kernel_shape", Ints{3, 3}},
              {"strides", Ints{2, 2}},
              {"pads", Ints{1, 1, 1, 1}},
              {"ceil_mode", int64_t{1}}})},
      {"max k3 s3 ceil odd",
       OpType::MaxPool,
       {1, 7, 11, 8},
       attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{3, 3}}, {"ceil_mode", int64_t{1}}})},
      {"max asymmetric pads, non-square",
       OpType::MaxPool,
       {1, 3, 8, 9},
       attrs({{"kernel_shape", Ints{2, 3}}, {"strides", Ints{1, 2}}, {"pads", Ints{0, 1, 1, 0}}})},
      {"avg k3 s2 p1 exclude pad",
       OpType::AveragePool,
       {1, 5, 9, 9},
       attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}})},
      {"avg k3 s2 p1 include pad",
       OpType::AveragePool,
       {1, 5, 9, 9},
       attrs({{"kernel_shape", Ints{3, 3}},
              {"strides", Ints{2, 2}},
              {"pads", Ints{1, 1, 1, 1}},
              {"count_include_pad", int64_t{1}}})},
      {"avg k2 s2 ceil",
       OpType::AveragePool,
       {1, 3, 7, 7},
       attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}})},
      {"avg k3 s1",
       OpType::AveragePool,
       {2, 3, 6, 5},
       attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{1, 1}}})},
      {"avg asymmetric pads, non-square",
       OpType::AveragePool,
       {1, 3, 8, 9},
       attrs({{"kernel_shape", Ints{3, 2}}, {"strides", Ints{2, 1}}, {"pads", Ints{1, 0, 0, 1}}})},
  };
  uint64_t seed = 90;
  for (const PoolCase& c : cases) {
    SCOPED_TRACE(c.label + " on " + shape_to_string(c.x));
    HandGraph h(seed++);
    const int x = h.input(c.x);
    EXPECT_TRUE(matches_reference(h.finish(h.node(c.op, {x}, c.attrs)), seed));
  }
}

// ceil_mode together with count_include_pad: the divisor of a window that
// hangs over the right edge counts the explicit padding but not the overhang
// (PyTorch, ONNX Runtime).
TEST(Fp32ReferenceOps, AveragePoolCeilModeIncludePad) {
  HandGraph h(101);
  const int x = h.input({1, 3, 6, 6});
  const int y = h.node(OpType::AveragePool, {x},
                       attrs({{"kernel_shape", Ints{3, 3}},
                              {"strides", Ints{2, 2}},
                              {"pads", Ints{1, 1, 1, 1}},
                              {"ceil_mode", int64_t{1}},
                              {"count_include_pad", int64_t{1}}}));
  EXPECT_TRUE(matches_reference(h.finish(y), 102));
}

TEST(Fp32ReferenceOps, GlobalAveragePool) {
  for (const Shape& s : {Shape{1, 7, 5, 3}, Shape{2, 3, 1, 1}, Shape{1, 16, 7, 7}}) {
    SCOPED_TRACE(shape_to_string(s));
    HandGraph h(110);
    const int x = h.input(s);
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::GlobalAveragePool, {x})), 111));
  }
  {  // after a convolution (blocked layout)
    HandGraph h(112);
    const int x = h.input({1, 3, 9, 9});
    const int c = conv(h, x, 3, 16, {3, 3}, {2, 2}, {1, 1, 1, 1});
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::GlobalAveragePool, {c})), 113));
  }
}

// The op of `a` and `b`; a divisor goes through a Sigmoid first, away from
// zero, where a quotient would amplify float32's rounding of it beyond any
// tolerance.
int binary_of(HandGraph& h, OpType op, int a, int b) {
  return h.node(op, {a, op == OpType::Div ? unary(h, OpType::Sigmoid, b) : b});
}

// Sub and Div do not commute: a first operand that broadcasts is expanded
// before the op, never swapped with the second.
TEST(Fp32ReferenceOps, BinaryComputedOperands) {
  for (OpType op : {OpType::Add, OpType::Sub, OpType::Mul, OpType::Div}) {
    SCOPED_TRACE(std::string(op_name(op)));
    {  // same shape, two standalone activations
      HandGraph h(120);
      const int x = h.input({1, 5, 4, 6});
      const int a = unary(h, OpType::Relu, x), b = unary(h, OpType::Sigmoid, x);
      EXPECT_TRUE(matches_reference(h.finish(binary_of(h, op, a, b)), 121));
    }
    {  // [1,C,H,W] with [1,C,1,1], both operand orders (squeeze-excite style)
      for (bool swap : {false, true}) {
        HandGraph h(122);
        const int x = h.input({1, 7, 5, 5});
        const int g = h.node(OpType::GlobalAveragePool, {x});
        EXPECT_TRUE(matches_reference(
            h.finish(swap ? binary_of(h, op, g, x) : binary_of(h, op, x, g)), 123));
      }
    }
    {  // both operands broadcast: [1,C,H,1] with [1,C,1,W]
      HandGraph h(124);
      const int x = h.input({1, 3, 4, 5});
      const int rows = h.node(OpType::ReduceMean, {x}, attrs({{"axes", Ints{3}}}));
      const int cols = h.node(OpType::ReduceMean, {x}, attrs({{"axes", Ints{2}}}));
      EXPECT_TRUE(matches_reference(h.finish(binary_of(h, op, rows, cols)), 125));
    }
    {  // lower rank: [1,3,4,5] with [4,5]
      HandGraph h(126);
      const int x = h.input({1, 3, 4, 5});
      const int plane =
          h.node(OpType::ReduceMean, {x}, attrs({{"axes", Ints{0, 1}}, {"keepdims", int64_t{0}}}));
      EXPECT_TRUE(matches_reference(h.finish(binary_of(h, op, plane, x)), 127));
    }
    {  // after a convolution in blocked layout, with a broadcast [1,C,1,1]
      HandGraph h(128);
      const int x = h.input({1, 3, 6, 6});
      const int c = conv(h, x, 3, 16, {3, 3}, {1, 1}, {1, 1, 1, 1});
      const int g = h.node(OpType::GlobalAveragePool, {c});
      EXPECT_TRUE(matches_reference(h.finish(binary_of(h, op, c, g)), 129));
    }
  }
}

// Constant operands (a bias or scale tensor stored in the model), as ONNX
// exporters emit them.
TEST(Fp32ReferenceOps, BinaryConstantOperand) {
  struct Case {
    std::string label;
    Shape constant;
    bool constant_first;
  };
  const Case cases[] = {{"[C,1,1]", {5, 1, 1}, false},
                        {"[1] first", {1}, true},
                        {"full shape", {1, 5, 4, 4}, false},
                        {"[4] last axis", {4}, true}};
  for (OpType op : {OpType::Add, OpType::Sub, OpType::Mul, OpType::Div}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(op_name(op)) + " with constant " + c.label);
      HandGraph h(130);
      const int x = h.input({1, 5, 4, 4});
      // A constant divisor stays away from zero.
      const bool divisor = op == OpType::Div && !c.constant_first;
      const int k =
          h.weight(c.constant, divisor ? 0.5f : -1.0f, divisor ? 1.5f : 1.0f, TensorRole::constant);
      EXPECT_TRUE(matches_reference(
          h.finish(h.node(op, c.constant_first ? std::vector<int>{k, x} : std::vector<int>{x, k})),
          131));
    }
  }
}

TEST(Fp32ReferenceOps, Concat) {
  {  // channel axis, three inputs including the graph input
    HandGraph h(140);
    const int x = h.input({1, 3, 4, 5});
    const int a = unary(h, OpType::Relu, x), b = unary(h, OpType::Sigmoid, x);
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::Concat, {a, x, b}, attrs({{"axis", int64_t{1}}}))), 141));
  }
  {  // negative axis, unequal sizes
    HandGraph h(142);
    const int x = h.input({1, 3, 4, 5});
    const int s = h.node(OpType::Slice, {x},
                         attrs({{"starts", Ints{1}}, {"ends", Ints{4}}, {"axes", Ints{3}}}));
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::Concat, {x, s}, attrs({{"axis", int64_t{-1}}}))), 143));
  }
  {  // two convolutions (blocked layouts) of odd widths, like an Inception module
    HandGraph h(144);
    const int x = h.input({1, 4, 7, 7});
    const int a = conv(h, x, 4, 5, {1, 1});
    const int b = conv(h, x, 4, 3, {3, 3}, {1, 1}, {1, 1, 1, 1});
    const int c = conv(h, x, 4, 16, {3, 3}, {1, 1}, {1, 1, 1, 1});
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::Concat, {a, b, c}, attrs({{"axis", int64_t{1}}}))), 145));
  }
}

TEST(Fp32ReferenceOps, ViewsAndTranspose) {
  {  // Conv (blocked) -> Flatten -> Gemm, like every classifier head
    HandGraph h(150);
    const int x = h.input({1, 3, 6, 6});
    const int c = conv(h, x, 3, 16, {3, 3}, {2, 2}, {1, 1, 1, 1});
    const int f = h.node(OpType::Flatten, {c}, attrs({{"axis", int64_t{1}}}));
    const int y = h.node(OpType::Gemm, {f, h.weight({10, 144}, -0.1f, 0.1f), h.weight({10})},
                         attrs({{"transB", int64_t{1}}}));
    EXPECT_TRUE(matches_reference(h.finish(y), 151));
  }
  for (int64_t axis : {0, 2, -1}) {
    SCOPED_TRACE("Flatten axis " + std::to_string(axis));
    HandGraph h(152);
    const int x = h.input({1, 3, 4, 5});
    const int f = h.node(OpType::Flatten, {unary(h, OpType::Tanh, x)}, attrs({{"axis", axis}}));
    EXPECT_TRUE(matches_reference(h.finish(unary(h, OpType::Relu, f)), 153));
  }
  {  // Reshape with 0 and -1, Transpose, Softmax over the moved axis
    HandGraph h(154);
    const int x = h.input({1, 6, 4, 5});
    const int c = conv(h, x, 6, 16, {3, 3}, {1, 1}, {1, 1, 1, 1});
    const int t = h.node(OpType::Transpose, {c}, attrs({{"perm", Ints{0, 2, 3, 1}}}));
    const int r = h.node(OpType::Reshape, {t}, attrs({{"shape", Ints{0, -1, 16}}}));
    const int s = h.node(OpType::Softmax, {r}, attrs({{"axis", int64_t{1}}}));
    EXPECT_TRUE(matches_reference(h.finish(s), 155));
  }
  {  // default perm (reverse) on rank 3
    HandGraph h(156);
    const int x = h.input({2, 3, 5});
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::Transpose, {unary(h, OpType::Sigmoid, x)})), 157));
  }
  {  // Squeeze / Unsqueeze / Identity / Dropout
    HandGraph h(158);
    const int x = h.input({1, 3, 1, 5});
    const int s = h.node(OpType::Squeeze, {x}, attrs({{"axes", Ints{2}}}));
    const int u = h.node(OpType::Unsqueeze, {s}, attrs({{"axes", Ints{0, -1}}}));
    const int i = h.node(OpType::Identity, {unary(h, OpType::Relu, u)});
    const int d = h.node(OpType::Dropout, {i}, attrs({{"ratio", 0.5f}}));
    const int all = h.node(OpType::Squeeze, {d});
    EXPECT_TRUE(matches_reference(h.finish(unary(h, OpType::Tanh, all)), 159));
  }
}

TEST(Fp32ReferenceOps, Gemm) {
  struct Case {
    std::string label;
    Shape a, b, c;  // c empty: no C
    int64_t trans_b;
    float alpha, beta;
  };
  const Case cases[] = {
      {"transB, vector C", {1, 9}, {7, 9}, {7}, 1, 1.0f, 1.0f},
      {"B as is, alpha/beta", {4, 6}, {6, 5}, {5}, 0, 0.5f, 2.0f},
      {"transB, C [1,N], M=3", {3, 8}, {5, 8}, {1, 5}, 1, 1.5f, -0.5f},
      {"scalar C", {2, 5}, {5, 3}, {1}, 0, 1.0f, 0.25f},
      {"no C", {3, 7}, {4, 7}, {}, 1, 2.0f, 1.0f},
  };
  uint64_t seed = 160;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    HandGraph h(seed++);
    const int x = h.input(c.a);
    std::vector<int> inputs = {x, h.weight(c.b)};
    if (!c.c.empty()) inputs.push_back(h.weight(c.c));
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::Gemm, inputs,
                        attrs({{"transB", c.trans_b}, {"alpha", c.alpha}, {"beta", c.beta}}))),
        seed));
  }
}

// Gemm forms outside a linear layer: the CPU backend may decline them, but
// only with an 'unsupported' Error, never with a wrong result.
TEST(Fp32ReferenceOps, GemmOutsideLinearLayer) {
  {
    SCOPED_TRACE("transA");
    HandGraph h(170);
    const int x = h.input({6, 4});
    EXPECT_TRUE(matches_or_unsupported(h.finish(h.node(
        OpType::Gemm, {x, h.weight({6, 5}), h.weight({5})}, attrs({{"transA", int64_t{1}}})))));
  }
  {
    SCOPED_TRACE("computed B");
    HandGraph h(171);
    const int x = h.input({4, 4});
    const int b = unary(h, OpType::Tanh, x);
    EXPECT_TRUE(matches_or_unsupported(h.finish(h.node(OpType::Gemm, {x, b}))));
  }
  {
    SCOPED_TRACE("C of shape [M,N]");
    HandGraph h(172);
    const int x = h.input({3, 4});
    EXPECT_TRUE(matches_or_unsupported(
        h.finish(h.node(OpType::Gemm, {x, h.weight({4, 5}), h.weight({3, 5})}))));
  }
  {
    SCOPED_TRACE("dilated MaxPool");
    HandGraph h(173);
    const int x = h.input({1, 3, 9, 9});
    EXPECT_TRUE(matches_or_unsupported(h.finish(h.node(
        OpType::MaxPool, {x}, attrs({{"kernel_shape", Ints{3, 3}}, {"dilations", Ints{2, 2}}})))));
  }
}

TEST(Fp32ReferenceOps, MatMul) {
  {  // constant 2-D B on a rank-3 A (rows of A through one weight)
    HandGraph h(180);
    const int x = h.input({2, 3, 4});
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::MatMul, {x, h.weight({4, 5})})), 181));
  }
  {  // two computed matrices
    HandGraph h(182);
    const int x = h.input({3, 4});
    const int t = h.node(OpType::Transpose, {x});
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::MatMul, {x, t})), 183));
  }
  {  // batched: [2,3,4] x [2,4,3]
    HandGraph h(184);
    const int x = h.input({2, 3, 4});
    const int t = h.node(OpType::Transpose, {x}, attrs({{"perm", Ints{0, 2, 1}}}));
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::MatMul, {x, unary(h, OpType::Sigmoid, t)})), 185));
  }
  {  // batch broadcast: [1,3,4] x [2,4,3]
    HandGraph h(186);
    const int x = h.input({2, 3, 4});
    const int first = h.node(OpType::Slice, {x},
                             attrs({{"starts", Ints{0}}, {"ends", Ints{1}}, {"axes", Ints{0}}}));
    const int t = h.node(OpType::Transpose, {x}, attrs({{"perm", Ints{0, 2, 1}}}));
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::MatMul, {first, t})), 187));
  }
  {  // rank broadcast: [3,4] x [2,4,3]
    HandGraph h(188);
    const int x = h.input({2, 3, 4});
    const int m =
        h.node(OpType::ReduceMean, {x}, attrs({{"axes", Ints{0}}, {"keepdims", int64_t{0}}}));
    const int t = h.node(OpType::Transpose, {x}, attrs({{"perm", Ints{0, 2, 1}}}));
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::MatMul, {m, t})), 189));
  }
}

TEST(Fp32ReferenceOps, MatMulConstantBatchedB) {
  HandGraph h(190);
  const int x = h.input({2, 3, 4});
  EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::MatMul, {x, h.weight({2, 4, 5})})), 191));
}

TEST(Fp32ReferenceOps, MatMulVectorOperand) {
  {  // [3,4] x [4] -> [3]
    HandGraph h(192);
    const int x = h.input({3, 4});
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::MatMul, {x, h.weight({4})})), 193));
  }
  {  // [4] x [4,5] -> [5] with a computed matrix
    HandGraph h(194);
    const int x = h.input({4, 5});
    const int v =
        h.node(OpType::ReduceMean, {x}, attrs({{"axes", Ints{1}}, {"keepdims", int64_t{0}}}));
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::MatMul, {v, x})), 195));
  }
}

TEST(Fp32ReferenceOps, Softmax) {
  struct Case {
    Shape x;
    int64_t axis;
  };
  for (const Case& c :
       {Case{{2, 3, 7}, -1}, Case{{1, 10, 3, 3}, 1}, Case{{4, 5}, 0}, Case{{1, 1000}, 1}}) {
    SCOPED_TRACE(shape_to_string(c.x) + " axis " + std::to_string(c.axis));
    HandGraph h(200);
    const int x = h.input(c.x);
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::Softmax, {x}, attrs({{"axis", c.axis}}))),
                                  201, 3.0f));
  }
}

TEST(Fp32ReferenceOps, Pad) {
  struct Case {
    std::string label;
    Ints pads;
    std::string mode;
    float value;
  };
  const Case cases[] = {
      {"constant 0 spatial", {0, 0, 1, 2, 0, 0, 2, 1}, "constant", 0.0f},
      {"constant 1.5", {0, 1, 1, 0, 0, 2, 0, 1}, "constant", 1.5f},
      {"edge", {0, 0, 2, 1, 0, 0, 1, 3}, "edge", 0.0f},
      {"reflect", {0, 0, 2, 1, 0, 0, 1, 3}, "reflect", 0.0f},
      {"reflect channels", {0, 2, 0, 0, 0, 1, 0, 0}, "reflect", 0.0f},
      {"crop (negative pads)", {0, 0, -1, 1, 0, 0, 0, -2}, "constant", 0.0f},
  };
  uint64_t seed = 210;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    HandGraph h(seed++);
    const int x = h.input({1, 3, 5, 6});
    const int p =
        h.node(OpType::Pad, {x}, attrs({{"pads", c.pads}, {"mode", c.mode}, {"value", c.value}}));
    EXPECT_TRUE(matches_reference(h.finish(p), seed));
  }
  {  // a padded convolution output (blocked layout in, plain out)
    HandGraph h(220);
    const int x = h.input({1, 3, 5, 5});
    const int c = conv(h, x, 3, 16, {3, 3});
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::Pad, {c},
                                                  attrs({{"pads", Ints{0, 0, 1, 1, 0, 0, 1, 1}},
                                                         {"mode", std::string("reflect")}}))),
                                  221));
  }
}

TEST(Fp32ReferenceOps, Slice) {
  struct Case {
    std::string label;
    Ints starts, ends, axes, steps;
  };
  const Case cases[] = {
      {"step 2 on two axes", {0, 1}, {5, 6}, {2, 3}, {2, 2}},
      {"reverse last axis", {-1}, {-1000}, {3}, {-1}},
      {"negative step 2 from the middle", {4}, {0}, {-1}, {-2}},
      {"negative starts and ends", {-4, -3}, {-1, 100}, {2, 1}, {1, 1}},
      {"default axes and steps", {0, 1, 1, 2}, {1, 3, 4, 6}, {}, {}},
      {"reverse channels step -2", {100}, {-100}, {1}, {-2}},
  };
  uint64_t seed = 230;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    HandGraph h(seed++);
    const int x = h.input({1, 5, 6, 7});
    Attributes a = attrs({{"starts", c.starts}, {"ends", c.ends}});
    if (!c.axes.empty()) a.set("axes", c.axes);
    if (!c.steps.empty()) a.set("steps", c.steps);
    EXPECT_TRUE(
        matches_reference(h.finish(h.node(OpType::Slice, {unary(h, OpType::Tanh, x)}, a)), seed));
  }
}

TEST(Fp32ReferenceOps, Split) {
  {  // equal parts on channels, reassembled out of order
    HandGraph h(240);
    const int x = h.input({1, 6, 4, 3});
    const auto parts = h.nodes(OpType::Split, {x}, attrs({{"axis", int64_t{1}}}), 3);
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::Concat, {parts[2], unary(h, OpType::Relu, parts[0]), parts[1]},
                        attrs({{"axis", int64_t{1}}}))),
        241));
  }
  {  // explicit sizes on odd channels, after a convolution
    HandGraph h(242);
    const int x = h.input({1, 3, 5, 5});
    const int c = conv(h, x, 3, 7, {3, 3}, {1, 1}, {1, 1, 1, 1});
    const auto parts =
        h.nodes(OpType::Split, {c}, attrs({{"axis", int64_t{1}}, {"split", Ints{2, 4, 1}}}), 3);
    const int s = h.node(OpType::Concat, {parts[1], parts[2], unary(h, OpType::Sigmoid, parts[0])},
                         attrs({{"axis", int64_t{1}}}));
    EXPECT_TRUE(matches_reference(h.finish(s), 243));
  }
  {  // last axis, negative index, combined with Mul
    HandGraph h(244);
    const int x = h.input({2, 3, 8});
    const auto parts =
        h.nodes(OpType::Split, {x}, attrs({{"axis", int64_t{-1}}, {"split", Ints{3, 5}}}), 2);
    const int left = h.node(OpType::Pad, {parts[0]}, attrs({{"pads", Ints{0, 0, 0, 0, 0, 2}}}));
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::Mul, {left, parts[1]})), 245));
  }
}

TEST(Fp32ReferenceOps, ReduceMean) {
  struct Case {
    std::string label;
    Ints axes;
    int64_t keepdims;
  };
  const Case cases[] = {{"spatial keepdims", {2, 3}, 1},
                        {"channels dropped", {1}, 0},
                        {"last axis negative, dropped", {-1}, 0},
                        {"all axes keepdims", {}, 1},
                        {"batch and width", {0, 3}, 1}};
  uint64_t seed = 250;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    HandGraph h(seed++);
    const int x = h.input({2, 5, 3, 4});
    Attributes a = attrs({{"keepdims", c.keepdims}});
    if (!c.axes.empty()) a.set("axes", c.axes);
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::ReduceMean, {x}, a)), seed));
  }
}

// ONNX clamps an adjusted start to [0, dim - 1] when stepping backwards, so
// a start far before the first element still selects element 0.
TEST(Fp32ReferenceOps, SliceNegativeStepStartBeforeFirstElement) {
  HandGraph h(235);
  const int x = h.input({1, 5, 6});
  Graph g;
  try {
    g = h.finish(h.node(OpType::Slice, {x},
                        attrs({{"starts", Ints{-100}},
                               {"ends", Ints{-200}},
                               {"axes", Ints{2}},
                               {"steps", Ints{-1}}})));
  } catch (const Error& e) {
    FAIL() << "validate() rejects a valid Slice (expected output 1x5x1): " << e.what();
  }
  EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{1, 5, 1}));
  EXPECT_TRUE(matches_reference(g, 236));
}

// Reducing every axis without keepdims gives a rank-0 tensor.
TEST(Fp32ReferenceOps, ReduceMeanToScalar) {
  HandGraph h(256);
  const int x = h.input({1, 3, 4, 5});
  EXPECT_TRUE(matches_reference(
      h.finish(h.node(OpType::ReduceMean, {x}, attrs({{"keepdims", int64_t{0}}}))), 257));
}

// Many ops chained in one random graph, so that layouts and views meet.
TEST(Fp32ReferenceOps, MixedSmallNetwork) {
  HandGraph h(260);
  const int x = h.input({1, 3, 17, 17});
  int y = conv(h, x, 3, 8, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 1, false);
  y = batch_norm(h, y, 8);
  y = unary(h, OpType::HardSwish, y);
  const int dw = conv(h, y, 8, 8, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 8, false);
  const int dwa =
      unary(h, OpType::Clip, batch_norm(h, dw, 8), attrs({{"min", 0.0f}, {"max", 6.0f}}));
  const int se = h.node(OpType::GlobalAveragePool, {dwa});
  const int gate = unary(h, OpType::HardSigmoid, conv(h, se, 8, 8, {1, 1}));
  y = h.node(OpType::Mul, {dwa, gate});
  y = h.node(OpType::Add, {y, conv(h, dwa, 8, 8, {1, 1})});
  y = h.node(
      OpType::MaxPool, {y},
      attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}));
  y = h.node(OpType::Pad, {y},
             attrs({{"pads", Ints{0, 0, 1, 1, 0, 0, 1, 1}}, {"mode", std::string("edge")}}));
  y = h.node(OpType::AveragePool, {y},
             attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  y = h.node(OpType::Flatten, {y}, attrs({{"axis", int64_t{1}}}));
  const int64_t features = 8 * 3 * 3;
  y = h.node(OpType::Gemm, {y, h.weight({5, features}, -0.2f, 0.2f), h.weight({5})},
             attrs({{"transB", int64_t{1}}}));
  y = h.node(OpType::Softmax, {unary(h, OpType::LeakyRelu, y, attrs({{"alpha", 0.1f}}))},
             attrs({{"axis", int64_t{1}}}));
  EXPECT_TRUE(matches_reference(h.finish(y), 261));
}

// ---------------------------------------------------------------------------
// (b) fusion patterns

TEST(Fp32ReferenceFusion, ConvBatchNormRelu) {
  HandGraph h(300);
  const int x = h.input({1, 5, 9, 9});
  const int y =
      unary(h, OpType::Relu,
            batch_norm(h, conv(h, x, 5, 7, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 1, false), 7));
  EXPECT_TRUE(matches_reference(h.finish(y), 301));
}

TEST(Fp32ReferenceFusion, ConvBatchNormResidualAddRelu) {
  for (bool identity_first : {false, true}) {
    SCOPED_TRACE(identity_first ? "Add(identity, branch)" : "Add(branch, identity)");
    HandGraph h(310);
    const int x = h.input({1, 6, 8, 8});
    const int stem = unary(h, OpType::Relu, conv(h, x, 6, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}));
    int branch = unary(
        h, OpType::Relu,
        batch_norm(h, conv(h, stem, 16, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, false), 16));
    branch =
        batch_norm(h, conv(h, branch, 16, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, false), 16);
    const int sum = h.node(OpType::Add, identity_first ? std::vector<int>{stem, branch}
                                                       : std::vector<int>{branch, stem});
    EXPECT_TRUE(matches_reference(h.finish(unary(h, OpType::Relu, sum)), 311));
  }
  for (bool identity_first : {false, true}) {
    SCOPED_TRACE(std::string("odd channels, downsampled identity, ") +
                 (identity_first ? "Add(identity, branch)" : "Add(branch, identity)"));
    HandGraph h(312);
    const int x = h.input({1, 3, 9, 9});
    const int branch =
        batch_norm(h, conv(h, x, 3, 5, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 1, false), 5);
    const int identity =
        batch_norm(h, conv(h, x, 3, 5, {1, 1}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 1, false), 5);
    const int sum = h.node(OpType::Add, identity_first ? std::vector<int>{identity, branch}
                                                       : std::vector<int>{branch, identity});
    EXPECT_TRUE(matches_reference(h.finish(unary(h, OpType::Relu, sum)), 313));
  }
}

TEST(Fp32ReferenceFusion, ConvClip) {
  {
    HandGraph h(320);
    const int x = h.input({1, 3, 7, 7});
    const int y = unary(h, OpType::Clip, conv(h, x, 3, 5, {3, 3}, {1, 1}, {1, 1, 1, 1}),
                        attrs({{"min", 0.0f}, {"max", 6.0f}}));
    EXPECT_TRUE(matches_reference(h.finish(y), 321, 4.0f));
  }
  {  // MobileNet's Conv+BN+ReLU6, depthwise
    HandGraph h(322);
    const int x = h.input({1, 7, 7, 7});
    const int y =
        unary(h, OpType::Clip,
              batch_norm(h, conv(h, x, 7, 7, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 7, false), 7),
              attrs({{"min", 0.0f}, {"max", 6.0f}}));
    EXPECT_TRUE(matches_reference(h.finish(y), 323, 4.0f));
  }
}

TEST(Fp32ReferenceFusion, GemmRelu) {
  HandGraph h(330);
  const int x = h.input({1, 3, 4, 4});
  const int f = h.node(OpType::Flatten, {x}, attrs({{"axis", int64_t{1}}}));
  int y = unary(h, OpType::Relu,
                h.node(OpType::Gemm, {f, h.weight({20, 48}, -0.3f, 0.3f), h.weight({20})},
                       attrs({{"transB", int64_t{1}}})));
  y = unary(h, OpType::Relu,
            h.node(OpType::Gemm, {y, h.weight({20, 7}, -0.3f, 0.3f), h.weight({7})}));
  EXPECT_TRUE(matches_reference(h.finish(y), 331));
}

TEST(Fp32ReferenceFusion, ResidualIdentityAlsoUsedElsewhere) {
  {  // the identity feeds the residual add and a later Concat
    HandGraph h(340);
    const int x = h.input({1, 4, 6, 6});
    const int identity = unary(h, OpType::Relu, conv(h, x, 4, 8, {3, 3}, {1, 1}, {1, 1, 1, 1}));
    const int branch =
        batch_norm(h, conv(h, identity, 8, 8, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, false), 8);
    const int block = unary(h, OpType::Relu, h.node(OpType::Add, {branch, identity}));
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::Concat, {block, identity}, attrs({{"axis", int64_t{1}}}))), 341));
  }
  {  // the identity is read again after the block by a second residual add
    HandGraph h(342);
    const int x = h.input({1, 16, 5, 5});
    const int identity = unary(h, OpType::Relu, conv(h, x, 16, 16, {1, 1}));
    const int b1 =
        unary(h, OpType::Relu,
              h.node(OpType::Add,
                     {identity,
                      batch_norm(h, conv(h, identity, 16, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}), 16)}));
    const int b2 =
        h.node(OpType::Add,
               {batch_norm(h, conv(h, b1, 16, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}), 16), identity});
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::Mul, {b2, identity})), 343));
  }
  {  // the residual operand is the graph input itself
    HandGraph h(344);
    const int x = h.input({1, 7, 6, 6});
    const int sum = h.node(OpType::Add, {conv(h, x, 7, 7, {3, 3}, {1, 1}, {1, 1, 1, 1}), x});
    EXPECT_TRUE(matches_reference(h.finish(h.node(OpType::Concat, {unary(h, OpType::Relu, sum), x},
                                                  attrs({{"axis", int64_t{1}}}))),
                                  345));
  }
  {  // the activation between conv and add is read elsewhere: nothing may fuse past it
    HandGraph h(346);
    const int x = h.input({1, 5, 6, 6});
    const int a = unary(h, OpType::Relu, conv(h, x, 5, 5, {3, 3}, {1, 1}, {1, 1, 1, 1}));
    const int sum = h.node(OpType::Add, {a, x});
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::Concat, {sum, a}, attrs({{"axis", int64_t{1}}}))), 347));
  }
}

TEST(Fp32ReferenceFusion, ResidualReadBeforeTheAddIsNotOverwritten) {
  {  // the convolution feeding the Add reads the identity itself
    HandGraph h(360);
    const int x = h.input({1, 6, 6, 6});
    const int identity = unary(h, OpType::Relu, conv(h, x, 6, 6, {3, 3}, {1, 1}, {1, 1, 1, 1}));
    const int sum =
        h.node(OpType::Add, {conv(h, identity, 6, 6, {3, 3}, {1, 1}, {1, 1, 1, 1}), identity});
    EXPECT_TRUE(matches_reference(h.finish(unary(h, OpType::Relu, sum)), 361));
  }
  {  // a node between the convolution and the Add reads the identity
    HandGraph h(362);
    const int x = h.input({1, 6, 6, 6});
    const int identity = unary(h, OpType::Relu, conv(h, x, 6, 6, {3, 3}, {1, 1}, {1, 1, 1, 1}));
    const int c = conv(h, identity, 6, 6, {3, 3}, {1, 1}, {1, 1, 1, 1});
    const int between = unary(h, OpType::Sigmoid, identity);
    const int sum = h.node(OpType::Add, {c, identity});
    EXPECT_TRUE(matches_reference(
        h.finish(h.node(OpType::Concat, {sum, between}, attrs({{"axis", int64_t{1}}}))), 363));
  }
}

TEST(Fp32ReferenceFusion, ChainedIdentityBlocksAddInPlaceWithoutCopies) {
  // Each block's input is the previous block's in-place sum; the dead
  // previous input sharing its memory must not force a copy.
  HandGraph h(370);
  const int x = h.input({1, 8, 6, 6});
  int block = unary(h, OpType::Relu, conv(h, x, 8, 8, {1, 1}));
  for (int i = 0; i < 4; ++i) {
    const int branch = batch_norm(h,
                                  conv(h, unary(h, OpType::Relu, conv(h, block, 8, 8, {1, 1})), 8,
                                       8, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, false),
                                  8);
    block = unary(h, OpType::Relu, h.node(OpType::Add, {branch, block}));
  }
  const Graph g = h.finish(block);
  EXPECT_TRUE(matches_reference(g, 371));
  for (const std::string& kernel : compile_fp32(g, 0, unit_count(g))->kernels())
    EXPECT_EQ(kernel.find("reorder"), std::string::npos) << kernel;
}

TEST(Fp32ReferenceFusion, FlattenIntoALinearLayerReadsTheBlockedValueAsItIs) {
  // The inner product reads the convolution's blocked output through the
  // Flatten, in a Gemm and in a MatMul + bias Add, for one and two rows: no
  // reorder between the two kernels, and the reference's values.
  for (const bool gemm : {true, false})
    for (const int64_t rows : {1, 2}) {
      SCOPED_TRACE(std::string(gemm ? "Gemm" : "MatMul") + ", rows " + std::to_string(rows));
      HandGraph h(380);
      const int x = h.input({rows, 3, 6, 6});
      const int c = unary(h, OpType::Relu, conv(h, x, 3, 16, {3, 3}, {2, 2}, {1, 1, 1, 1}));
      const int f = h.node(OpType::Flatten, {c}, attrs({{"axis", int64_t{1}}}));
      const int y =
          gemm ? h.node(OpType::Gemm, {f, h.weight({10, 144}, -0.1f, 0.1f), h.weight({10})},
                        attrs({{"transB", int64_t{1}}}))
               : h.node(OpType::Add, {h.node(OpType::MatMul, {f, h.weight({144, 10}, -0.1f, 0.1f)}),
                                      h.weight({10})});
      const Graph g = h.finish(y);
      EXPECT_TRUE(matches_reference(g, 381));
      const std::vector<std::string> kernels = compile_fp32(g, 0, unit_count(g))->kernels();
      const auto product = std::find_if(kernels.begin(), kernels.end(), [](const std::string& k) {
        return k.rfind("inner_product", 0) == 0;
      });
      ASSERT_NE(product, kernels.begin()) << "no inner product after the convolution";
      ASSERT_NE(product, kernels.end());
      EXPECT_EQ(std::prev(product)->rfind("convolution", 0), 0u) << *std::prev(product);
    }
}

TEST(Fp32ReferenceFusion, StrideOneThreeByThreeConvolutionsRunWinograd) {
  // Winograd in place of the direct kernel for 3x3 stride-1 convolutions,
  // a ReLU and a residual Add fused as for any convolution: the reference's
  // values, and the 1x1 and the strided 3x3 convolutions stay direct. oneDNN
  // has Winograd kernels on AVX-512 CPUs only.
  HandGraph h(390);
  const int x = h.input({1, 16, 14, 14});
  const int a = unary(h, OpType::Relu, conv(h, x, 16, 16, {1, 1}));
  const int c = unary(h, OpType::Relu, conv(h, a, 16, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}));
  const int b = unary(h, OpType::Relu,
                      h.node(OpType::Add, {conv(h, c, 16, 16, {3, 3}, {1, 1}, {1, 1, 1, 1}), a}));
  const Graph g = h.finish(conv(h, b, 16, 32, {3, 3}, {2, 2}, {1, 1, 1, 1}));
  EXPECT_TRUE(matches_reference(g, 391));
  if (dnnl::get_effective_cpu_isa() < dnnl::cpu_isa::avx512_core)
    GTEST_SKIP() << "oneDNN has no Winograd kernel below AVX-512";
  const std::vector<std::string> kernels = compile_fp32(g, 0, unit_count(g))->kernels();
  std::vector<std::string> winograd, direct;
  for (const std::string& k : kernels)
    if (k.rfind("convolution", 0) == 0)
      (k.find("wino") != std::string::npos ? winograd : direct).push_back(k);
  EXPECT_EQ(winograd.size(), 2u) << testing::join(kernels);
  EXPECT_EQ(direct.size(), 2u) << testing::join(kernels);
  // The direct convolutions work in the Winograd kernels' layout: no
  // reorder between the convolutions.
  const auto is_conv = [](const std::string& k) { return k.rfind("convolution", 0) == 0; };
  const auto first = std::find_if(kernels.begin(), kernels.end(), is_conv);
  const auto last = std::find_if(kernels.rbegin(), kernels.rend(), is_conv).base();
  EXPECT_TRUE(std::none_of(first, last, [](const std::string& k) {
    return k.rfind("reorder", 0) == 0;
  })) << testing::join(kernels);
}

TEST(Fp32ReferenceFusion, AddOperandComputedAfterTheConv) {
  // The other Add operand is produced after the convolution in node order,
  // so it cannot be a residual post-op of it.
  HandGraph h(350);
  const int x = h.input({1, 5, 6, 6});
  const int c = conv(h, x, 5, 5, {3, 3}, {1, 1}, {1, 1, 1, 1});
  const int later = unary(h, OpType::Sigmoid, x);
  EXPECT_TRUE(
      matches_reference(h.finish(unary(h, OpType::Relu, h.node(OpType::Add, {c, later}))), 351));
}

TEST(Fp32ReferenceFusion, ConvAddWithBroadcastOperand) {
  HandGraph h(352);
  const int x = h.input({1, 3, 6, 6});
  const int c = conv(h, x, 3, 3, {3, 3}, {1, 1}, {1, 1, 1, 1});
  const int g = h.node(OpType::GlobalAveragePool, {x});
  EXPECT_TRUE(
      matches_reference(h.finish(unary(h, OpType::Relu, h.node(OpType::Add, {c, g}))), 353));
}

// ---------------------------------------------------------------------------
// (c) zoo models

void expect_zoo_model_matches(const std::string& name, uint64_t seed, Shape input_shape = {}) {
  Graph g = build_zoo_model(name, seed);
  if (!input_shape.empty()) {  // a smaller image where the architecture allows one
    g.tensor(g.inputs.at(0)).shape = input_shape;
    validate(g);
  }
  EXPECT_TRUE(matches_reference(g, seed + 1)) << name;
}

TEST(Fp32ReferenceZoo, Lenet5) { expect_zoo_model_matches("lenet5", 400); }
TEST(Fp32ReferenceZoo, Alexnet) { expect_zoo_model_matches("alexnet", 401); }
TEST(Fp32ReferenceZoo, MobilenetV2) { expect_zoo_model_matches("mobilenet_v2", 402); }
// Bottleneck blocks at 64x64 (global average pooling accepts any size).
TEST(Fp32ReferenceZoo, Resnet50At64) { expect_zoo_model_matches("resnet50", 403, {1, 3, 64, 64}); }

// ResNet18 is shared by the whole-model and the partition tests: one
// reference pass with every tensor kept.
struct Resnet18Case {
  Graph graph;
  std::vector<float> input;
  std::unordered_map<int, std::vector<float>> reference;  // every tensor
  std::vector<Unit> units;
};

const Resnet18Case& resnet18_case() {
  static const Resnet18Case c = [] {
    Resnet18Case r;
    r.graph = build_zoo_model("resnet18", 404);
    r.input = input_for(r.graph, 405);
    r.reference = ref::reference_run_all(r.graph, r.input);
    r.units = split_units(r.graph);
    return r;
  }();
  return c;
}

TEST(Fp32ReferenceZoo, Resnet18) {
  const Resnet18Case& c = resnet18_case();
  const Graph& g = c.graph;
  auto partition = compile_fp32(g, 0, static_cast<int>(c.units.size()));
  const Handoff out = partition->run(Handoff::from_floats(g.tensor(g.inputs[0]).shape, c.input));
  ASSERT_EQ(out.shape(), (Shape{1, 1000}));
  EXPECT_LE(ref::max_relative_error(out.to_floats(), c.reference.at(g.outputs[0])), kTolerance);
  // The same compiled partition gives the same answer on a second run.
  const Handoff again = partition->run(Handoff::from_floats(g.tensor(g.inputs[0]).shape, c.input));
  EXPECT_EQ(ref::max_relative_error(again.to_floats(), out.to_floats()), 0.0);
}

// ---------------------------------------------------------------------------
// (d) partitions

TEST(Fp32ReferencePartition, Resnet18SplitsAgreeWithWholeModel) {
  const Resnet18Case& c = resnet18_case();
  const Graph& g = c.graph;
  const int n = static_cast<int>(c.units.size());
  ASSERT_EQ(n, 15);  // DESIGN.md: 16 split indices
  const Shape& in_shape = g.tensor(g.inputs[0]).shape;
  const Handoff whole = compile_fp32(g, 0, n)->run(Handoff::from_floats(in_shape, c.input));
  for (int cut : {1, 2, 3, 4, 5, 7, 10, 12, 13, 14}) {
    SCOPED_TRACE("split at unit " + std::to_string(cut) + " (after " + c.units[cut - 1].name + ")");
    const int tensor = c.units[cut - 1].output;
    auto first = compile_fp32(g, 0, cut);
    auto second = compile_fp32(g, cut, n);
    const Handoff mid = first->run(Handoff::from_floats(in_shape, c.input));
    EXPECT_FALSE(mid.is_quantized());
    ASSERT_EQ(mid.shape(), g.tensor(tensor).shape);
    EXPECT_EQ(mid.bytes(), numel(g.tensor(tensor).shape) * 4);
    EXPECT_LE(ref::max_relative_error(mid.to_floats(), c.reference.at(tensor)), kTolerance)
        << "first partition output vs reference tensor " << g.tensor(tensor).name;
    const Handoff out = second->run(mid);
    ASSERT_EQ(out.shape(), whole.shape());
    EXPECT_LE(ref::max_relative_error(out.to_floats(), whole.to_floats()), kTolerance);
    EXPECT_LE(ref::max_relative_error(out.to_floats(), c.reference.at(g.outputs[0])), kTolerance);
  }
}

TEST(Fp32ReferencePartition, ThreeStagesOnMobilenetV2) {
  const Graph g = build_zoo_model("mobilenet_v2", 410);
  const std::vector<Unit> units = split_units(g);
  const int n = static_cast<int>(units.size());
  const std::vector<float> x = input_for(g, 411);
  const auto reference = ref::reference_run_all(g, x);
  const int a = 3, b = 12;  // inside the inverted-residual stages
  Handoff h = Handoff::from_floats(g.tensor(g.inputs[0]).shape, x);
  h = compile_fp32(g, 0, a)->run(h);
  EXPECT_LE(ref::max_relative_error(h.to_floats(), reference.at(units[a - 1].output)), kTolerance);
  h = compile_fp32(g, a, b)->run(h);
  EXPECT_LE(ref::max_relative_error(h.to_floats(), reference.at(units[b - 1].output)), kTolerance);
  h = compile_fp32(g, b, n)->run(h);
  EXPECT_LE(ref::max_relative_error(h.to_floats(), reference.at(g.outputs[0])), kTolerance);
}

// ---------------------------------------------------------------------------
// (e) bad input to run()

TEST(Fp32ReferenceBadInput, WrongHandoffShapeNamesBothShapes) {
  const Graph g = build_zoo_model("lenet5", 500);
  auto whole = compile_fp32(g, 0, unit_count(g));
  try {
    whole->run(Handoff::from_floats({1, 1, 28, 28}, std::vector<float>(28 * 28, 0.5f)));
    FAIL() << "a 1x1x28x28 input to lenet5 must be rejected";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(msg.find("1x1x28x28"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1x1x32x32"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  // The same element count in another shape is still the wrong shape.
  EXPECT_THROW(whole->run(Handoff::from_floats({1, 32, 32, 1}, std::vector<float>(1024, 0.0f))),
               Error);

  // A second partition fed the graph input instead of the tensor at its cut.
  const std::vector<Unit> units = split_units(g);
  auto tail = compile_fp32(g, 2, static_cast<int>(units.size()));
  const Shape expected = g.tensor(units[1].output).shape;
  try {
    tail->run(Handoff::from_floats({1, 1, 32, 32}, std::vector<float>(1024, 0.0f)));
    FAIL() << "the tail partition expects " << shape_to_string(expected);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("1x1x32x32"), std::string::npos) << msg;
    EXPECT_NE(msg.find(shape_to_string(expected)), std::string::npos) << msg;
  }
  // A partition still works after rejecting bad input.
  const std::vector<float> x = input_for(g, 501);
  EXPECT_LE(ref::max_relative_error(whole->run(Handoff::from_floats({1, 1, 32, 32}, x)).to_floats(),
                                    ref::reference_run(g, x)),
            kTolerance);
}

TEST(Fp32ReferenceBadInput, BadUnitRange) {
  const Graph g = build_zoo_model("lenet5", 502);
  const int n = unit_count(g);
  EXPECT_THROW(compile_fp32(g, 0, 0), Error);
  EXPECT_THROW(compile_fp32(g, 3, 2), Error);
  EXPECT_THROW(compile_fp32(g, 0, n + 1), Error);
  EXPECT_THROW(compile_fp32(g, -1, 2), Error);
}

// The reference itself, on values worked out by hand, so that agreement with
// it means something.
TEST(Fp32ReferenceSelfCheck, HandComputedValues) {
  {  // 1x1x3x3 input, 2x2 kernel of ones, stride 1, no pad: sums of 2x2 blocks
    HandGraph h(600);
    const int x = h.input({1, 1, 3, 3});
    const int w = h.constant({1, 1, 2, 2}, {1, 1, 1, 1}, TensorRole::param);
    const int b = h.constant({1}, {0.5f}, TensorRole::param);
    const Graph g =
        h.finish(h.node(OpType::Conv, {x, w, b}, attrs({{"kernel_shape", Ints{2, 2}}})));
    EXPECT_EQ(ref::reference_run(g, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
              (std::vector<float>{12.5f, 16.5f, 24.5f, 28.5f}));
  }
  {  // AveragePool 2x2 stride 2 ceil_mode on 3x3: windows of 4, 2, 2, 1 elements
    HandGraph h(601);
    const int x = h.input({1, 1, 3, 3});
    const Graph g = h.finish(h.node(
        OpType::AveragePool, {x},
        attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}})));
    EXPECT_EQ(ref::reference_run(g, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
              (std::vector<float>{3, 4.5f, 7.5f, 9}));
  }
  {  // AveragePool 3x3 stride 2 pad 1 count_include_pad ceil_mode on 4x4 of 9s:
     // windows start at -1, 1 and 3 (3 starts inside the input). The divisor
     // counts taps inside the padded input [-1, 5), not the overhang at 5.
    HandGraph h(602);
    const int x = h.input({1, 1, 4, 4});
    const Graph g = h.finish(h.node(OpType::AveragePool, {x},
                                    attrs({{"kernel_shape", Ints{3, 3}},
                                           {"strides", Ints{2, 2}},
                                           {"pads", Ints{1, 1, 1, 1}},
                                           {"ceil_mode", int64_t{1}},
                                           {"count_include_pad", int64_t{1}}})));
    const std::vector<float> y = ref::reference_run(g, std::vector<float>(16, 9.0f));
    // Per axis: window -1..1 has 2 real of 3 padded taps, 1..3 has 3 of 3, 3..5 has 1 of 2.
    const float real[3] = {2, 3, 1}, padded[3] = {3, 3, 2};
    ASSERT_EQ(y.size(), 9u);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        EXPECT_FLOAT_EQ(y[r * 3 + c], 9.0f * real[r] * real[c] / (padded[r] * padded[c]))
            << r << "," << c;
  }
  {  // Slice with a negative step reverses
    HandGraph h(603);
    const int x = h.input({5});
    const Graph g =
        h.finish(h.node(OpType::Slice, {x},
                        attrs({{"starts", Ints{-1}}, {"ends", Ints{-100}}, {"steps", Ints{-2}}})));
    EXPECT_EQ(ref::reference_run(g, {0, 1, 2, 3, 4}), (std::vector<float>{4, 2, 0}));
  }
  {  // Pad reflect and edge on [1, 2, 3]
    for (const auto& [mode, want] :
         {std::pair<std::string, std::vector<float>>{"reflect", {3, 2, 1, 2, 3, 2, 1}},
          {"edge", {1, 1, 1, 2, 3, 3, 3}}}) {
      HandGraph h(604);
      const int x = h.input({3});
      const Graph g =
          h.finish(h.node(OpType::Pad, {x}, attrs({{"pads", Ints{2, 2}}, {"mode", mode}})));
      EXPECT_EQ(ref::reference_run(g, {1, 2, 3}), want) << mode;
    }
  }
  {  // Gemm: alpha * A B + beta * C
    HandGraph h(605);
    const int a = h.input({1, 2});
    const int b = h.constant({2, 2}, {1, 2, 3, 4}, TensorRole::param);
    const int c = h.constant({2}, {10, 20}, TensorRole::param);
    const Graph g =
        h.finish(h.node(OpType::Gemm, {a, b, c}, attrs({{"alpha", 2.0f}, {"beta", 0.5f}})));
    EXPECT_EQ(ref::reference_run(g, {1, 1}), (std::vector<float>{13, 22}));
  }
}

}  // namespace
}  // namespace splitinfer
