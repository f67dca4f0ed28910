// The roofline cost model of simulated elements against hand-computed times,
// its monotonicity, the behaviour the embedded efficiencies give the paper's
// pair of elements, and the link arithmetic the planner charges on top.
#include "devices/sim_cost.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "graph/builder.h"
#include "graph/units.h"
#include "graph/zoo/zoo.h"
#include "plan/link.h"
#include "support/five_unit_graph.h"

namespace splitinfer {
namespace {

// Two test elements with round figures: one compute-bound at int8 (1 byte per
// value), one memory-bound at fp32 (4 bytes per value).
DeviceCatalog test_catalog() {
  const std::string sources =
      R"("sources": {"precision": "t", "peak_ops_per_s": "t", "memory_bandwidth_gb_s": "t",
          "node_overhead_ms": "t", "power_w": "t", "efficiency": {"conv": "t", "depthwise_conv": "t",
          "fully_connected": "t", "pooling": "t", "elementwise": "t"}})";
  return parse_device_catalog(R"({
    "elements": {
      "sim:compute": {"precision": "int8", "peak_ops_per_s": 1e9, "memory_bandwidth_gb_s": 1,
        "node_overhead_ms": 0.5, "power_w": 1,
        "efficiency": {"conv": 0.5, "depthwise_conv": 0.25, "fully_connected": 0.2,
                       "pooling": 0.1, "elementwise": 0.8}, )" +
                              sources + R"(},
      "sim:memory": {"precision": "fp32", "peak_ops_per_s": 1e12, "memory_bandwidth_gb_s": 0.001,
        "node_overhead_ms": 0, "power_w": 1,
        "efficiency": {"conv": 1, "depthwise_conv": 1, "fully_connected": 1,
                       "pooling": 1, "elementwise": 1}, )" +
                              sources + R"(}},
    "links": {"l": {"latency_ms": 0, "bandwidth_gb_s": 1,
                    "sources": {"latency_ms": "t", "bandwidth_gb_s": "t"}}}})");
}

TEST(SimCost, TinyGraphMatchesHandComputedRoofline) {
  const Graph g = testing::five_unit_graph();
  const std::vector<Unit> units = split_units(g);
  ASSERT_EQ(units.size(), 5u);
  const DeviceCatalog c = test_catalog();

  // sim:compute: 0.5 ms per node + max(ops / (1e9 * efficiency), bytes / 1e9) s.
  // conv:    ops 2 * (8*8*8 outputs * 4*3*3) = 36,864 at 0.5 -> 73.728 us;
  //          bytes 256 in + 288 weight + 512 out = 1,056 -> 1.056 us.
  // relu:    ops 512 at 0.8 -> 0.64 us; bytes 512 + 512 -> 1.024 us.
  // pool:    ops 128 outputs * 4 window = 512 at 0.1 -> 5.12 us; bytes 512 + 128 -> 0.64 us.
  // flatten: ops 128 at 0.8 -> 0.16 us; bytes 128 + 128 -> 0.256 us.
  // fc:      ops 2 * 10 * 128 = 2,560 at 0.2 -> 12.8 us;
  //          bytes 128 + 1,280 weight + 10 bias + 10 out = 1,428 -> 1.428 us.
  const std::vector<double> compute_ms = simulated_unit_ms(g, c.find_element("sim:compute"));
  const double expected_compute[] = {0.5 + 0.073728, 0.5 + 0.001024, 0.5 + 0.00512, 0.5 + 0.000256,
                                     0.5 + 0.0128};
  for (size_t u = 0; u < 5; ++u) EXPECT_NEAR(compute_ms[u], expected_compute[u], 1e-12) << u;

  // sim:memory: no overhead, compute negligible, 4 bytes per value at 1e6 B/s:
  // 1 ms per 250 values moved.
  const std::vector<double> memory_ms = simulated_unit_ms(g, c.find_element("sim:memory"));
  const double values[] = {1056, 1024, 640, 256, 1428};
  for (size_t u = 0; u < 5; ++u) EXPECT_NEAR(memory_ms[u], values[u] * 4 / 1e6 * 1e3, 1e-9) << u;
}

