// The INT8 CPU element: statically calibrated on synthetic inputs, checked
// against the naive float reference (tests/support/reference_interpreter) by
// signal-to-quantization-noise ratio on inputs from the calibration
// distribution; the quantized hand-off; which ops fall back to float; an
// INT8 -> FP32 split; and the missing-calibration error.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "exec/backend.h"
#include "exec/calibration.h"
#include "exec/cpu/int8_coverage.h"
#include "exec/handoff.h"
#include "exec/partition_test_util.h"
#include "graph/builder.h"
#include "graph/graph.h"
#include "graph/units.h"
#include "graph/zoo/zoo.h"
#include "support/reference_interpreter.h"

namespace splitinfer {
namespace {

using Ints = std::vector<int64_t>;
using ref::HandGraph;
using namespace testing;

constexpr int kCalibrationInputs = 8;
constexpr uint64_t kCalibrationSeed = 1000;
constexpr uint64_t kTestSeed = 5000;  // other draws from the same distribution

// ResNet18 with its calibration, shared by the tests below.
struct Resnet18Int8 {
  Graph graph;
  Calibration calibration;
  std::vector<float> input;      // a fresh draw from the calibration distribution
  std::vector<float> reference;  // reference logits for it
  int units = 0;
};

const Resnet18Int8& resnet18() {
  static const Resnet18Int8 r = [] {
    Resnet18Int8 c;
    c.graph = build_zoo_model("resnet18", 7);
    c.calibration = calibrate(
        c.graph, synthetic_calibration_inputs(c.graph, kCalibrationInputs, kCalibrationSeed),
        CalibrationMethod::percentile);
    c.input = synthetic_calibration_inputs(c.graph, 1, kTestSeed).at(0);
    c.reference = ref::reference_run(c.graph, c.input);
    c.units = unit_count(c.graph);
    return c;
  }();
  return r;
}

// A small conv net: Conv+BN+ReLU, max pool, strided conv, a residual block,
// global pooling and a linear classifier.
Graph small_conv_net(uint64_t seed) {
  GraphBuilder b("small_conv_net", seed);
  int x = b.input("input", {1, 3, 32, 32});
  x = b.conv(x, "conv1", 8, 3, 1, 1, 1, false);
  x = b.batch_norm(x, "bn1");
  x = b.relu(x, "relu1");
  x = b.max_pool(x, "pool1", 2, 2);
  x = b.conv(x, "conv2", 16, 3, 2, 1, 1, false);
  x = b.batch_norm(x, "bn2");
  x = b.relu(x, "relu2");
  int y = b.conv(x, "block.conv", 16, 3, 1, 1, 1, false);
  y = b.batch_norm(y, "block.bn", 0.5f);
  y = b.add(y, x, "block");
  y = b.relu(y, "block.relu");
  y = b.global_avg_pool(y, "avgpool");
  y = b.flatten(y, "", "flatten");
  y = b.linear(y, "fc", 10);
  b.output(y);
  return b.finish();
}

TEST(Int8Handoff, PartitionOutputIsQuantized) {
  const Resnet18Int8& r = resnet18();
  const Graph& g = r.graph;
  {  // the whole model: logits, signed
    auto p = compile("cpu0:int8", g, 0, r.units, &r.calibration);
    const Handoff out = run_input(*p, g, r.input);
    EXPECT_TRUE(out.is_quantized());
    EXPECT_EQ(out.shape(), (Shape{1, 1000}));
    EXPECT_EQ(out.bytes(), out.elements() + 8);
    EXPECT_EQ(out.bytes(), handoff_bytes(Precision::int8, numel(g.tensor(g.outputs[0]).shape)));
    EXPECT_EQ(out.codes().size(), 1000u);
    EXPECT_GT(out.scale(), 0.0f);
    EXPECT_EQ(out.zero_point(), 0);
  }
  const std::vector<Unit> units = split_units(g);
  for (int cut : {1, 4, 6, 9}) {
    SCOPED_TRACE("prefix of " + std::to_string(cut) + " units, ending in " + units[cut - 1].name);
    const Tensor& t = g.tensor(units[cut - 1].output);
    auto p = compile("cpu0:int8", g, 0, cut, &r.calibration);
    const Handoff out = run_input(*p, g, r.input);
    EXPECT_TRUE(out.is_quantized());
    EXPECT_EQ(out.shape(), t.shape);
    EXPECT_EQ(out.bytes(), numel(t.shape) + kInt8HandoffHeaderBytes);
    EXPECT_EQ(out.bytes(), handoff_bytes(Precision::int8, numel(t.shape)));
    EXPECT_GT(out.scale(), 0.0f);
  }
  // After a ReLU and max pool (unit 4 ends in maxpool) nothing is negative:
  // the codes are unsigned and still 1 byte each.
  auto p = compile("cpu0:int8", g, 0, 4, &r.calibration);
  const Handoff pooled = run_input(*p, g, r.input);
  EXPECT_EQ(pooled.type(), HandoffType::u8);
}

TEST(Int8Accuracy, Resnet18SqnrAgainstReference) {
  const Resnet18Int8& r = resnet18();
  auto p = compile("cpu0:int8", r.graph, 0, r.units, &r.calibration);
  const Handoff out = run_input(*p, r.graph, r.input);
  const double sqnr = ref::sqnr_db(out.to_floats(), r.reference);
  RecordProperty("resnet18_int8_sqnr_db", std::to_string(sqnr));
  EXPECT_GE(sqnr, 25.0) << "INT8 resnet18 vs reference SQNR " << sqnr << " dB";
  // Top-1 of random-weight logits is fragile; report it, do not assert it.
  const auto q = out.to_floats();
  const auto top = [](const std::vector<float>& v) {
    return std::max_element(v.begin(), v.end()) - v.begin();
  };
  RecordProperty("resnet18_int8_top1_agrees", top(q) == top(r.reference) ? "yes" : "no");
}

TEST(Int8Accuracy, Resnet18HandoffTensorsAgainstReference) {
  // The dequantized hand-off at a cut against the reference tensor there.
  const Resnet18Int8& r = resnet18();
  const auto reference = ref::reference_run_all(r.graph, r.input);
  const std::vector<Unit> units = split_units(r.graph);
  for (int cut : {1, 4, 8, 12}) {
    SCOPED_TRACE("cut after " + units[cut - 1].name);
    auto p = compile("cpu0:int8", r.graph, 0, cut, &r.calibration);
    const Handoff out = run_input(*p, r.graph, r.input);
    const double sqnr = ref::sqnr_db(out.to_floats(), reference.at(units[cut - 1].output));
    RecordProperty("sqnr_db_cut_" + std::to_string(cut), std::to_string(sqnr));
    EXPECT_GE(sqnr, 25.0) << sqnr << " dB";
  }
}

TEST(Int8Accuracy, SmallConvNetSqnrAgainstReference) {
  const Graph g = small_conv_net(11);
  for (CalibrationMethod method : {CalibrationMethod::percentile, CalibrationMethod::minmax}) {
    SCOPED_TRACE(method == CalibrationMethod::minmax ? "minmax" : "percentile");
    const Calibration cal =
        calibrate(g, synthetic_calibration_inputs(g, 16, kCalibrationSeed), method);
    auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
    EXPECT_TRUE(p->float_fallbacks().empty()) << join(p->float_fallbacks());
    double worst = 1e9;
    for (const auto& x : synthetic_calibration_inputs(g, 4, kTestSeed)) {
      const Handoff out = run_input(*p, g, x);
      ASSERT_TRUE(out.is_quantized());
      worst = std::min(worst, ref::sqnr_db(out.to_floats(), ref::reference_run(g, x)));
    }
    RecordProperty(
        method == CalibrationMethod::minmax ? "worst_sqnr_db_minmax" : "worst_sqnr_db_percentile",
        std::to_string(worst));
    EXPECT_GE(worst, 20.0) << "worst SQNR over 4 inputs: " << worst << " dB";
  }
}

TEST(Int8FloatFallbacks, OpsWithoutIntegerKernelAreReported) {
  HandGraph h(21);
  const int x = h.input({1, 3, 16, 16});
  const float bound = 1.0f;
  int y = h.node(OpType::Conv,
                 {x, h.weight({8, 3, 3, 3}, -bound / 3, bound / 3), h.weight({8}, -0.1f, 0.1f)},
                 attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}), "conv");
  y = h.node(OpType::Relu, {y}, {}, "relu");
  y = h.node(OpType::MaxPool, {y}, attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}),
             "pool");
  const int s = h.node(OpType::Sigmoid, {y}, {}, "sigmoid");
  const int gap = h.node(OpType::GlobalAveragePool, {s}, {}, "gap");
  y = h.node(OpType::Add, {s, gap}, {}, "add_broadcast");
  y = h.node(OpType::Mul, {y, h.weight({1, 8, 1, 1}, 0.5f, 2.0f)}, {}, "mul_constant");
  y = h.node(OpType::Flatten, {y}, attrs({{"axis", int64_t{1}}}), "flatten");
  y = h.node(OpType::Gemm, {y, h.weight({10, 512}, -0.1f, 0.1f), h.weight({10}, -0.1f, 0.1f)},
             attrs({{"transB", int64_t{1}}}), "fc");
  y = h.node(OpType::Softmax, {y}, attrs({{"axis", int64_t{1}}}), "softmax");
  const Graph g = h.finish(y);

  const Calibration cal = calibrate(g, synthetic_calibration_inputs(g, 8, kCalibrationSeed),
                                    CalibrationMethod::percentile);
  auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  const std::vector<std::string> fallbacks = p->float_fallbacks();
  SCOPED_TRACE("fallbacks: " + join(fallbacks));
  EXPECT_TRUE(has_fallback(fallbacks, OpType::Softmax));
  EXPECT_TRUE(has_fallback(fallbacks, OpType::Mul));  // by a constant
  EXPECT_FALSE(has_fallback(fallbacks, OpType::Sigmoid));
  EXPECT_FALSE(has_fallback(fallbacks, OpType::Add));  // two activations, one broadcast
  EXPECT_FALSE(has_fallback(fallbacks, OpType::Conv));
  EXPECT_FALSE(has_fallback(fallbacks, OpType::Gemm));
  EXPECT_FALSE(has_fallback(fallbacks, OpType::MaxPool));
  EXPECT_FALSE(has_fallback(fallbacks, OpType::GlobalAveragePool));
  EXPECT_FALSE(has_fallback(fallbacks, OpType::Relu));  // fused into the convolution
  // Each entry names the node.
  for (const std::string& f : fallbacks) EXPECT_NE(f.find('('), std::string::npos) << f;
  EXPECT_NE(join(fallbacks).find("mul_constant"), std::string::npos);
  // `inspect` lists the same ops from the graph alone.
  EXPECT_EQ(cpu::int8_float_ops(g), fallbacks);

  // It still computes the right thing.
  const std::vector<float> xin = synthetic_calibration_inputs(g, 1, kTestSeed).at(0);
  const Handoff out = run_input(*p, g, xin);
  EXPECT_TRUE(out.is_quantized());
  const double sqnr = ref::sqnr_db(out.to_floats(), ref::reference_run(g, xin));
  RecordProperty("sqnr_db", std::to_string(sqnr));
  EXPECT_GE(sqnr, 20.0) << sqnr << " dB";

  // Float elements report no fallbacks.
  EXPECT_TRUE(compile("cpu0:fp32", g, 0, unit_count(g), nullptr)->float_fallbacks().empty());
}

