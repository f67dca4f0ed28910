// The zoo must match torchvision exactly: parameter counts as
// sum(p.numel() for p in model.parameters()), MACs of convolutions and linear
// layers, and the split-index counts of the split-inference paper.
#include <gtest/gtest.h>

#include "common/error.h"
#include "graph/stats.h"
#include "graph/units.h"
#include "graph/zoo/zoo.h"

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
// Table 1 counts, ResNet152 corrected to 58).
const Published kPublished[] = {
    {"lenet5", 61'706, 416'520, 13, {1, 10}},
    {"alexnet", 61'100'840, 714'188'480, 23, {1, 1000}},
    {"vgg16", 138'357'544, 15'470'264'320, 41, {1, 1000}},
    {"resnet18", 11'689'512, 1'814'073'344, 16, {1, 1000}},
    {"resnet50", 25'557'032, 4'089'184'256, 24, {1, 1000}},
    {"resnet101", 44'549'160, 7'801'405'440, 41, {1, 1000}},
    {"resnet152", 60'192'808, 11'513'626'624, 58, {1, 1000}},
    {"mobilenet_v2", 3'504'872, 300'774'272, 24, {1, 1000}},
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

TEST_P(ZooModel, UnitsPartitionTheGraph) {
  const Graph g = build_zoo_model(GetParam().model, std::nullopt);
  const auto units = split_units(g);
  ASSERT_FALSE(units.empty());
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
  const std::vector<std::string> expected = {
      "conv1",    "bn1",      "relu",     "maxpool",  "layer1.0", "layer1.1", "layer2.0", "layer2.1",
      "layer3.0", "layer3.1", "layer4.0", "layer4.1", "avgpool",  "flatten",  "fc"};
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

// Shapes at the unit boundaries, computed by hand from the architectures.
TEST(ZooShapes, UnitOutputs) {
  const Graph r50 = build_zoo_model("resnet50", std::nullopt);
  const auto u = split_units(r50);
  EXPECT_EQ(r50.tensor(u[3].output).shape, (Shape{1, 64, 56, 56}));     // maxpool
  EXPECT_EQ(r50.tensor(u[6].output).shape, (Shape{1, 256, 56, 56}));    // layer1.2
  EXPECT_EQ(r50.tensor(u[7].output).shape, (Shape{1, 512, 28, 28}));    // layer2.0
  EXPECT_EQ(r50.tensor(u[19].output).shape, (Shape{1, 2048, 7, 7}));    // layer4.2
  EXPECT_EQ(int8_handoff_bytes(r50.tensor(u[3].output)), 64 * 56 * 56 + kInt8HandoffHeaderBytes);

  const Graph vgg = build_zoo_model("vgg16", std::nullopt);
  const auto v = split_units(vgg);
  EXPECT_EQ(vgg.tensor(v[30].output).shape, (Shape{1, 512, 7, 7}));     // features.30
  EXPECT_EQ(vgg.tensor(v[32].output).shape, (Shape{1, 25088}));         // flatten

  const Graph alex = build_zoo_model("alexnet", std::nullopt);
  const auto a = split_units(alex);
  EXPECT_EQ(alex.tensor(a[0].output).shape, (Shape{1, 64, 55, 55}));
  EXPECT_EQ(alex.tensor(a[12].output).shape, (Shape{1, 256, 6, 6}));

  const Graph mb = build_zoo_model("mobilenet_v2", std::nullopt);
  const auto m = split_units(mb);
  EXPECT_EQ(mb.tensor(m[0].output).shape, (Shape{1, 32, 112, 112}));
  EXPECT_EQ(mb.tensor(m[17].output).shape, (Shape{1, 320, 7, 7}));
  EXPECT_EQ(mb.tensor(m[18].output).shape, (Shape{1, 1280, 7, 7}));

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

TEST(Zoo, UnknownNameIsAnError) {
  EXPECT_THROW(build_zoo_model("resnet19", std::nullopt), Error);
}

}  // namespace
}  // namespace splitinfer
