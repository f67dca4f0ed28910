#include "graph/units.h"

#include <cctype>

#include "graph/linear_layer.h"
#include "graph/stats.h"

namespace splitinfer {
namespace {

bool is_index(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// The unit a node belongs to by its module path: the top-level module, or
// the child of a top-level Sequential ("layer1.0.conv1" -> "layer1.0").
// Top-level functional nodes get an empty key: each is a unit of its own.
std::string unit_key(const Node& node) {
  const std::string& m = node.module;
  const size_t first_dot = m.find('.');
  if (first_dot == std::string::npos) return m;
  const size_t second_dot = m.find('.', first_dot + 1);
  const std::string child = m.substr(first_dot + 1, second_dot - first_dot - 1);
  return is_index(child) ? m.substr(0, second_dot) : m.substr(0, first_dot);
}

std::string display_name(const Node& node, const std::string& key) {
  if (!key.empty()) return key;
  std::string name = node.name;
  while (!name.empty() && name.front() == '/') name.erase(name.begin());
  return name.empty() ? std::string(op_name(node.op)) : name;
}

// For each boundary b (between node b and node b+1), how many activation
// tensors cross it and, when exactly one does, which.
struct Crossings {
  std::vector<int> count;
  std::vector<int64_t> id_sum;  // equals the tensor id where count == 1
};

Crossings count_crossings(const Graph& graph) {
  const size_t n = graph.nodes.size();
  const std::vector<int> producer = graph.producers();
  std::vector<int> last_use(graph.tensors.size(), -1);
  for (size_t i = 0; i < n; ++i)
    for (int t : graph.nodes[i].inputs)
      if (t != kNoTensor) last_use[t] = static_cast<int>(i);
  for (int t : graph.outputs) last_use[t] = static_cast<int>(n);

  std::vector<int> count_diff(n + 1, 0);
  std::vector<int64_t> id_diff(n + 1, 0);
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (graph.tensors[t].role != TensorRole::activation || last_use[t] < 0) continue;
    const int from = std::max(producer[t], 0);  // graph inputs cross from the start
    const int to = last_use[t];                 // crosses boundaries [from, to)
    if (from >= to) continue;
    count_diff[from] += 1;
    count_diff[to] -= 1;
    id_diff[from] += static_cast<int64_t>(t);
    id_diff[to] -= static_cast<int64_t>(t);
  }
  Crossings c{std::vector<int>(n, 0), std::vector<int64_t>(n, 0)};
  int count = 0;
  int64_t ids = 0;
  for (size_t b = 0; b < n; ++b) {
    count += count_diff[b];
    ids += id_diff[b];
    c.count[b] = count;
    c.id_sum[b] = ids;
  }
  return c;
}

}  // namespace

std::vector<Unit> split_units(const Graph& graph) {
  const size_t n = graph.nodes.size();
  if (n == 0) return {};
  bool has_modules = false;
  for (const Node& node : graph.nodes) has_modules |= !node.module.empty();

  const Crossings crossings = count_crossings(graph);
  std::vector<Unit> units;
  Unit current;
  std::string current_key = unit_key(graph.nodes[0]);
  std::string first_name = display_name(graph.nodes[0], current_key);
  for (size_t i = 0; i < n; ++i) {
    const bool last = i + 1 == n;
    bool boundary = last;
    if (!last) {
      const std::string next_key = unit_key(graph.nodes[i + 1]);
      const bool new_group = !has_modules || next_key.empty() || next_key != current_key;
      // A linear layer's MatMul and bias Add stay together (graph/linear_layer.h).
      boundary = new_group && crossings.count[i] == 1 && !is_linear_bias(graph, i + 1);
      if (new_group) current_key = next_key;
    }
    if (!boundary) continue;
    current.last_node = i + 1;
    current.index = static_cast<int>(units.size());
    const std::string last_name = display_name(graph.nodes[i], unit_key(graph.nodes[i]));
    current.name = first_name == last_name ? first_name : first_name + ".." + last_name;
    current.output = last ? graph.outputs.at(0) : static_cast<int>(crossings.id_sum[i]);
    current.params = count_params(graph, current.first_node, current.last_node);
    for (size_t k = current.first_node; k < current.last_node; ++k)
      current.macs += node_macs(graph, graph.nodes[k]);
    units.push_back(current);
    current = Unit{};
    current.first_node = i + 1;
    if (!last) first_name = display_name(graph.nodes[i + 1], unit_key(graph.nodes[i + 1]));
  }
  return units;
}

std::vector<int64_t> cut_tensor_elements(const Graph& graph) {
  std::vector<int64_t> elements{numel(graph.tensor(graph.inputs.at(0)).shape)};
  for (const Unit& unit : graph.units) elements.push_back(numel(graph.tensor(unit.output).shape));
  return elements;
}

}  // namespace splitinfer
