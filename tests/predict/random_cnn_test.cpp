// The random CNN generator: reproducible from the seed, within the unit and
// MAC bounds, covering the layer kinds the predictors must learn, and every
// model running end to end on the INT8 and FP32 CPU elements, whole and
// split between them, with finite outputs.
#include "predict/random_cnn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

#include "common/error.h"
#include "exec/backend.h"
#include "exec/calibration.h"
#include "exec/handoff.h"
#include "graph/graph.h"
#include "graph/stats.h"

namespace splitinfer::predict {
namespace {

constexpr int kSurveyedSeeds = 300;

RandomCnnOptions shape_only() {
  RandomCnnOptions o;
  o.weights = false;
  return o;
}

bool same_data(const Tensor& a, const Tensor& b) {
  if (a.has_data() != b.has_data()) return false;
  return !a.has_data() || *a.data == *b.data;
}

TEST(RandomCnn, SameSeedGivesTheSameModel) {
  const Graph a = random_cnn(17), b = random_cnn(17);
  EXPECT_EQ(a.name, "random_cnn_17");
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) EXPECT_EQ(a.nodes[i].name, b.nodes[i].name);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    SCOPED_TRACE(a.tensors[i].name);
    EXPECT_EQ(a.tensors[i].shape, b.tensors[i].shape);
    EXPECT_TRUE(same_data(a.tensors[i], b.tensors[i]));
  }
  EXPECT_TRUE(a.tensor(a.nodes[0].inputs[1]).has_data());

  const Graph c = random_cnn(18);
  EXPECT_EQ(c.name, "random_cnn_18");
  const bool differs = c.nodes.size() != a.nodes.size() ||
                       c.tensor(c.inputs[0]).shape != a.tensor(a.inputs[0]).shape ||
                       total_macs(c) != total_macs(a);
  EXPECT_TRUE(differs);
}

TEST(RandomCnn, UnitsAndMacsStayWithinTheOptions) {
  const RandomCnnOptions defaults = shape_only();
  RandomCnnOptions narrow = shape_only();
  narrow.min_units = 10;
  narrow.max_units = 12;
  narrow.min_macs = 20'000'000;
  narrow.max_macs = 200'000'000;
  for (const RandomCnnOptions& o : {defaults, narrow}) {
    int near_target = 0;
    for (uint64_t seed = 0; seed < kSurveyedSeeds; ++seed) {
      SCOPED_TRACE("seed " + std::to_string(seed));
      const Graph g = random_cnn(seed, o);
      const int units = static_cast<int>(g.units.size());
      EXPECT_GE(units, o.min_units);
      EXPECT_LE(units, o.max_units);
      EXPECT_LE(total_macs(g), o.max_macs);
      if (total_macs(g) >= o.min_macs * 9 / 10) ++near_target;
      const Shape& in = g.tensor(g.inputs[0]).shape;
      EXPECT_TRUE(in[1] == 1 || in[1] == 3);
      EXPECT_GE(in[2], 32);
      EXPECT_LE(in[2], 224);
      EXPECT_EQ(in[2], in[3]);
    }
    // The lower bound is a target, not a guarantee (a few small models hit
    // the channel limits first); most models reach it.
    EXPECT_GE(near_target, kSurveyedSeeds * 9 / 10);
  }
}

// How often each feature of interest shows up over many seeds.
std::map<std::string, int> survey() {
  std::map<std::string, int> seen;
  for (uint64_t seed = 0; seed < kSurveyedSeeds; ++seed) {
    const Graph g = random_cnn(seed, shape_only());
    const Shape& in = g.tensor(g.inputs[0]).shape;
    ++seen["input_channels_" + std::to_string(in[1])];
    if (in[2] < 64) ++seen["input_below_64"];
    if (in[2] > 192) ++seen["input_above_192"];
    const int units = static_cast<int>(g.units.size());
    if (units <= 12) ++seen["units_at_most_12"];
    if (units >= 50) ++seen["units_at_least_50"];
    int gemms = 0;
    for (const Node& n : g.nodes) {
      ++seen[std::string(op_name(n.op))];
      if (n.op == OpType::Gemm) ++gemms;
      if (n.op != OpType::Conv) continue;
      ++seen["conv_kernel_" + std::to_string(n.attrs.get_ints("kernel_shape")[0])];
      ++seen["conv_stride_" + std::to_string(n.attrs.get_ints("strides")[0])];
      const int64_t groups = n.attrs.get_int("group", 1);
      if (groups > 1 && groups == g.input(n, 0)->shape[1]) ++seen["depthwise_conv"];
    }
    if (gemms == 2) ++seen["hidden_linear"];
  }
  return seen;
}

