#include "devices/sim_cost.h"

#include <algorithm>

#include "common/error.h"
#include "graph/graph.h"
#include "graph/stats.h"

namespace splitinfer {
namespace {

// Values the node reads and writes: activations, weights and outputs, each
// tensor once per use. The element holds them all at its own precision.
int64_t values_moved(const Graph& graph, const Node& node) {
  int64_t values = 0;
  for (int t : node.inputs)
    if (t != kNoTensor) values += numel(graph.tensor(t).shape);
  for (int t : node.outputs) values += numel(graph.tensor(t).shape);
  return values;
}

bool fusable_epilogue(OpType op) {
  return op == OpType::BatchNormalization || op == OpType::Relu || op == OpType::Clip ||
         op == OpType::LeakyRelu || op == OpType::Add;
}

// Values a fused node reads besides the convolution result it is applied
// to: a residual, BatchNorm's per-channel parameters.
int64_t extra_values_read(const Graph& graph, const Node& node, int fused_onto) {
  int64_t values = 0;
  for (int t : node.inputs)
    if (t != kNoTensor && t != fused_onto) values += numel(graph.tensor(t).shape);
  return values;
}

}  // namespace

std::vector<int> conv_epilogue_inputs(const Graph& graph, const Unit& unit) {
  std::vector<int> consumers(graph.tensors.size(), 0);
  for (const Node& n : graph.nodes)
    for (int t : n.inputs)
      if (t != kNoTensor) ++consumers[static_cast<size_t>(t)];
  for (int t : graph.outputs) ++consumers[static_cast<size_t>(t)];
  std::vector<int> fused(unit.last_node - unit.first_node, kNoTensor);
  std::vector<bool> conv_result(graph.tensors.size(),
                                false);  // a convolution's output, not yet stored
  for (size_t n = unit.first_node; n < unit.last_node; ++n) {
    const Node& node = graph.nodes[n];
    if (node.op == OpType::Conv) {
      conv_result[static_cast<size_t>(node.outputs[0])] = true;
      continue;
    }
    if (!fusable_epilogue(node.op)) continue;
    for (int t : node.inputs)
      if (t != kNoTensor && conv_result[static_cast<size_t>(t)] &&
          consumers[static_cast<size_t>(t)] == 1) {
        fused[n - unit.first_node] = t;
        conv_result[static_cast<size_t>(node.outputs[0])] = true;
        break;
      }
  }
  return fused;
}

double node_ops(const Graph& graph, const Node& node) {
  switch (node.op) {
    case OpType::Conv:
    case OpType::Gemm:
    case OpType::MatMul: return 2.0 * static_cast<double>(node_macs(graph, node));
    case OpType::MaxPool:
    case OpType::AveragePool: {
      int64_t window = 1;
      for (int64_t k : node.attrs.get_ints("kernel_shape")) window *= k;
      return static_cast<double>(numel(graph.output(node).shape) * window);
    }
    case OpType::GlobalAveragePool:
    case OpType::GlobalMaxPool: return static_cast<double>(numel(graph.input(node, 0)->shape));
    default: return static_cast<double>(numel(graph.output(node).shape));
  }
}

OpKind op_kind_of(const Graph& graph, const Node& node) {
  switch (node.op) {
    case OpType::Conv: {
      const int64_t group = node.attrs.get_int("group", 1);
      const int64_t in_channels = graph.input(node, 0)->shape.at(1);
      return group > 1 && group == in_channels ? OpKind::depthwise_conv : OpKind::conv;
    }
    case OpType::Gemm:
    case OpType::MatMul: return OpKind::fully_connected;
    case OpType::MaxPool:
    case OpType::AveragePool:
    case OpType::GlobalAveragePool:
    case OpType::GlobalMaxPool: return OpKind::pooling;
    default: return OpKind::elementwise;
  }
}

double work_ms(const NodeWork& work, const SimElementSpec& element) {
  const double memory_s =
      work.values * bytes_per_value(element.precision) / (element.memory_bandwidth_gb_s * 1e9);
  if (work.fused) return memory_s * 1e3;
  const double compute_s = work.ops / (element.peak_ops_per_s * element.efficiency_of(work.kind));
  return element.node_overhead_ms + std::max(compute_s, memory_s) * 1e3;
}

double simulated_node_ms(const Graph& graph, const Node& node, const SimElementSpec& element) {
  return work_ms({op_kind_of(graph, node), node_ops(graph, node),
                  static_cast<double>(values_moved(graph, node)), false},
                 element);
}

std::vector<NodeWork> unit_work(const Graph& graph, const Unit& unit) {
  const std::vector<int> fused = conv_epilogue_inputs(graph, unit);
  std::vector<NodeWork> work;
  for (size_t n = unit.first_node; n < unit.last_node; ++n) {
    const Node& node = graph.nodes[n];
    const int onto = fused[n - unit.first_node];
    if (onto == kNoTensor)
      work.push_back({op_kind_of(graph, node), node_ops(graph, node),
                      static_cast<double>(values_moved(graph, node)), false});
    else
      work.push_back({OpKind::elementwise, 0.0,
                      static_cast<double>(extra_values_read(graph, node, onto)), true});
  }
  return work;
}

std::vector<double> simulated_unit_ms(const Graph& graph, const SimElementSpec& element) {
  std::vector<double> unit_ms;
  for (const Unit& unit : graph.units) {
    double ms = 0.0;
    for (const NodeWork& w : unit_work(graph, unit)) ms += work_ms(w, element);
    unit_ms.push_back(ms);
  }
  return unit_ms;
}

SimulatedCostSource::SimulatedCostSource(const Graph& graph, const DeviceCatalog& catalog) {
  unit_count_ = static_cast<int>(graph.units.size());
  for (const SimElementSpec& element : catalog.elements) {
    run_overhead_ms_[element.name] = element.run_overhead_ms;
    std::vector<double>& prefix = prefix_ms_[element.name];
    prefix.assign(1, 0.0);
    for (double ms : simulated_unit_ms(graph, element)) prefix.push_back(prefix.back() + ms);
  }
}

bool SimulatedCostSource::knows(const std::string& element) const {
  return prefix_ms_.count(element) != 0;
}

StageEstimate SimulatedCostSource::stage(const std::string& element, int first, int last) const {
  const auto it = prefix_ms_.find(element);
  if (it == prefix_ms_.end()) {
    std::string known;
    for (const auto& [name, _] : prefix_ms_) known += (known.empty() ? "" : ", ") + name;
    fail(ErrorKind::invalid_input,
         "no simulated model of element '" + element + "' (simulated elements: " + known + ")");
  }
  if (first < 0 || first > last || last > unit_count_)
    fail(ErrorKind::internal, "stage [" + std::to_string(first) + ", " + std::to_string(last) +
                                  ") is outside the model's " + std::to_string(unit_count_) +
                                  " units");
  const std::vector<double>& prefix = it->second;
  const double run_ms = last > first ? run_overhead_ms_.at(element) : 0.0;
  return {run_ms + prefix[static_cast<size_t>(last)] - prefix[static_cast<size_t>(first)],
          CostBasis::simulated};
}

}  // namespace splitinfer