TEST(SimCost, ConvolutionEpiloguesFuseWithinAUnit) {
  // One unit "block": conv 4->4 3x3 on 4x4, BatchNorm, residual Add of the
  // input, ReLU; then a unit "tail" (ReLU) that reads the block's output
  // across the cut and so stays unfused.
  GraphBuilder b("fused", std::nullopt);
  const int x = b.input("x", {1, 4, 4, 4});
  int y = b.conv(x, "block.conv", 4, 3, 1, 1, 1, false);
  y = b.batch_norm(y, "block.bn");
  y = b.add(y, x, "block.add");
  y = b.relu(y, "block.relu");
  y = b.relu(y, "tail");
  b.output(y);
  const Graph g = b.finish();
  const std::vector<Unit> units = split_units(g);
  ASSERT_EQ(units.size(), 2u);
  const std::vector<int> fused = conv_epilogue_inputs(g, units[0]);
  ASSERT_EQ(fused.size(), 4u);
  EXPECT_EQ(fused[0], kNoTensor);              // the convolution itself
  EXPECT_EQ(fused[1], g.nodes[0].outputs[0]);  // BatchNorm onto the conv result
  EXPECT_EQ(fused[2], g.nodes[1].outputs[0]);  // Add onto the BatchNorm result
  EXPECT_EQ(fused[3], g.nodes[2].outputs[0]);  // ReLU onto the Add result
  EXPECT_EQ(conv_epilogue_inputs(g, units[1])[0], kNoTensor);

  // sim:memory (4 bytes per value at 1e6 B/s: 1 ms per 250 values, no
  // overhead): conv 64 in + 144 weight + 64 out = 272 values; BatchNorm reads
  // its 4 x 4 parameters; the Add reads the 64-value residual; ReLU nothing.
  const DeviceCatalog c = test_catalog();
  const std::vector<double> ms = simulated_unit_ms(g, c.find_element("sim:memory"));
  EXPECT_NEAR(ms[0], (272 + 16 + 64) * 4 / 1e6 * 1e3, 1e-9);
  EXPECT_NEAR(ms[1], (64 + 64) * 4 / 1e6 * 1e3, 1e-9);  // unfused: reads and writes
  // sim:compute pays its 0.5 ms node overhead once for the fused block.
  const std::vector<double> compute = simulated_unit_ms(g, c.find_element("sim:compute"));
  EXPECT_LT(compute[0], 1.0);
}

TEST(SimCost, OpKindsFollowTheEfficiencyClasses) {
  GraphBuilder b("kinds", std::nullopt);
  int x = b.input("x", {1, 8, 8, 8});
  x = b.conv(x, "dense", 8, 3, 1, 1);
  x = b.conv(x, "grouped", 8, 3, 1, 1, 2);
  x = b.conv(x, "depthwise", 8, 3, 1, 1, 8);
  x = b.batch_norm(x, "bn");
  x = b.add(x, x, "add");
  x = b.avg_pool(x, "avg", 2, 2);
  x = b.global_avg_pool(x, "gap");
  x = b.flatten(x, "", "flatten");
  x = b.linear(x, "fc", 4);
  b.output(x);
  const Graph g = b.finish();
  std::vector<OpKind> kinds;
  for (const Node& n : g.nodes) kinds.push_back(op_kind_of(g, n));
  EXPECT_EQ(kinds,
            (std::vector<OpKind>{OpKind::conv, OpKind::conv, OpKind::depthwise_conv,
                                 OpKind::elementwise, OpKind::elementwise, OpKind::pooling,
                                 OpKind::pooling, OpKind::elementwise, OpKind::fully_connected}));
  // Global pooling reads every input value once: 8 channels x 4x4.
  EXPECT_DOUBLE_EQ(node_ops(g, g.nodes[6]), 128.0);
}

TEST(SimCost, CostSourcePricesStagesAsSumsOfUnits) {
  const Graph g = testing::five_unit_graph();
  const DeviceCatalog c = test_catalog();
  const SimulatedCostSource costs(g, c);
  EXPECT_EQ(costs.unit_count(), 5);
  EXPECT_TRUE(costs.knows("sim:compute"));
  EXPECT_FALSE(costs.knows("cpu0:int8"));
  const StageEstimate s = costs.stage("sim:compute", 1, 4);  // relu, pool, flatten
  EXPECT_NEAR(s.ms, 1.5 + 0.001024 + 0.00512 + 0.000256, 1e-12);
  EXPECT_EQ(s.basis, CostBasis::simulated);
  EXPECT_EQ(cost_basis_name(s.basis), "simulated");
  EXPECT_NEAR(costs.stage("sim:compute", 0, 5).ms,
              costs.stage("sim:compute", 0, 2).ms + costs.stage("sim:compute", 2, 5).ms, 1e-12);
  try {
    costs.stage("sim:rtx2080", 0, 5);  // in the embedded catalog, not in this one
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("'sim:rtx2080'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sim:compute, sim:memory"), std::string::npos) << e.what();
  }
}