TEST(Int8CodeOps, StandaloneBatchNormAndActivationsRunOnCodes) {
  // BatchNorm after a pooling (so nothing folds it), then LeakyRelu, a BatchNorm
  // fed by that output, Relu and a BatchNorm fed by u8 codes: none may fall
  // back to float.
  HandGraph h(23);
  const int x = h.input({1, 4, 8, 8});
  int y = h.node(OpType::MaxPool, {x},
                 attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}), "pool");
  auto bn = [&](int in, const std::string& name) {
    return h.node(OpType::BatchNormalization,
                  {in, h.weight({4}, 0.5f, 2.0f), h.weight({4}, -1.0f, 1.0f),
                   h.weight({4}, -0.5f, 0.5f), h.weight({4}, 0.5f, 2.0f)},
                  {}, name);
  };
  y = bn(y, "bn_a");
  y = h.node(OpType::LeakyRelu, {y}, attrs({{"alpha", 0.1f}}), "leaky");
  y = bn(y, "bn_b");
  y = h.node(OpType::Relu, {y}, {}, "relu");
  y = bn(y, "bn_c");
  const Graph g = h.finish(y);
  const Calibration cal = calibrate(g, synthetic_calibration_inputs(g, 16, kCalibrationSeed),
                                    CalibrationMethod::minmax);
  for (int first = 0; first < unit_count(g); ++first) {
    // Every partition start, so each op also runs as the first of a partition.
    SCOPED_TRACE("units [" + std::to_string(first) + ", end)");
    auto p = compile("cpu0:int8", g, first, unit_count(g), &cal);
    EXPECT_TRUE(p->float_fallbacks().empty()) << join(p->float_fallbacks());
  }
  auto p = compile("cpu0:int8", g, 0, unit_count(g), &cal);
  for (const auto& xin : synthetic_calibration_inputs(g, 3, kTestSeed)) {
    const double sqnr = ref::sqnr_db(run_input(*p, g, xin).to_floats(), ref::reference_run(g, xin));
    EXPECT_GE(sqnr, 25.0) << sqnr << " dB";
  }
}

