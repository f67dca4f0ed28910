// Node features and edges of the GNN input: a hand-built model whose feature
// values are worked out by hand, the unit types of the zoo models, and the
// stated maxima covering every zoo model and random CNN.
#include "predict/node_features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "graph/builder.h"
#include "graph/units.h"
#include "graph/zoo/zoo.h"
#include "predict/random_cnn.h"

namespace splitinfer::predict {
namespace {

// Nine units, one of each kind the features distinguish.
Graph hand_built() {
  GraphBuilder b("hand_built", std::nullopt);
  int x = b.input("input", {1, 3, 32, 32});
  // features.0: conv 3->8, 3x3 stride 2 -> 8x16x16
  x = b.conv(x, "features.0.0", 8, 3, 2, 1, 1, false);
  x = b.batch_norm(x, "features.0.1");
  x = b.relu(x, "features.0.2");
  // features.1: max pool 3x3 stride 2 -> 8x8x8
  x = b.max_pool(x, "features.1", 3, 2, 1);
  // features.2: basic residual block -> 8x8x8
  int y = b.conv(x, "features.2.conv1", 8, 3, 1, 1, 1, false);
  y = b.batch_norm(y, "features.2.bn1");
  y = b.relu(y, "features.2.relu");
  y = b.conv(y, "features.2.conv2", 8, 3, 1, 1, 1, false);
  y = b.batch_norm(y, "features.2.bn2");
  y = b.add(y, x, "features.2");
  x = b.relu(y, "features.2.relu");
  // features.3: inverted residual, expand to 16, depthwise 5x5 stride 2,
  // project to 12, no skip -> 12x4x4
  x = b.conv(x, "features.3.conv.0.0", 16, 1, 1, 0, 1, false);
  x = b.batch_norm(x, "features.3.conv.0.1");
  x = b.relu6(x, "features.3.conv.0.2");
  x = b.conv(x, "features.3.conv.1.0", 16, 5, 2, 2, 16, false);
  x = b.batch_norm(x, "features.3.conv.1.1");
  x = b.relu6(x, "features.3.conv.1.2");
  x = b.conv(x, "features.3.conv.2", 12, 1, 1, 0, 1, false);
  x = b.batch_norm(x, "features.3.conv.3");
  // features.4: depthwise 3x3 -> 12x4x4
  x = b.conv(x, "features.4.0", 12, 3, 1, 1, 12, false);
  x = b.batch_norm(x, "features.4.1");
  x = b.relu6(x, "features.4.2");
  // features.5: average pool 2x2 stride 2 -> 12x2x2
  x = b.avg_pool(x, "features.5", 2, 2);
  x = b.global_avg_pool(x, "avgpool");  // 12x1x1
  x = b.flatten(x, "", "flatten");      // 12
  x = b.linear(x, "fc", 10);
  b.output(x);
  return b.finish();
}

struct Expected {
  UnitType type;
  double kernel, stride, channels_in, channels_out, input_elements, output_elements, macs, params;
};

TEST(NodeFeatures, HandBuiltModel) {
  const Graph g = hand_built();
  ASSERT_EQ(split_units(g).size(), 9u);
  const UnitGraph ug = unit_graph(g);
  // The maxima the header states: kernel 11, stride 4, channels 25088,
  // elements 3211264, MACs 1849688064, parameters 102764544. Parameters
  // count BatchNorm's scale and shift (2 per channel), not its statistics.
  const Expected expected[] = {
      {UnitType::conv, 3, 2, 3, 8, 3 * 32 * 32, 8 * 16 * 16, 8 * 16 * 16 * 3 * 9, 8 * 3 * 9 + 16},
      {UnitType::pooling, 3, 2, 8, 8, 8 * 16 * 16, 8 * 8 * 8, 0, 0},
      {UnitType::residual_block, 3, 1, 8, 8, 8 * 8 * 8, 8 * 8 * 8, 2 * (8 * 8 * 8 * 8 * 9),
       2 * (8 * 8 * 9 + 16)},
      // expand 8 -> 16 at 8x8, depthwise 5x5 stride 2 to 4x4, project 16 -> 12
      {UnitType::inverted_residual_block, 5, 2, 8, 12, 8 * 8 * 8, 12 * 4 * 4,
       16 * 64 * 8 + 16 * 16 * 25 + 12 * 16 * 16, (16 * 8 + 32) + (16 * 25 + 32) + (12 * 16 + 24)},
      {UnitType::depthwise_conv, 3, 1, 12, 12, 12 * 4 * 4, 12 * 4 * 4, 12 * 16 * 9, 12 * 9 + 24},
      {UnitType::pooling, 2, 2, 12, 12, 12 * 4 * 4, 12 * 2 * 2, 0, 0},
      {UnitType::pooling, 0, 0, 12, 12, 12 * 2 * 2, 12, 0, 0},  // global: no window
      {UnitType::other, 0, 0, 12, 12, 12, 12, 0, 0},
      {UnitType::linear, 0, 0, 12, 10, 12, 10, 10 * 12, 10 * 12 + 10},
  };
  ASSERT_EQ(ug.features.size(), std::size(expected));
  for (size_t u = 0; u < ug.features.size(); ++u) {
    SCOPED_TRACE("unit " + std::to_string(u));
    const std::vector<float>& f = ug.features[u];
    ASSERT_EQ(f.size(), 15u);
    for (int t = 0; t < 7; ++t)
      EXPECT_EQ(f[t], t == static_cast<int>(expected[u].type) ? 1.0f : 0.0f) << "type " << t;
    const Expected& e = expected[u];
    EXPECT_FLOAT_EQ(f[7], e.kernel / 11.0);
    EXPECT_FLOAT_EQ(f[8], e.stride / 4.0);
    EXPECT_FLOAT_EQ(f[9], e.channels_in / 25088.0);
    EXPECT_FLOAT_EQ(f[10], e.channels_out / 25088.0);
    EXPECT_FLOAT_EQ(f[11], e.input_elements / 3211264.0);
    EXPECT_FLOAT_EQ(f[12], e.output_elements / 3211264.0);
    EXPECT_FLOAT_EQ(f[13], e.macs / 1849688064.0);
    EXPECT_FLOAT_EQ(f[14], e.params / 102764544.0);
  }
  EXPECT_EQ(node_feature_names().size(), 15u);
  EXPECT_EQ(node_feature_names()[7], "kernel");
}

TEST(NodeFeatures, EdgesFollowTheDataFlowAndReverse) {
  const UnitGraph ug = unit_graph(hand_built());
  const std::vector<Edge> forward = {{0, 1}, {1, 2}, {2, 3}, {3, 4},
                                     {4, 5}, {5, 6}, {6, 7}, {7, 8}};
  EXPECT_EQ(ug.edges, forward);
  const std::vector<Edge> backward = {{1, 0}, {2, 1}, {3, 2}, {4, 3},
                                      {5, 4}, {6, 5}, {7, 6}, {8, 7}};
  EXPECT_EQ(reversed(ug.edges), backward);
  EXPECT_EQ(reversed(reversed(ug.edges)), forward);
  EXPECT_TRUE(reversed({}).empty());
}

TEST(NodeFeatures, GroupedConvAndLoneLayers) {
  GraphBuilder b("lone_layers", std::nullopt);
  int x = b.input("input", {1, 8, 8, 8});
  x = b.conv(x, "grouped", 8, 3, 1, 1, 2);  // 2 groups of 4 channels: not depthwise
  x = b.batch_norm(x, "bn");
  x = b.relu(x, "relu");
  b.output(x);
  const Graph g = b.finish();
  const std::vector<Unit> units = split_units(g);
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(unit_type(g, units[0]), UnitType::conv);
  EXPECT_EQ(unit_type(g, units[1]), UnitType::other);
  EXPECT_EQ(unit_type(g, units[2]), UnitType::other);
}

int count_type(const UnitGraph& ug, UnitType type) {
  return static_cast<int>(std::count_if(
      ug.features.begin(), ug.features.end(),
      [&](const std::vector<float>& f) { return f[static_cast<size_t>(type)] == 1.0f; }));
}

TEST(NodeFeatures, ZooUnitTypes) {
  const UnitGraph resnet18 = unit_graph(build_zoo_model("resnet18", std::nullopt));
  EXPECT_EQ(count_type(resnet18, UnitType::residual_block), 8);
  EXPECT_EQ(count_type(resnet18, UnitType::conv), 1);
  EXPECT_EQ(count_type(resnet18, UnitType::pooling), 2);  // maxpool, avgpool
  EXPECT_EQ(count_type(resnet18, UnitType::linear), 1);

  const UnitGraph mobilenet = unit_graph(build_zoo_model("mobilenet_v2", std::nullopt));
  EXPECT_EQ(count_type(mobilenet, UnitType::inverted_residual_block), 17);
  EXPECT_EQ(count_type(mobilenet, UnitType::conv), 2);  // features.0 and features.18

  const UnitGraph vgg16 = unit_graph(build_zoo_model("vgg16", std::nullopt));
  EXPECT_EQ(count_type(vgg16, UnitType::conv), 13);
  EXPECT_EQ(count_type(vgg16, UnitType::pooling), 6);  // five max pools, the 1x1 avgpool
  EXPECT_EQ(count_type(vgg16, UnitType::linear), 3);
}

// Every feature in [0, 1] and exactly one type set.
void expect_normalised(const UnitGraph& ug) {
  for (size_t u = 0; u < ug.features.size(); ++u) {
    const std::vector<float>& f = ug.features[u];
    EXPECT_EQ(std::count(f.begin(), f.begin() + kUnitTypeCount, 1.0f), 1) << "unit " << u;
    for (size_t i = 0; i < f.size(); ++i) {
      EXPECT_GE(f[i], 0.0f) << "unit " << u << " " << node_feature_names()[i];
      EXPECT_LE(f[i], 1.0f) << "unit " << u << " " << node_feature_names()[i];
    }
  }
}

TEST(NodeFeatures, MaximaCoverTheZooAndRandomCnns) {
  for (const ZooModelInfo& m : zoo_models()) {
    SCOPED_TRACE(m.name);
    const Graph g = build_zoo_model(m.name, std::nullopt);
    const UnitGraph ug = unit_graph(g);
    EXPECT_EQ(ug.features.size(), split_units(g).size());
    EXPECT_EQ(ug.edges.size(), ug.features.size() - 1);
    expect_normalised(ug);
  }
  RandomCnnOptions shape_only;
  shape_only.weights = false;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    SCOPED_TRACE("random_cnn_" + std::to_string(seed));
    expect_normalised(unit_graph(random_cnn(seed, shape_only)));
  }
}

}  // namespace
}  // namespace splitinfer::predict
