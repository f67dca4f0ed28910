// Cross-layer equalization: the float function is kept, the ranges of each
// rescaled pair meet, INT8 gains where channels differ widely in scale, and
// the pairs that cannot be rescaled exactly are left alone.
#include "graph/equalization.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "exec/partition_test_util.h"
#include "support/reference_interpreter.h"

namespace splitinfer {
namespace {

using namespace testing;
using Ints = std::vector<int64_t>;
using ref::HandGraph;

// Uniform values in [-bound, bound), channel c (the leading index) times
// gain[c] when gains are given.
std::vector<float> uniform(std::mt19937_64& rng, int64_t count, float bound,
                           const std::vector<float>& gain = {}) {
  std::uniform_real_distribution<float> u(-bound, bound);
  std::vector<float> v(static_cast<size_t>(count));
  const size_t per = gain.empty() ? v.size() : v.size() / gain.size();
  for (size_t i = 0; i < v.size(); ++i) v[i] = u(rng) * (gain.empty() ? 1.0f : gain[i / per]);
  return v;
}

int conv(HandGraph& h, int x, std::vector<float> w, const Shape& ws, std::vector<float> b,
         int64_t groups, const std::string& name) {
  const int64_t k = ws[2], pad = k / 2;
  return h.node(
      OpType::Conv,
      {x, h.constant(ws, std::move(w), TensorRole::param),
       h.constant({ws[0]}, std::move(b), TensorRole::param)},
      attrs({{"kernel_shape", Ints{k, k}}, {"pads", Ints{pad, pad, pad, pad}}, {"group", groups}}),
      name);
}

float row_range(const Tensor& w, int64_t c) {
  const auto v = w.floats();
  const size_t row = v.size() / static_cast<size_t>(w.shape[0]);
  float r = 0.0f;
  for (size_t k = 0; k < row; ++k) r = std::max(r, std::abs(v[static_cast<size_t>(c) * row + k]));
  return r;
}

// Of a 1x1 convolution's weight [C_out, C_in, 1, 1].
float column_range(const Tensor& w, int64_t c) {
  const auto v = w.floats();
  float r = 0.0f;
  for (int64_t o = 0; o < w.shape[0]; ++o)
    r = std::max(r, std::abs(v[static_cast<size_t>(o * w.shape[1] + c)]));
  return r;
}

const Tensor& weight_of(const Graph& g, const std::string& node) {
  const auto it =
      std::find_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.name == node; });
  return g.tensor(it->inputs.at(1));
}

double lowest_int8_sqnr(const Graph& g) {
  const Calibration cal =
      calibrate(g, synthetic_calibration_inputs(g, 16, 3000), CalibrationMethod::histogram);
  auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  EXPECT_TRUE(p->float_fallbacks().empty()) << join(p->float_fallbacks());
  double lowest = 1e9;
  for (const auto& in : synthetic_calibration_inputs(g, 3, 7000))
    lowest =
        std::min(lowest, ref::sqnr_db(run_input(*p, g, in).to_floats(), ref::reference_run(g, in)));
  return lowest;
}

double float_sqnr_between(const Graph& a, const Graph& b) {
  double lowest = 1e9;
  for (const auto& in : synthetic_calibration_inputs(a, 3, 7000))
    lowest = std::min(lowest, ref::sqnr_db(ref::reference_run(a, in), ref::reference_run(b, in)));
  return lowest;
}