TEST(Int8Split, UnitByUnitStemAgreesWithReference) {
  // conv1, bn1, relu, maxpool each as its own INT8 partition, codes passed
  // along: the standalone BatchNorm and ReLU run on codes, not in float.
  const Resnet18Int8& r = resnet18();
  const std::vector<Unit> units = split_units(r.graph);
  Handoff h = Handoff::from_floats(r.graph.tensor(r.graph.inputs.at(0)).shape, r.input);
  for (int u = 0; u < 4; ++u) {
    auto p = compile("cpu0:int8", r.graph, u, u + 1, &r.calibration);
    EXPECT_TRUE(p->float_fallbacks().empty())
        << units[u].name << ": " << join(p->float_fallbacks());
    h = p->run(h);
    ASSERT_TRUE(h.is_quantized());
  }
  const auto reference = ref::reference_run_all(r.graph, r.input);
  const double sqnr = ref::sqnr_db(h.to_floats(), reference.at(units[3].output));
  EXPECT_GE(sqnr, 25.0) << sqnr << " dB";
}

TEST(Int8Split, Int8PrefixThenFp32SuffixAgreesWithFp32) {
  const Resnet18Int8& r = resnet18();
  const Graph& g = r.graph;
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "cpu1 needs a second core";
  const Handoff fp32 = run_input(*compile("cpu0:fp32", g, 0, r.units, nullptr), g, r.input);
  ASSERT_FALSE(fp32.is_quantized());
  const std::vector<Unit> units = split_units(g);
  for (int cut : {1, 4, 5, 8, 11, 14}) {
    SCOPED_TRACE("cpu0:int8 units [0," + std::to_string(cut) + "), cpu1:fp32 the rest (cut after " +
                 units[cut - 1].name + ")");
    auto first = compile("cpu0:int8", g, 0, cut, &r.calibration);
    auto second = compile("cpu1:fp32", g, cut, r.units, nullptr);
    const Handoff mid = run_input(*first, g, r.input);
    ASSERT_TRUE(mid.is_quantized());
    EXPECT_EQ(mid.bytes(), numel(mid.shape()) + 8);
    const Handoff out = second->run(mid);
    EXPECT_FALSE(out.is_quantized());
    ASSERT_EQ(out.shape(), fp32.shape());
    const double sqnr = ref::sqnr_db(out.to_floats(), fp32.to_floats());
    RecordProperty("sqnr_db_vs_fp32_cut_" + std::to_string(cut), std::to_string(sqnr));
    EXPECT_GE(sqnr, 25.0) << sqnr << " dB";
  }
}

