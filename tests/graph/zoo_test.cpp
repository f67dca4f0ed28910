// The zoo must match torchvision exactly: parameter counts as
// sum(p.numel() for p in model.parameters()), MACs of convolutions and linear
// layers, and the split-index counts of the split-inference paper.
#include "graph/zoo/zoo.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/precision.h"
#include "graph/stats.h"
#include "graph/units.h"

namespace splitinfer {
namespace {

struct Published {
  const char* model;
  int64_t params;
  int64_t macs;
  size_t split_indices;
  Shape output;
};

// Keeps test names readable in ctest's listing (gtest prints raw bytes otherwise).
void PrintTo(const Published& p, std::ostream* os) { *os << p.model; }

// Parameters and MACs: torchvision's model cards and a hand count for LeNet-5
// (156 + 2,416 + 48,120 + 10,164 + 850). Split indices: DESIGN.md (the paper's
// Table 1 counts, ResNet152 corrected to 58). MobileNetV3: torchvision's cards
// give 2,542,856 / 5,483,032 params and 0.06 / 0.22 GFLOPS (56.5 / 216.6
// MMACs); the MACs here are the exact conv + linear counts of forward hooks on
// torchvision 0.14 (tests/fixtures/export_pytorch.py's counting), and the split
// indices are features.0..12 (..16), avgpool, flatten and classifier.0..3.
const Published kPublished[] = {
    {"lenet5", 61'706, 416'520, 13, {1, 10}},
    {"alexnet", 61'100'840, 714'188'480, 23, {1, 1000}},
    {"vgg16", 138'357'544, 15'470'264'320, 41, {1, 1000}},
    {"resnet18", 11'689'512, 1'814'073'344, 16, {1, 1000}},
    {"resnet50", 25'557'032, 4'089'184'256, 24, {1, 1000}},
    {"resnet101", 44'549'160, 7'801'405'440, 41, {1, 1000}},
    {"resnet152", 60'192'808, 11'513'626'624, 58, {1, 1000}},
    {"mobilenet_v2", 3'504'872, 300'774'272, 24, {1, 1000}},
    {"mobilenet_v3_small", 2'542'856, 56'510'400, 20, {1, 1000}},
    {"mobilenet_v3_large", 5'483'032, 216'589'760, 24, {1, 1000}},
};

class ZooModel : public ::testing::TestWithParam<Published> {};

TEST_P(ZooModel, MatchesPublishedFigures) {
  const Published& p = GetParam();
  const Graph g = build_zoo_model(p.model, std::nullopt);
  EXPECT_EQ(total_params(g), p.params);
  EXPECT_EQ(total_macs(g), p.macs);
  const auto units = split_units(g);
  EXPECT_EQ(units.size() + 1, p.split_indices);
  EXPECT_EQ(g.tensor(g.outputs.at(0)).shape, p.output);
}

// The units validate() stored travel with the graph: they are the ones
// split_units() finds, and they cover every node once.
TEST_P(ZooModel, UnitsPartitionTheGraph) {
  const Graph g = build_zoo_model(GetParam().model, std::nullopt);
  const std::vector<Unit>& units = g.units;
  ASSERT_FALSE(units.empty());
  const std::vector<Unit> found = split_units(g);
  ASSERT_EQ(units.size(), found.size());
  for (size_t i = 0; i < units.size(); ++i) {
    EXPECT_EQ(units[i].name, found[i].name);
    EXPECT_EQ(units[i].last_node, found[i].last_node);
    EXPECT_EQ(units[i].output, found[i].output);
  }
  int64_t params = 0, macs = 0;
  size_t next = 0;
  for (const Unit& u : units) {
    EXPECT_EQ(u.first_node, next);
    EXPECT_LT(u.first_node, u.last_node);
    next = u.last_node;
    params += u.params;
    macs += u.macs;
  }
  EXPECT_EQ(next, g.nodes.size());
  EXPECT_EQ(params, total_params(g));
  EXPECT_EQ(macs, total_macs(g));
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooModel, ::testing::ValuesIn(kPublished),
                         [](const auto& info) { return std::string(info.param.model); });

std::vector<std::string> unit_names(const Graph& g) {
  std::vector<std::string> names;
  for (const Unit& u : split_units(g)) names.push_back(u.name);
  return names;
}

TEST(ZooUnits, Resnet18FollowsTorchvisionModules) {
  const std::vector<std::string> expected = {"conv1",    "bn1",      "relu",     "maxpool",
                                             "layer1.0", "layer1.1", "layer2.0", "layer2.1",
                                             "layer3.0", "layer3.1", "layer4.0", "layer4.1",
                                             "avgpool",  "flatten",  "fc"};
  EXPECT_EQ(unit_names(build_zoo_model("resnet18", std::nullopt)), expected);
}

TEST(ZooUnits, MobilenetV2KeepsInvertedResidualsWhole) {
  const auto names = unit_names(build_zoo_model("mobilenet_v2", std::nullopt));
  ASSERT_EQ(names.size(), 23u);
  EXPECT_EQ(names[0], "features.0");
  EXPECT_EQ(names[18], "features.18");
  EXPECT_EQ(names[19], "adaptive_avg_pool2d");
  EXPECT_EQ(names[22], "classifier.1");
}

// MobileNetV3: the InvertedResidual blocks, SqueezeExcitation included, stay
// whole; avgpool is a module (not functional as in MobileNetV2), and the
// classifier's Hardswish and Dropout are units of their own.
TEST(ZooUnits, MobilenetV3FollowsTorchvisionModules) {
  for (const auto& [model, blocks] :
       {std::pair{"mobilenet_v3_small", 13}, std::pair{"mobilenet_v3_large", 17}}) {
    SCOPED_TRACE(model);
    const auto names = unit_names(build_zoo_model(model, std::nullopt));
    ASSERT_EQ(names.size(), static_cast<size_t>(blocks + 6));
    for (int i = 0; i < blocks; ++i) EXPECT_EQ(names[i], "features." + std::to_string(i));
    const std::vector<std::string> tail(names.begin() + blocks, names.end());
    EXPECT_EQ(tail, (std::vector<std::string>{"avgpool", "flatten", "classifier.0", "classifier.1",
                                              "classifier.2", "classifier.3"}));
  }
}

const Node& node_named(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return n;
  ADD_FAILURE() << "no node " << name;
  return g.nodes.at(0);
}

// torchvision's state_dict names and module settings: BatchNorm2d(eps=0.001,
// momentum=0.01), squeeze channels _make_divisible(C // 4, 8), Hardsigmoid as
// relu6(x + 3) / 6, the SE gate multiplying the block's input.
TEST(ZooLayers, MobilenetV3MatchesTorchvisionModules) {
  const Graph g = build_zoo_model("mobilenet_v3_large", std::nullopt);
  auto shape_of = [&](const std::string& name) {
    const int t = g.find_tensor(name);
    EXPECT_NE(t, kNoTensor) << name;
    return t == kNoTensor ? Shape{} : g.tensor(t).shape;
  };
  // features.4: expand 40 -> 72 (no SE in features.1..3), depthwise 5x5, SE 72 -> 24 -> 72
  // (72 // 4 = 18 rounds to 16, more than 10 % below 18, so 24), project to 40.
  EXPECT_EQ(shape_of("features.4.block.0.0.weight"), (Shape{72, 24, 1, 1}));
  EXPECT_EQ(shape_of("features.4.block.1.0.weight"), (Shape{72, 1, 5, 5}));
  EXPECT_EQ(shape_of("features.4.block.2.fc1.weight"), (Shape{24, 72, 1, 1}));
  EXPECT_EQ(shape_of("features.4.block.2.fc1.bias"), (Shape{24}));
  EXPECT_EQ(shape_of("features.4.block.2.fc2.weight"), (Shape{72, 24, 1, 1}));
  EXPECT_EQ(shape_of("features.4.block.2.fc2.bias"), (Shape{72}));
  EXPECT_EQ(shape_of("features.4.block.3.0.weight"), (Shape{40, 72, 1, 1}));
  EXPECT_EQ(shape_of("features.4.block.3.1.running_var"), (Shape{40}));
  // features.1 has no expansion: the depthwise conv is block.0.
  EXPECT_EQ(shape_of("features.1.block.0.0.weight"), (Shape{16, 1, 3, 3}));
  EXPECT_EQ(shape_of("features.16.0.weight"), (Shape{960, 160, 1, 1}));
  EXPECT_EQ(shape_of("classifier.0.weight"), (Shape{1280, 960}));
  EXPECT_EQ(shape_of("classifier.3.weight"), (Shape{1000, 1280}));

  const Node& bn = node_named(g, "features.4.block.3.1");
  EXPECT_EQ(bn.op, OpType::BatchNormalization);
  EXPECT_FLOAT_EQ(bn.attrs.get_float("epsilon", 0.0f), 1e-3f);
  EXPECT_FLOAT_EQ(bn.attrs.get_float("momentum", 0.0f), 0.99f);  // ONNX's 1 - PyTorch's 0.01
  const Node& gate = node_named(g, "features.4.block.2.scale_activation");
  EXPECT_EQ(gate.op, OpType::HardSigmoid);
  EXPECT_FLOAT_EQ(gate.attrs.get_float("alpha", 0.0f), 1.0f / 6.0f);
  EXPECT_FLOAT_EQ(gate.attrs.get_float("beta", 0.0f), 0.5f);
  const Node& scale = node_named(g, "features.4.block.2");
  EXPECT_EQ(scale.op, OpType::Mul);
  EXPECT_EQ(g.tensor(scale.inputs.at(0)).shape, (Shape{1, 72, 1, 1}));
  EXPECT_EQ(g.tensor(scale.inputs.at(1)).shape, (Shape{1, 72, 28, 28}));
  EXPECT_EQ(node_named(g, "features.0.2").op, OpType::HardSwish);
  EXPECT_EQ(node_named(g, "features.4.block.0.2").op, OpType::Relu);
  EXPECT_EQ(node_named(g, "features.7.block.0.2").op, OpType::HardSwish);
  EXPECT_EQ(node_named(g, "classifier.1").op, OpType::HardSwish);
  EXPECT_EQ(node_named(g, "features.5").op, OpType::Add);  // 40 -> 40, stride 1
  EXPECT_EQ(g.find_tensor("features.4:0"), kNoTensor);     // 24 -> 40: no residual

  const Graph small = build_zoo_model("mobilenet_v3_small", std::nullopt);
  // features.1: SE 16 -> 8 -> 16 (16 // 4 = 4, at least 8).
  const int fc1 = small.find_tensor("features.1.block.1.fc1.weight");
  ASSERT_NE(fc1, kNoTensor);
  EXPECT_EQ(small.tensor(fc1).shape, (Shape{8, 16, 1, 1}));
  EXPECT_EQ(node_named(small, "features.9.block.2.fc1").op, OpType::Conv);
}

// Shapes at the unit boundaries, computed by hand from the architectures.
TEST(ZooShapes, UnitOutputs) {
  const Graph r50 = build_zoo_model("resnet50", std::nullopt);
  const auto u = split_units(r50);
  EXPECT_EQ(r50.tensor(u[3].output).shape, (Shape{1, 64, 56, 56}));   // maxpool
  EXPECT_EQ(r50.tensor(u[6].output).shape, (Shape{1, 256, 56, 56}));  // layer1.2
  EXPECT_EQ(r50.tensor(u[7].output).shape, (Shape{1, 512, 28, 28}));  // layer2.0
  EXPECT_EQ(r50.tensor(u[19].output).shape, (Shape{1, 2048, 7, 7}));  // layer4.2
  EXPECT_EQ(handoff_bytes(Precision::int8, numel(r50.tensor(u[3].output).shape)),
            64 * 56 * 56 + kInt8HandoffHeaderBytes);

  const Graph vgg = build_zoo_model("vgg16", std::nullopt);
  const auto v = split_units(vgg);
  EXPECT_EQ(vgg.tensor(v[30].output).shape, (Shape{1, 512, 7, 7}));  // features.30
  EXPECT_EQ(vgg.tensor(v[32].output).shape, (Shape{1, 25088}));      // flatten

  const Graph alex = build_zoo_model("alexnet", std::nullopt);
  const auto a = split_units(alex);
  EXPECT_EQ(alex.tensor(a[0].output).shape, (Shape{1, 64, 55, 55}));
  EXPECT_EQ(alex.tensor(a[12].output).shape, (Shape{1, 256, 6, 6}));

  const Graph mb = build_zoo_model("mobilenet_v2", std::nullopt);
  const auto m = split_units(mb);
  EXPECT_EQ(mb.tensor(m[0].output).shape, (Shape{1, 32, 112, 112}));
  EXPECT_EQ(mb.tensor(m[17].output).shape, (Shape{1, 320, 7, 7}));
  EXPECT_EQ(mb.tensor(m[18].output).shape, (Shape{1, 1280, 7, 7}));

  const Graph small = build_zoo_model("mobilenet_v3_small", std::nullopt);
  const auto s = split_units(small);
  EXPECT_EQ(small.tensor(s[0].output).shape, (Shape{1, 16, 112, 112}));
  EXPECT_EQ(small.tensor(s[1].output).shape, (Shape{1, 16, 56, 56}));  // SE block, stride 2
  EXPECT_EQ(small.tensor(s[3].output).shape, (Shape{1, 24, 28, 28}));
  EXPECT_EQ(small.tensor(s[11].output).shape, (Shape{1, 96, 7, 7}));
  EXPECT_EQ(small.tensor(s[12].output).shape, (Shape{1, 576, 7, 7}));
  EXPECT_EQ(small.tensor(s[14].output).shape, (Shape{1, 576}));   // flatten
  EXPECT_EQ(small.tensor(s[15].output).shape, (Shape{1, 1024}));  // classifier.0

  const Graph large = build_zoo_model("mobilenet_v3_large", std::nullopt);
  const auto lu = split_units(large);
  EXPECT_EQ(large.tensor(lu[3].output).shape, (Shape{1, 24, 56, 56}));
  EXPECT_EQ(large.tensor(lu[6].output).shape, (Shape{1, 40, 28, 28}));
  EXPECT_EQ(large.tensor(lu[12].output).shape, (Shape{1, 112, 14, 14}));
  EXPECT_EQ(large.tensor(lu[15].output).shape, (Shape{1, 160, 7, 7}));
  EXPECT_EQ(large.tensor(lu[16].output).shape, (Shape{1, 960, 7, 7}));
  EXPECT_EQ(large.tensor(lu[19].output).shape, (Shape{1, 1280}));  // classifier.0

  const Graph lenet = build_zoo_model("lenet5", std::nullopt);
  const auto l = split_units(lenet);
  EXPECT_EQ(lenet.tensor(l[2].output).shape, (Shape{1, 6, 14, 14}));
  EXPECT_EQ(lenet.tensor(l[6].output).shape, (Shape{1, 400}));
}

TEST(Zoo, WeightsAreDeterministicPerSeed) {
  const Graph a = build_zoo_model("lenet5", 7);
  const Graph b = build_zoo_model("lenet5", 7);
  const Graph c = build_zoo_model("lenet5", 8);
  const int w = a.find_tensor("conv1.weight");
  ASSERT_NE(w, kNoTensor);
  ASSERT_EQ(a.tensor(w).floats().size(), 150u);
  EXPECT_TRUE(std::equal(a.tensor(w).floats().begin(), a.tensor(w).floats().end(),
                         b.tensor(w).floats().begin()));
  EXPECT_FALSE(std::equal(a.tensor(w).floats().begin(), a.tensor(w).floats().end(),
                          c.tensor(w).floats().begin()));
  EXPECT_FALSE(build_zoo_model("lenet5", std::nullopt).tensor(w).has_data());
}

TEST(Zoo, UnknownNameIsAnError) { EXPECT_THROW(build_zoo_model("resnet19", std::nullopt), Error); }

}  // namespace
}  // namespace splitinfer
