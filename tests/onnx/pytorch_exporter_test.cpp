// Files written by PyTorch's own exporter (Debian's python3-torch, opsets 11 to
// 17, constant folding on and off) import with the figures PyTorch computed:
// output shape from running the model, MACs from forward hooks, parameters
// from torch (or from the file's initializers where the exporter folded
// BatchNorm into the convolutions).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "graph/stats.h"
#include "graph/units.h"
#include "graph/zoo/zoo.h"
#include "onnx/onnx_import.h"
#include "support/run_cli.h"

namespace splitinfer {
namespace {

class PytorchExporter : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("/usr/bin/python3 -c 'import torch, torchvision, onnx' >/dev/null 2>&1") != 0)
      return;  // each test skips
    dir_ = testing::make_temp_dir();
    const std::string command = "/usr/bin/python3 " SPLITINFER_SOURCE_DIR
                                "/tests/fixtures/export_pytorch.py " +
                                dir_ + " >/dev/null 2>&1";
    exported_ = std::system(command.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    if (dir_.empty()) GTEST_SKIP() << "python3-torch, python3-torchvision or python3-onnx missing";
    ASSERT_TRUE(exported_) << "tests/fixtures/export_pytorch.py failed";
  }

  static nlohmann::json figures(const std::string& name) {
    std::ifstream in(dir_ + "/" + name + ".json");
    return nlohmann::json::parse(in);
  }

  // Imports NAME.onnx and checks it against NAME.json; returns the graph.
  static Graph import_and_check(const std::string& name) {
    const Graph g = import_onnx_file(dir_ + "/" + name + ".onnx");
    const auto expected = figures(name);
    EXPECT_EQ(total_params(g), expected["params"].get<int64_t>()) << name;
    EXPECT_EQ(total_macs(g), expected["macs"].get<int64_t>()) << name;
    EXPECT_EQ(g.tensor(g.outputs.at(0)).shape, expected["output_shape"].get<Shape>()) << name;
    return g;
  }

  static inline std::string dir_;
  static inline bool exported_ = false;
};

std::vector<std::string> unit_names(const Graph& g) {
  std::vector<std::string> names;
  for (const Unit& u : split_units(g)) names.push_back(u.name);
  return names;
}

// The exporter scopes node names by module ("/layer1/layer1.0/conv1/Conv"), so
// units follow the modules. It folds BatchNorm into the convolutions in eval
// mode, so ResNet18 has one unit fewer than the zoo's (bn1 is gone).
TEST_F(PytorchExporter, Resnet18AtOpset11And17) {
  for (const char* name : {"resnet18_opset11_fold", "resnet18_opset17_nofold"}) {
    const Graph g = import_and_check(name);
    const auto names = unit_names(g);
    ASSERT_EQ(names.size(), 14u) << name;
    EXPECT_EQ(names[0], "conv1");
    EXPECT_EQ(names[3], "layer1.0");
    EXPECT_EQ(names[10], "layer4.1");
    EXPECT_EQ(names[13], "fc");
  }
}

// MobileNetV2: features.0 .. features.18, pool, flatten and the classifier's
// Linear (the exporter drops eval-mode Dropout, which the zoo keeps as a unit).
TEST_F(PytorchExporter, MobilenetV2AtOpset13) {
  const Graph g = import_and_check("mobilenet_v2_opset13_fold");
  const auto names = unit_names(g);
  ASSERT_EQ(names.size(), 22u);
  for (int i = 0; i <= 18; ++i) EXPECT_EQ(names[i], "features." + std::to_string(i));
  EXPECT_EQ(names.back(), "classifier.1");
}

// MobileNetV3 (Hardswish exported as x * HardSigmoid(x) at opset 13, as
// HardSwish at 17) against the zoo's graph: torch's parameter count is the
// zoo's, and the units are the zoo's with the same MACs each, but for the
// exporter's name of the functional flatten and the eval-mode Dropout
// (classifier.2) that the exporter drops.
TEST_F(PytorchExporter, MobilenetV3MatchesTheZoo) {
  for (const auto& [file, model] :
       {std::pair{"mobilenet_v3_small_opset13_fold", "mobilenet_v3_small"},
        std::pair{"mobilenet_v3_large_opset17_nofold", "mobilenet_v3_large"}}) {
    SCOPED_TRACE(file);
    const Graph exported = import_and_check(file);
    const Graph zoo = build_zoo_model(model, std::nullopt);
    EXPECT_EQ(figures(file)["torch_params"].get<int64_t>(), total_params(zoo));
    EXPECT_EQ(total_macs(exported), total_macs(zoo));
    std::vector<std::pair<std::string, int64_t>> expected, got;
    for (const Unit& u : split_units(zoo))
      if (u.name != "classifier.2")
        expected.emplace_back(u.name == "flatten" ? "Flatten" : u.name, u.macs);
    for (const Unit& u : split_units(exported)) got.emplace_back(u.name, u.macs);
    EXPECT_EQ(got, expected);
  }
}

// Every supported op, with the exporter's Shape/Gather chains unfolded.
TEST_F(PytorchExporter, EveryOpWithAndWithoutFolding) {
  const Graph unfolded = import_and_check("opzoo_opset11_nofold");
  const Graph folded = import_and_check("opzoo_opset17_fold");
  EXPECT_EQ(split_units(unfolded).size(), split_units(folded).size());
}

}  // namespace
}  // namespace splitinfer