// The case equalization was made for: BatchNorm scales 1000x apart across
// channels (10^-1.5 .. 10^1.5), and a depthwise layer whose weights undo them,
// so that every channel matters downstream. One shared u8 scale for the
// BatchNorm's output leaves the narrow channels a code or two; rescaled, the
// channels are even. Conv-BN-ReLU-MaxPool -> depthwise-ReLU -> 1x1.
TEST(Equalization, KeepsTheFloatFunctionAndEvensUnevenChannels) {
  constexpr int64_t kIn = 8, kMid = 16, kOut = 8;
  std::mt19937_64 rng(11);
  std::vector<float> gamma, inverse;
  for (int64_t c = 0; c < kMid; ++c) {
    gamma.push_back(std::pow(10.0f, -1.5f + 3.0f * static_cast<float>(c) / (kMid - 1)));
    inverse.push_back(1.0f / gamma.back());
  }
  HandGraph h(12);
  const int x = h.input({1, kIn, 12, 12});
  int y = conv(h, x, uniform(rng, kMid * kIn * 9, 1.0f / std::sqrt(kIn * 9.0f)), {kMid, kIn, 3, 3},
               uniform(rng, kMid, 0.1f), 1, "conv_a");
  std::vector<float> beta = gamma;
  for (float& b : beta) b *= 0.2f;
  y = h.node(
      OpType::BatchNormalization,
      {y, h.constant({kMid}, gamma, TensorRole::param), h.constant({kMid}, beta, TensorRole::param),
       h.constant({kMid}, std::vector<float>(kMid, 0.0f), TensorRole::stat),
       h.constant({kMid}, std::vector<float>(kMid, 1.0f / 3.0f), TensorRole::stat)},
      {}, "bn_a");
  y = h.node(OpType::Relu, {y}, {}, "relu_a");
  y = h.node(OpType::MaxPool, {y}, attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}),
             "pool_a");
  y = conv(h, y, uniform(rng, kMid * 9, 1.0f / 3.0f, inverse), {kMid, 1, 3, 3},
           uniform(rng, kMid, 0.1f), kMid, "depthwise");
  y = h.node(OpType::Relu, {y}, {}, "relu_b");
  y = conv(h, y, uniform(rng, kOut * kMid, 0.25f), {kOut, kMid, 1, 1}, uniform(rng, kOut, 0.1f), 1,
           "project");
  const Graph original = h.finish(y);

  Graph equalized = original;
  const Equalization e = equalize_cross_layer(equalized);
  EXPECT_EQ(e.pairs, 2);  // conv_a -> depthwise, depthwise -> project
  EXPECT_GT(e.sweeps, 1);
  EXPECT_GE(float_sqnr_between(equalized, original), 100.0);

  // Where the factors settled, each channel's ranges meet on both sides of the
  // depthwise layer (its row is its column).
  const Tensor& depthwise = weight_of(equalized, "depthwise");
  const Tensor& project = weight_of(equalized, "project");
  for (int64_t c = 0; c < kMid; ++c)
    EXPECT_NEAR(row_range(depthwise, c) / column_range(project, c), 1.0, 1e-2) << "channel " << c;

  const double before = lowest_int8_sqnr(original), after = lowest_int8_sqnr(equalized);
  EXPECT_GE(after, before + 6.0) << after << " dB equalized against " << before << " dB";
}

// A grouped reader (neither dense nor depthwise) is rescaled column by
// column within its group; a ReLU6 (Clip) between two layers, a reader that
// is not a convolution, or a weight another node reads too keeps the pair.
TEST(Equalization, RescalesGroupedReadersAndSkipsInexactPairs) {
  std::mt19937_64 rng(21);
  const auto layer = [&](HandGraph& h, int x, int64_t in, int64_t out, int64_t groups,
                         const std::string& name) {
    const int64_t per = in / groups;
    return conv(h, x, uniform(rng, out * per * 9, 1.0f / std::sqrt(per * 9.0f)), {out, per, 3, 3},
                uniform(rng, out, 0.1f), groups, name);
  };
  {
    HandGraph h(22);
    int y = h.node(OpType::Relu, {layer(h, h.input({1, 8, 6, 6}), 8, 8, 1, "a")}, {}, "relu");
    const Graph original = h.finish(layer(h, y, 8, 4, 2, "grouped"));
    Graph equalized = original;
    EXPECT_EQ(equalize_cross_layer(equalized).pairs, 1);
    EXPECT_GE(float_sqnr_between(equalized, original), 100.0);
  }
  const auto expect_untouched = [](Graph g, const std::string& why) {
    const Graph before = g;
    EXPECT_EQ(equalize_cross_layer(g).pairs, 0) << why;
    for (size_t t = 0; t < g.tensors.size(); ++t)
      EXPECT_EQ(g.tensors[t].data, before.tensors[t].data) << why << ": " << g.tensors[t].name;
  };
  {
    HandGraph h(23);
    const int y = h.node(OpType::Clip,
                         {layer(h, h.input({1, 8, 6, 6}), 8, 8, 1, "a"), h.constant({}, {0.0f}),
                          h.constant({}, {6.0f})},
                         {}, "relu6");
    expect_untouched(h.finish(layer(h, y, 8, 8, 1, "b")), "ReLU6 between");
  }
  {
    HandGraph h(24);
    const int a = h.node(OpType::Relu, {layer(h, h.input({1, 8, 6, 6}), 8, 8, 1, "a")}, {}, "r");
    expect_untouched(h.finish(h.node(OpType::Add, {layer(h, a, 8, 8, 1, "b"), a}, {}, "residual")),
                     "an Add reads the ReLU too");
  }
  {
    HandGraph h(25);
    const int x = h.input({1, 8, 6, 6});
    const int a = h.node(OpType::Relu, {layer(h, x, 8, 8, 1, "a")}, {}, "r");
    Graph g = h.finish(layer(h, a, 8, 8, 1, "b"));
    Node twin = g.nodes[0];  // a second convolution of x with a's own weight
    twin.name = "twin";
    twin.outputs = {g.add_tensor({"twin_out"})};
    g.nodes.push_back(twin);
    g.outputs.push_back(twin.outputs[0]);
    validate(g);
    expect_untouched(g, "a's weight is shared");
  }
}

}  // namespace
}  // namespace splitinfer
