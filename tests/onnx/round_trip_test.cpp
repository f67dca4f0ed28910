// Export then import gives back the same model: the same units (names, outputs,
// parameters, MACs), the same weights byte for byte, and a file that passes
// the ONNX checker (export_onnx_bytes runs it).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "graph/stats.h"
#include "graph/units.h"
#include "graph/zoo/zoo.h"
#include "onnx/onnx_export.h"
#include "onnx/onnx_import.h"
#include "onnx/onnx_weights.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

void expect_same_units(const Graph& a, const Graph& b) {
  const auto ua = split_units(a), ub = split_units(b);
  ASSERT_EQ(ua.size(), ub.size());
  for (size_t i = 0; i < ua.size(); ++i) {
    EXPECT_EQ(ua[i].name, ub[i].name) << "unit " << i;
    EXPECT_EQ(ua[i].params, ub[i].params) << ua[i].name;
    EXPECT_EQ(ua[i].macs, ub[i].macs) << ua[i].name;
    EXPECT_EQ(a.tensor(ua[i].output).shape, b.tensor(ub[i].output).shape) << ua[i].name;
  }
}

// Finds the tensor called `name` in `g`, or fails the test.
const Tensor& tensor_named(const Graph& g, const std::string& name) {
  for (const Tensor& t : g.tensors)
    if (t.name == name) return t;
  ADD_FAILURE() << "no tensor " << name;
  return g.tensors.at(0);
}

class OnnxRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(OnnxRoundTrip, KeepsUnitsFiguresAndWeights) {
  const Graph original = build_zoo_model(GetParam(), 7);
  const Graph imported = import_onnx_bytes(export_onnx_bytes(original), "round-trip");
  EXPECT_EQ(total_params(imported), total_params(original));
  EXPECT_EQ(total_macs(imported), total_macs(original));
  EXPECT_EQ(imported.tensor(imported.inputs.at(0)).shape,
            original.tensor(original.inputs.at(0)).shape);
  expect_same_units(original, imported);
  for (const Tensor& t : original.tensors) {
    if (t.role != TensorRole::param && t.role != TensorRole::stat) continue;
    const Tensor& back = tensor_named(imported, t.name);
    EXPECT_EQ(back.role, t.role) << t.name;
    ASSERT_EQ(back.shape, t.shape) << t.name;
    ASSERT_TRUE(back.data && t.data) << t.name;
    EXPECT_EQ(*back.data, *t.data) << t.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, OnnxRoundTrip,
                         ::testing::Values("lenet5", "resnet18", "mobilenet_v2",
                                           "mobilenet_v3_small"),
                         [](const auto& info) { return std::string(info.param); });

TEST(OnnxExport, NeedsWeights) {
  try {
    export_onnx_bytes(build_zoo_model("lenet5", std::nullopt));
    FAIL() << "exported a shape-only graph";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  }
}

TEST(OnnxExport, UnwritablePathLeavesNothingBehind) {
  const std::string dir = testing::make_temp_dir();
  const std::string path = dir + "/no-such-dir/model.onnx";
  EXPECT_THROW(export_onnx_file(build_zoo_model("lenet5", 1), path), Error);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST(OnnxWeights, LoadsAZooModelsWeightsFromItsExport) {
  const std::string dir = testing::make_temp_dir();
  const std::string path = dir + "/resnet18.onnx";
  const Graph source = build_zoo_model("resnet18", 11);
  export_onnx_file(source, path);
  Graph target = build_zoo_model("resnet18", 12);
  load_weights_from_onnx(target, path);
  for (size_t i = 0; i < source.tensors.size(); ++i)
    if (source.tensors[i].data) EXPECT_EQ(*target.tensors[i].data, *source.tensors[i].data);

  // Another architecture's file: a clear error and the graph left unchanged.
  export_onnx_file(build_zoo_model("lenet5", 1), path);
  const Graph before = target;
  EXPECT_THROW(load_weights_from_onnx(target, path), Error);
  for (size_t i = 0; i < before.tensors.size(); ++i)
    if (before.tensors[i].data) EXPECT_EQ(*target.tensors[i].data, *before.tensors[i].data);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace splitinfer