TEST(Int8Split, Int8PrefixThenInt8Suffix) {
  // Codes pass between two INT8 partitions; the result stays close to the
  // float reference.
  const Resnet18Int8& r = resnet18();
  const Graph& g = r.graph;
  for (int cut : {4, 8}) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    auto first = compile("cpu0:int8", g, 0, cut, &r.calibration);
    auto second = compile("cpu0:int8", g, cut, r.units, &r.calibration);
    const Handoff out = second->run(run_input(*first, g, r.input));
    EXPECT_TRUE(out.is_quantized());
    const double sqnr = ref::sqnr_db(out.to_floats(), r.reference);
    RecordProperty("sqnr_db_cut_" + std::to_string(cut), std::to_string(sqnr));
    EXPECT_GE(sqnr, 25.0) << sqnr << " dB";
  }
}

TEST(Int8Calibration, CompilingWithoutCalibrationThrows) {
  const Graph g = build_zoo_model("lenet5", 3);
  const int n = unit_count(g);
  EXPECT_THROW(compile("cpu0:int8", g, 0, n, nullptr), Error);
  try {
    compile("cpu0:int8", g, 0, n, nullptr);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("calibration"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cpu0:int8"), std::string::npos) << e.what();
  }
  // A calibration of another model has no ranges for this one's tensors.
  const Graph other = small_conv_net(4);
  const Calibration wrong =
      calibrate(other, synthetic_calibration_inputs(other, 2, 1), CalibrationMethod::minmax);
  EXPECT_THROW(compile("cpu0:int8", g, 0, n, &wrong), Error);
  // FP32 elements need none.
  EXPECT_NO_THROW(compile("cpu0:fp32", g, 0, n, nullptr));
}

}  // namespace
}  // namespace splitinfer