TEST(RandomCnn, CoversTheLayerKinds) {
  const std::map<std::string, int> seen = survey();
  for (const char* feature : {"input_channels_1",
                              "input_channels_3",
                              "input_below_64",
                              "input_above_192",
                              "units_at_most_12",
                              "units_at_least_50",
                              "conv_kernel_1",
                              "conv_kernel_3",
                              "conv_kernel_5",
                              "conv_kernel_7",
                              "conv_stride_1",
                              "conv_stride_2",
                              "depthwise_conv",
                              "MaxPool",
                              "AveragePool",
                              "GlobalAveragePool",
                              "Add",
                              "BatchNormalization",
                              "Relu",
                              "Clip",
                              "Flatten",
                              "Gemm",
                              "hidden_linear"}) {
    const auto it = seen.find(feature);
    EXPECT_TRUE(it != seen.end() && it->second >= 3) << feature << " seen in fewer than 3 models";
  }
}

TEST(RandomCnn, RejectsInconsistentOptions) {
  RandomCnnOptions o;
  o.min_units = 3;
  EXPECT_THROW(random_cnn(1, o), Error);
  o = {};
  o.max_units = o.min_units - 1;
  EXPECT_THROW(random_cnn(1, o), Error);
  o = {};
  o.max_macs = o.min_macs - 1;
  EXPECT_THROW(random_cnn(1, o), Error);
  o = {};
  o.min_macs = o.max_macs = 1000;  // below any model's narrowest variant
  try {
    random_cnn(1, o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("random_cnn_1"), std::string::npos) << e.what();
  }
}

bool all_finite(const std::vector<float>& values) {
  return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

TEST(RandomCnn, ModelsRunOnInt8AndFp32Elements) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "cpu1 needs a second core";
  for (uint64_t seed : {1, 2, 3, 4, 5, 6}) {
    const Graph g = random_cnn(seed);
    SCOPED_TRACE(g.name);
    const int units = static_cast<int>(g.units.size());
    const Shape& out_shape = g.tensor(g.outputs[0]).shape;
    const Calibration calibration =
        calibrate(g, synthetic_calibration_inputs(g, 4, seed), CalibrationMethod::percentile);
    const Handoff input = Handoff::from_floats(g.tensor(g.inputs[0]).shape,
                                               synthetic_calibration_inputs(g, 1, ~seed).at(0));

    const Handoff int8 =
        make_backend("cpu0:int8")->compile({&g, 0, units, &calibration})->run(input);
    EXPECT_TRUE(int8.is_quantized());
    EXPECT_EQ(int8.shape(), out_shape);
    EXPECT_TRUE(all_finite(int8.to_floats()));

    const Handoff fp32 = make_backend("cpu1:fp32")->compile({&g, 0, units, nullptr})->run(input);
    EXPECT_EQ(fp32.shape(), out_shape);
    EXPECT_TRUE(all_finite(fp32.to_floats()));

    const int cut = units / 2;
    const Handoff mid = make_backend("cpu0:int8")->compile({&g, 0, cut, &calibration})->run(input);
    const Handoff split = make_backend("cpu1:fp32")->compile({&g, cut, units, nullptr})->run(mid);
    EXPECT_EQ(split.shape(), out_shape);
    EXPECT_TRUE(all_finite(split.to_floats()));
  }
}

}  // namespace
}  // namespace splitinfer::predict
