// Choosing the type and clip point of a tensor (exec/clipping.h), the
// calibration's record (channel means, JSON round trip), and the bias
// correction the INT8 backend derives from the channel means.
#include "exec/calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "common/error.h"
#include "exec/clipping.h"
#include "exec/partition_test_util.h"
#include "graph/builder.h"
#include "support/reference_interpreter.h"

namespace splitinfer {
namespace {

using namespace testing;
using Ints = std::vector<int64_t>;

constexpr CalibrationMethod kMethods[] = {CalibrationMethod::minmax, CalibrationMethod::percentile,
                                          CalibrationMethod::mse, CalibrationMethod::entropy,
                                          CalibrationMethod::histogram};

std::vector<float> gaussian(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

ValueRange range_of(const std::vector<float>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return {*lo, *hi};
}

TEST(Clipping, MinmaxClipsAtTheLargestMagnitude) {
  // Symmetric values: symmetric codes, clipped at the largest magnitude.
  std::vector<float> v = gaussian(10000, 1);
  v.push_back(-50.0f);
  v.push_back(50.0f);
  std::vector<float> copy = v;
  const Clipping c = choose_clipping(copy, range_of(copy), CalibrationMethod::minmax);
  EXPECT_FALSE(c.is_unsigned);
  EXPECT_FALSE(c.affine());
  EXPECT_FLOAT_EQ(c.clip, 50.0f);
  // One-sided: affine codes over the extremes, half the step of s8's.
  v.pop_back();
  const float top = range_of(v).max;
  const Clipping a = choose_clipping(v, range_of(v), CalibrationMethod::minmax);
  EXPECT_TRUE(a.affine());
  EXPECT_FLOAT_EQ(a.low, -50.0f);
  EXPECT_FLOAT_EQ(a.clip, top);
}

TEST(Clipping, MinmaxClipsAtTheExtremesSeenNotTheSamples) {
  // The sample is a thinned subset of the values: its largest can fall far
  // short of the tensor's. The clip of minmax is the largest value seen.
  std::vector<float> sample;
  for (float x : gaussian(10000, 7)) sample.push_back(std::abs(x));
  const ValueRange seen{0.0f, 12.0f};  // a peak the sample missed
  std::vector<float> copy = sample;
  const Clipping minmax = choose_clipping(copy, seen, CalibrationMethod::minmax);
  EXPECT_TRUE(minmax.is_unsigned);
  EXPECT_FLOAT_EQ(minmax.clip, 12.0f);
}

TEST(Clipping, PercentileAndEntropyIgnoreARareOutlierMseAndHistogramWeighIt) {
  std::vector<float> v = gaussian(20000, 2);
  v.push_back(40.0f);
  auto clipping = [&](CalibrationMethod m) {
    std::vector<float> copy = v;
    return choose_clipping(copy, range_of(copy), m);
  };
  for (CalibrationMethod m : {CalibrationMethod::percentile, CalibrationMethod::entropy}) {
    const Clipping c = clipping(m);
    SCOPED_TRACE(calibration_method_name(m));
    EXPECT_FALSE(c.is_unsigned);
    EXPECT_GT(c.clip, 2.0f);   // keeps the body of a unit Gaussian
    EXPECT_LT(c.clip, 10.0f);  // and drops the outlier
  }
  // Squared error counts the outlier's clipping: MSE codes the sample with
  // less error than every other method, and the histogram search, which
  // minimises squared error too, keeps the outlier.
  const double mse_error = coding_error(v, {false, clipping(CalibrationMethod::mse).clip});
  EXPECT_GT(clipping(CalibrationMethod::histogram).clip, 39.0f);
  for (CalibrationMethod m : {CalibrationMethod::minmax, CalibrationMethod::percentile,
                              CalibrationMethod::entropy, CalibrationMethod::histogram})
    EXPECT_LE(mse_error, coding_error(v, {false, clipping(m).clip})) << calibration_method_name(m);
}

TEST(Clipping, HistogramKeepsAnEvenSpreadWhole) {
  // Evenly spread values have no outliers: clipping any of them only adds
  // error, so the search stops at once. Over [-1, 3], affine codes' steps
  // are 4/255 against symmetric s8's 3/127: their error is 0.44 of it.
  std::vector<float> v;
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<float> uniform(-1.0f, 3.0f);
  for (int i = 0; i < 20000; ++i) v.push_back(uniform(rng));
  const Clipping c = choose_clipping(v, range_of(v), CalibrationMethod::histogram);
  EXPECT_TRUE(c.affine());
  EXPECT_TRUE(c.is_unsigned);
  EXPECT_GT(c.clip, 2.99f);
  EXPECT_LE(c.clip, 3.0f);
  EXPECT_LT(c.low, -0.99f);
  EXPECT_GE(c.low, -1.0f);
  EXPECT_LT(coding_error(v, c), 0.5 * coding_error(v, {false, c.clip}));
  // Non-negative values code in u8, clipped at the top alone.
  for (float& x : v) x = std::abs(x);
  const Clipping u = choose_clipping(v, range_of(v), CalibrationMethod::histogram);
  EXPECT_TRUE(u.is_unsigned);
  EXPECT_GT(u.clip, 2.99f);
}

TEST(Clipping, EntropyKeepsATensorThatStartsFarFromZero) {
  // Pooled squeeze-excitation values: a few hundred, all in [0.2, 1.1].
  // Clipped at its minimum the histogram is one spike that 128 levels code
  // exactly (KL 0), which must not count as the best clip.
  std::vector<float> v;
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<float> uniform(0.2f, 1.1f);
  for (int i = 0; i < 256; ++i) v.push_back(uniform(rng));
  const Clipping c = choose_clipping(v, range_of(v), CalibrationMethod::entropy);
  EXPECT_TRUE(c.is_unsigned);
  EXPECT_GT(c.clip, 1.0f);
}

TEST(Clipping, MseIsTheBestClipOfItsSearch) {
  std::vector<float> v = gaussian(5000, 3);
  std::vector<float> copy = v;
  const Clipping c = choose_clipping(copy, range_of(copy), CalibrationMethod::mse);
  const double best = coding_error(v, c);
  for (float clip : {1.0f, 2.0f, 3.0f, 5.0f, 8.0f})
    EXPECT_LE(best, coding_error(v, {false, clip})) << clip;
}

TEST(Clipping, RareSmallNegativesStillGetUnsignedCodes) {
  // A ReLU-like tensor that dips below zero a few times by a hair: u8's
  // finer steps outweigh clipping those values to 0, for every method.
  std::vector<float> v;
  for (float x : gaussian(20000, 4)) v.push_back(std::abs(x));
  for (int i = 0; i < 5; ++i) v.push_back(-1e-3f);
  for (CalibrationMethod m : kMethods) {
    std::vector<float> copy = v;
    EXPECT_TRUE(choose_clipping(copy, range_of(copy), m).is_unsigned) << calibration_method_name(m);
  }
  // A symmetric tensor gets s8.
  for (CalibrationMethod m : kMethods) {
    std::vector<float> copy = gaussian(20000, 5);
    EXPECT_FALSE(choose_clipping(copy, range_of(copy), m).is_unsigned)
        << calibration_method_name(m);
  }
}

TEST(Clipping, MethodNamesRoundTripAndUnknownNamesAreErrors) {
  for (CalibrationMethod m : kMethods)
    EXPECT_EQ(parse_calibration_method(calibration_method_name(m)), m);
  EXPECT_THROW(parse_calibration_method("kl"), Error);
}

Graph depthwise_after_offset_input() {
  // Each channel's weights: one large tap and eight that are just under half
  // a code step, so they all code to 0: the weights lose 8 * 0.49 steps.
  ref::HandGraph h(41);
  const int x = h.input({1, 4, 8, 8});
  std::vector<float> w;
  for (int c = 0; c < 4; ++c)
    for (int t = 0; t < 9; ++t) w.push_back(t == 4 ? 1.0f : 0.49f / 127.0f);
  const int weight = h.constant({4, 1, 3, 3}, w, TensorRole::param);
  const int y = h.node(OpType::Conv, {x, weight},
                       attrs({{"kernel_shape", Ints{3, 3}}, {"group", int64_t{4}}}), "depthwise");
  return h.finish(y);
}

std::vector<std::vector<float>> offset_inputs(const Graph& g, int count, uint64_t seed) {
  auto inputs = synthetic_calibration_inputs(g, count, seed);
  for (auto& x : inputs)
    for (float& v : x) v = 20.0f + 0.1f * v;  // mean 20 on every channel
  return inputs;
}

TEST(Calibration, RecordsChannelMeansAndRoundTripsThroughJson) {
  const Graph g = depthwise_after_offset_input();
  const Calibration c = calibrate(g, offset_inputs(g, 4, 10), CalibrationMethod::mse);
  const std::vector<float>* means = c.channel_means(g.tensor(g.inputs.at(0)).name);
  ASSERT_NE(means, nullptr);
  ASSERT_EQ(means->size(), 4u);
  for (float m : *means) EXPECT_NEAR(m, 20.0f, 0.05f);
  const Calibration back = Calibration::from_json(c.to_json());
  EXPECT_EQ(back.method, CalibrationMethod::mse);
  EXPECT_EQ(back.samples, 4);
  EXPECT_EQ(*back.channel_means(g.tensor(g.inputs.at(0)).name), *means);
  const std::string out = g.tensor(g.outputs.at(0)).name;
  EXPECT_EQ(back.params(out).scale, c.params(out).scale);
  EXPECT_EQ(back.params(out).is_unsigned, c.params(out).is_unsigned);
}

TEST(Calibration, BiasCorrectionKeepsTheOutputMeanOfADepthwiseLayer) {
  const Graph g = depthwise_after_offset_input();
  const Calibration cal = calibrate(g, offset_inputs(g, 8, 11), CalibrationMethod::minmax);
  auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  // Uncorrected, every output would sit 8 * 0.49 / 127 * 20 = 0.62 low; the
  // output's own code step is about 21.2 / 255 = 0.083.
  for (const auto& x : offset_inputs(g, 2, 12)) {
    const std::vector<float> got = run_input(*p, g, x).to_floats();
    const std::vector<float> want = ref::reference_run(g, x);
    double shift = 0.0;
    for (size_t i = 0; i < got.size(); ++i) shift += got[i] - want[i];
    shift /= static_cast<double>(got.size());
    EXPECT_LT(std::abs(shift), 0.1) << "mean output shift " << shift;
  }
}

}  // namespace
}  // namespace splitinfer

namespace splitinfer {
namespace {

// A wide convolution: each calibration input has 200,704 outputs, far more
// than the sample calibration keeps of them. Under minmax, the INT8 layer
// run on a calibration input itself must not saturate: its largest output
// used to be clipped at the sample's largest value, 24% below the true one.
TEST(Calibration, MinmaxInt8LayerDoesNotSaturateOnItsOwnCalibrationInputs) {
  GraphBuilder b("wide_conv", 3);
  int x = b.input("input", {1, 64, 56, 56});
  x = b.conv(x, "conv", 64, 3, 1, 1, 1, true);
  x = b.relu(x, "relu");
  b.output(x);
  const Graph g = b.finish();
  const std::vector<std::vector<float>> inputs = synthetic_calibration_inputs(g, 2, 5);
  const Calibration calibration = calibrate(g, inputs, CalibrationMethod::minmax);
  const int n = unit_count(g);
  auto fp32 = compile("cpu0:fp32", g, 0, n, nullptr);
  auto int8 = compile("cpu0:int8", g, 0, n, &calibration);
  for (const auto& input : inputs) {
    const std::vector<float> want = run_input(*fp32, g, input).to_floats();
    const std::vector<float> got = run_input(*int8, g, input).to_floats();
    float peak = 0.0f, worst = 0.0f;
    for (size_t i = 0; i < want.size(); ++i) {
      peak = std::max(peak, std::abs(want[i]));
      worst = std::max(worst, std::abs(want[i] - got[i]));
    }
    EXPECT_LT(worst / peak, 0.03) << "largest error " << worst << " of a peak " << peak;
  }
}

}  // namespace
}  // namespace splitinfer