// A split pays the element's fixed cost of a run in each of its stages.
TEST(SimCost, EveryStageRunPaysTheRunOverheadOnce) {
  const Graph g = testing::five_unit_graph();
  DeviceCatalog c = test_catalog();
  c.elements[0].run_overhead_ms = 2.0;  // sim:compute
  const SimulatedCostSource costs(g, c);
  double units_ms = 0.0;
  for (double ms : simulated_unit_ms(g, c.elements[0])) units_ms += ms;
  EXPECT_NEAR(costs.stage("sim:compute", 0, 5).ms, units_ms + 2.0, 1e-12);
  EXPECT_NEAR(costs.stage("sim:compute", 0, 2).ms + costs.stage("sim:compute", 2, 5).ms,
              units_ms + 4.0, 1e-12);
  EXPECT_EQ(costs.stage("sim:compute", 3, 3).ms, 0.0);  // an empty stage never runs
}

TEST(SimCost, DefaultCatalogKnowsEverySimulatedElement) {
  const Graph g = testing::five_unit_graph();
  const SimulatedCostSource costs(g);
  for (const SimElementSpec& e : device_catalog().elements) {
    EXPECT_TRUE(costs.knows(e.name)) << e.name;
    EXPECT_GT(costs.stage(e.name, 0, 5).ms, 0.0) << e.name;
  }
}

// A conv node of `channels` output channels on `size` x `size` 64-channel input.
double conv_ms(int64_t channels, int64_t size, const SimElementSpec& element) {
  GraphBuilder b("conv", std::nullopt);
  const int x = b.input("x", {1, 64, size, size});
  b.output(b.conv(x, "conv", channels, 3, 1, 1));
  const Graph g = b.finish();
  return simulated_node_ms(g, g.nodes.at(0), element);
}

TEST(SimCost, BiggerConvolutionsCostMore) {
  for (const SimElementSpec& e : device_catalog().elements) {
    SCOPED_TRACE(e.name);
    EXPECT_LT(conv_ms(64, 28, e), conv_ms(128, 28, e));
    EXPECT_LT(conv_ms(128, 28, e), conv_ms(256, 28, e));
    EXPECT_LT(conv_ms(64, 28, e), conv_ms(64, 56, e));
  }
}

double whole_model_ms(const std::string& model, const std::string& element) {
  const Graph g = build_zoo_model(model, std::nullopt);
  const SimulatedCostSource costs(g);
  return costs.stage(element, 0, costs.unit_count()).ms;
}

// The efficiencies chosen in data/devices.json make the GPU relatively
// better on VGG16's dense 3x3 convolutions and the DPU relatively better on
// MobileNetV2's depthwise, inverted-residual blocks, as the paper describes.
TEST(SimCost, GpuIsRelativelyFasterOnVggThanOnMobilenetComparedWithDpu) {
  const double vgg =
      whole_model_ms("vgg16", "sim:rtx2080") / whole_model_ms("vgg16", "sim:vck190-dpu");
  const double mobilenet = whole_model_ms("mobilenet_v2", "sim:rtx2080") /
                           whole_model_ms("mobilenet_v2", "sim:vck190-dpu");
  EXPECT_LT(vgg, mobilenet) << "GPU/DPU time: vgg16 " << vgg << ", mobilenet_v2 " << mobilenet;
}

// ---- links ----

TEST(SimLink, TransferIsLatencyPlusBytesOverBandwidth) {
  const Link link{"l", 0.1, 2.0, "spec"};
  // 4e6 bytes at 2e9 bytes/s = 2 ms, plus 0.1 ms.
  EXPECT_NEAR(transfer_ms(link, 4'000'000), 2.1, 1e-12);
  EXPECT_NEAR(transfer_ms(link, 0), 0.1, 1e-12);
  // The paper's link from the spec: 802,824 bytes (a 64x112x112 int8 tensor
  // plus its 8-byte header) over 8 GB/s = 0.100353 ms, plus 0.01 ms.
  const Link pcie = to_link(device_catalog().find_link("pcie3x4"));
  EXPECT_NEAR(transfer_ms(pcie, 802'824), 0.01 + 0.100353, 1e-12);
}

TEST(SimLink, DirectChargesTheSenderAndIndirectBothHops) {
  const Link link{"l", 0.1, 2.0, "spec"};
  const TransferSplit direct = charge_transfer(link, LinkMode::direct, 4'000'000);
  EXPECT_NEAR(direct.sender_ms, 2.1, 1e-12);
  EXPECT_EQ(direct.receiver_ms, 0.0);
  // Element to host on the sender, host to element on the receiver: each a
  // full transfer of the bytes.
  const TransferSplit indirect = charge_transfer(link, LinkMode::indirect, 4'000'000);
  EXPECT_NEAR(indirect.sender_ms, 2.1, 1e-12);
  EXPECT_NEAR(indirect.receiver_ms, 2.1, 1e-12);
}

}  // namespace
}  // namespace splitinfer
