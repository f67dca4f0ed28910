// The graph IR: the single truth about a model. Backends compile from it, the
// planner cuts it, ONNX import and the zoo builder produce it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/attributes.h"
#include "graph/op.h"
#include "graph/tensor.h"

namespace splitinfer {

inline constexpr int kNoTensor = -1;  // an omitted optional input

struct Node {
  OpType op = OpType::Identity;
  std::string name;
  // Dotted path of the PyTorch module that owns the node ("layer1.0.conv1");
  // empty for functional ops called at the top level (torch.flatten).
  std::string module;
  std::vector<int> inputs;   // tensor ids, kNoTensor for an omitted optional input
  std::vector<int> outputs;  // tensor ids
  Attributes attrs;
};

// A split unit: where a model may be cut between elements (graph/units.h).
struct Unit {
  int index = 0;
  std::string name;
  size_t first_node = 0;  // nodes [first_node, last_node) of the sorted graph
  size_t last_node = 0;
  int output = kNoTensor;  // the one tensor crossing the cut after this unit
  int64_t params = 0;
  int64_t macs = 0;
};

class Graph {
 public:
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;  // in topological order once validated
  std::vector<int> inputs;  // activation tensors fed by the caller
  std::vector<int> outputs;
  // The split units in execution order, set by validate(): computed once, they
  // travel with the graph to every stage that cuts it.
  std::vector<Unit> units;

  int add_tensor(Tensor tensor);
  // Id of the tensor with this name, or kNoTensor.
  int find_tensor(const std::string& name) const;

  const Tensor& tensor(int id) const { return tensors.at(static_cast<size_t>(id)); }
  Tensor& tensor(int id) { return tensors.at(static_cast<size_t>(id)); }
  // The node input `slot`, or nullptr when the slot is absent or omitted.
  const Tensor* input(const Node& node, size_t slot) const;
  const Tensor& output(const Node& node, size_t slot = 0) const;

  // Index of the node producing each tensor, -1 for graph inputs and data.
  std::vector<int> producers() const;
};

// Orders nodes so that every input is produced before use; throws an
// invalid_input Error naming a node on a cycle or an input nothing produces.
void sort_topologically(Graph& graph);

// Topological sort, shape inference, size limits and split units: after it
// succeeds every tensor has a static shape, every node a consistent set of
// inputs, and `units` the graph's split units.
void validate(Graph& graph);

}  // namespace splitinfer
