#include "graph/graph.h"

#include <functional>
#include <queue>

#include "common/error.h"
#include "graph/shape_inference.h"
#include "graph/units.h"

namespace splitinfer {

int Graph::add_tensor(Tensor tensor) {
  tensors.push_back(std::move(tensor));
  return static_cast<int>(tensors.size()) - 1;
}

int Graph::find_tensor(const std::string& tensor_name) const {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == tensor_name) return static_cast<int>(i);
  return kNoTensor;
}

const Tensor* Graph::input(const Node& node, size_t slot) const {
  if (slot >= node.inputs.size() || node.inputs[slot] == kNoTensor) return nullptr;
  return &tensor(node.inputs[slot]);
}

const Tensor& Graph::output(const Node& node, size_t slot) const {
  return tensor(node.outputs.at(slot));
}

std::vector<int> Graph::producers() const {
  std::vector<int> producer(tensors.size(), -1);
  for (size_t n = 0; n < nodes.size(); ++n)
    for (int t : nodes[n].outputs) producer.at(static_cast<size_t>(t)) = static_cast<int>(n);
  return producer;
}

void sort_topologically(Graph& graph) {
  const size_t tensor_count = graph.tensors.size();
  std::vector<int> producer(tensor_count, -1);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (int t : graph.nodes[n].outputs) {
      if (t < 0 || static_cast<size_t>(t) >= tensor_count)
        fail(ErrorKind::internal, "node '" + graph.nodes[n].name + "' has a bad output id");
      if (producer[t] != -1)
        fail(ErrorKind::invalid_input,
             "tensor '" + graph.tensors[t].name + "' is produced by two nodes ('" +
                 graph.nodes[producer[t]].name + "' and '" + graph.nodes[n].name + "')");
      if (graph.tensors[t].is_initializer())
        fail(ErrorKind::invalid_input, "node '" + graph.nodes[n].name +
                                           "' writes to initializer '" + graph.tensors[t].name +
                                           "'");
      producer[t] = static_cast<int>(n);
    }
  }
  std::vector<bool> is_graph_input(tensor_count, false);
  for (int t : graph.inputs) is_graph_input.at(static_cast<size_t>(t)) = true;

  // Kahn's algorithm, always taking the earliest ready node so that an
  // already ordered graph keeps its order (unit grouping relies on it).
  std::vector<int> pending(graph.nodes.size(), 0);
  std::vector<std::vector<int>> consumers(graph.nodes.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    for (int t : graph.nodes[n].inputs) {
      if (t == kNoTensor) continue;
      if (t < 0 || static_cast<size_t>(t) >= tensor_count)
        fail(ErrorKind::internal, "node '" + graph.nodes[n].name + "' has a bad input id");
      if (producer[t] >= 0) {
        ++pending[n];
        consumers[producer[t]].push_back(static_cast<int>(n));
      } else if (!is_graph_input[t] && !graph.tensors[t].is_initializer()) {
        fail(ErrorKind::invalid_input, "node '" + graph.nodes[n].name + "' reads '" +
                                           graph.tensors[t].name +
                                           "', which no node produces and which is neither "
                                           "a graph input nor an initializer");
      }
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (pending[n] == 0) ready.push(static_cast<int>(n));
  std::vector<int> order;
  order.reserve(graph.nodes.size());
  while (!ready.empty()) {
    int n = ready.top();
    ready.pop();
    order.push_back(n);
    for (int c : consumers[n])
      if (--pending[c] == 0) ready.push(c);
  }
  if (order.size() != graph.nodes.size()) {
    for (size_t n = 0; n < graph.nodes.size(); ++n)
      if (pending[n] > 0)
        fail(ErrorKind::invalid_input,
             "the graph has a cycle through node '" + graph.nodes[n].name + "'");
  }
  std::vector<Node> sorted;
  sorted.reserve(order.size());
  for (int n : order) sorted.push_back(std::move(graph.nodes[n]));
  graph.nodes = std::move(sorted);
  for (int t : graph.outputs)
    if (producer.at(static_cast<size_t>(t)) < 0 && !is_graph_input[t])
      fail(ErrorKind::invalid_input,
           "graph output '" + graph.tensors[t].name + "' is produced by no node");
}

void validate(Graph& graph) {
  if (graph.inputs.empty()) fail(ErrorKind::invalid_input, "the graph has no input");
  if (graph.outputs.empty()) fail(ErrorKind::invalid_input, "the graph has no output");
  sort_topologically(graph);
  infer_shapes(graph);
  graph.units = split_units(graph);
}

}  // namespace splitinfer
