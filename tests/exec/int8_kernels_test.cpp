// INT8 means integer kernels: every convolution and linear layer of an INT8
// partition runs as a oneDNN primitive that reads u8/s8 activations and s8
// weights, read back from the compiled primitives themselves (not from our
// own bookkeeping), so quantize-dequantize around float kernels cannot pass.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exec/partition_test_util.h"
#include "graph/zoo/zoo.h"

namespace splitinfer {
namespace {

using namespace testing;

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

int count_ops(const Graph& g, OpType op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op;
  return n;
}

void expect_integer_kernels(const std::string& model) {
  const Graph g = build_zoo_model(model, 1);
  const Calibration cal =
      calibrate(g, synthetic_calibration_inputs(g, 2, 9), CalibrationMethod::minmax);
  const std::vector<std::string> int8 = compile("cpu0:int8", g, 0, unit_count(g), &cal)->kernels();
  int convolutions = 0, inner_products = 0;
  for (const std::string& k : int8) {
    if (!starts_with(k, "convolution") && !starts_with(k, "inner_product")) continue;
    (starts_with(k, "convolution") ? convolutions : inner_products) += 1;
    EXPECT_TRUE(k.find("src:u8") != std::string::npos || k.find("src:s8") != std::string::npos)
        << k;
    EXPECT_NE(k.find("weights:s8"), std::string::npos) << k;
    EXPECT_EQ(k.find("f32"), std::string::npos) << k;
  }
  EXPECT_EQ(convolutions, count_ops(g, OpType::Conv)) << model;
  EXPECT_EQ(inner_products, count_ops(g, OpType::Gemm)) << model;
  // The same partition in FP32 runs float kernels: the check tells them apart.
  for (const std::string& k : compile("cpu0:fp32", g, 0, unit_count(g), nullptr)->kernels())
    if (starts_with(k, "convolution")) EXPECT_NE(k.find("weights:f32"), std::string::npos) << k;
}

TEST(Int8Kernels, Resnet18ConvolutionsAndLinearRunOnIntegerPrimitives) {
  expect_integer_kernels("resnet18");
}

TEST(Int8Kernels, MobilenetV3SmallConvolutionsAndLinearRunOnIntegerPrimitives) {
  expect_integer_kernels("mobilenet_v3_small");
}

}  // namespace
}  // namespace splitinfer
