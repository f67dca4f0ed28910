// The excitation layers: reproducible, within the stated ranges, valid
// models, and the basis's MAC term equal to the IR's MAC count.
#include "ggp/conv_excitation.h"

#include <gtest/gtest.h>

#include "graph/stats.h"

namespace splitinfer::ggp {
namespace {

TEST(ConvExcitation, LayersAreReproducibleAndInRange) {
  const auto a = random_conv_layers(200, 4), b = random_conv_layers(200, 4);
  ASSERT_EQ(a.size(), 200u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].features(), b[i].features());
    EXPECT_GE(a[i].h, 7);
    EXPECT_LE(a[i].h, 112);
    EXPECT_GE(a[i].c, 3);
    EXPECT_LE(a[i].n, 256);
    EXPECT_TRUE(a[i].k == 1 || a[i].k == 3 || a[i].k == 5);
    EXPECT_TRUE(a[i].stride == 1 || a[i].stride == 2);
  }
  EXPECT_NE(random_conv_layers(5, 5)[0].features(), a[0].features());
}

TEST(ConvExcitation, MacTermMatchesTheGraph) {
  for (const ConvLayer& l : random_conv_layers(20, 8)) {
    ConvLayer unit_stride = l;
    unit_stride.stride = 1;
    const Graph g = conv_relu_graph(unit_stride);
    EXPECT_EQ(g.tensor(g.outputs[0]).shape, (Shape{1, l.n, l.h, l.w}));
    const double macs_term = conv_latency_basis()[0](unit_stride.features()) / 1e-6;
    EXPECT_DOUBLE_EQ(macs_term, static_cast<double>(node_macs(g, g.nodes[0])));
  }
}

}  // namespace
}  // namespace splitinfer::ggp
