// Stage times of simulated elements from their specs: a roofline per node,
// with the convolution epilogues fused as the elements' compilers do.
// A node takes its element's fixed per-node overhead plus the longer of its
// compute time (its ops at the peak scaled by the efficiency of its op kind)
// and its memory time (inputs, outputs and weights at the element's
// precision, over the memory bandwidth). A unit is the sum of its nodes, a
// stage the sum of its units plus the element's fixed cost of a run. These are models, labelled
// "simulated" wherever they are shown.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "devices/device_spec.h"
#include "devices/sim_fit.h"
#include "graph/graph.h"
#include "plan/cost_source.h"

namespace splitinfer {

// The efficiency class a node falls in (needs inferred shapes).
OpKind op_kind_of(const Graph& graph, const Node& node);

// Operations of a node, as the peak counts them: 2 per multiply-accumulate of
// a convolution or fully connected layer; one per window element of each
// pooled output (per input value for global pooling); one per output value
// of anything else. Without the last two, the pooling and elementwise
// efficiencies of a spec would never matter.
double node_ops(const Graph& graph, const Node& node);

// The compilers of every simulated element (Vitis AI for the DPU, TensorRT
// for the GPUs, as oneDNN for the real CPU elements) fuse BatchNorm,
// activations and a residual Add into the convolution whose result they
// take, when nothing else reads it and it does not cross a cut. Per node of
// `unit`: the convolution result it is fused onto, or kNoTensor. A fused
// node costs only the reads of its other operands (the residual, the
// BatchNorm parameters): no overhead, no output of its own.
std::vector<int> conv_epilogue_inputs(const Graph& graph, const Unit& unit);

// What a node asks of an element, before the element's figures price it:
// its efficiency class, its operations and the values it moves. A node fused
// onto a convolution (conv_epilogue_inputs) pays only for `values`, the
// reads of its other operands: no overhead, no compute.
struct NodeWork {
  OpKind kind = OpKind::elementwise;
  double ops = 0.0;
  double values = 0.0;
  bool fused = false;
};

// The work of every node of `unit`, in node order.
std::vector<NodeWork> unit_work(const Graph& graph, const Unit& unit);

// The roofline of one node's work on `element`, in ms.
double work_ms(const NodeWork& work, const SimElementSpec& element);

// Modelled time of one unfused node, and of each of the split units of a validated
// graph (Graph::units), on `element`.
double simulated_node_ms(const Graph& graph, const Node& node, const SimElementSpec& element);
std::vector<double> simulated_unit_ms(const Graph& graph, const SimElementSpec& element);

class SimulatedCostSource : public CostSource {
 public:
  // Prices every unit of `graph` on every element of `catalog` up front;
  // keeps no argument.
  explicit SimulatedCostSource(const Graph& graph, const DeviceCatalog& catalog = device_catalog());

  int unit_count() const override { return unit_count_; }
  bool knows(const std::string& element) const override;
  StageEstimate stage(const std::string& element, int first, int last) const override;

 private:
  int unit_count_ = 0;
  // Per element, prefix sums of the unit times: stage [i, j) = p[j] - p[i].
  std::map<std::string, std::vector<double>> prefix_ms_;
  std::map<std::string, double> run_overhead_ms_;  // per element, paid by every non-empty stage
};

}  // namespace splitinfer
