#include "profile/model_hash.h"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "common/fnv1a.h"
#include "graph/graph.h"

namespace splitinfer {
namespace {

// Tensors numbered in order of first use (graph inputs, then node inputs and
// outputs in execution order, then graph outputs), so the hash does not
// depend on the order of the tensor table, only on how tensors are wired.
// Tensors no node uses are left out: they cannot change the timing.
struct CanonicalTensors {
  std::unordered_map<int, int64_t> number;
  std::vector<int> order;

  explicit CanonicalTensors(const Graph& g) {
    for (int t : g.inputs) add(t);
    for (const Node& n : g.nodes) {
      for (int t : n.inputs) add(t);
      for (int t : n.outputs) add(t);
    }
    for (int t : g.outputs) add(t);
  }
  void add(int t) {
    if (t == kNoTensor || number.count(t)) return;
    number.emplace(t, static_cast<int64_t>(order.size()));
    order.push_back(t);
  }
  int64_t of(int t) const { return t == kNoTensor ? -1 : number.at(t); }
};

void feed_ids(Fnv1a64& h, const CanonicalTensors& c, const std::vector<int>& ids) {
  h.u64(ids.size());
  for (int t : ids) h.i64(c.of(t));
}

void feed_attribute(Fnv1a64& h, const AttrValue& value) {
  h.u64(value.index());
  if (const auto* v = std::get_if<int64_t>(&value)) {
    h.i64(*v);
  } else if (const auto* v = std::get_if<float>(&value)) {
    h.f32(*v);
  } else if (const auto* v = std::get_if<std::vector<int64_t>>(&value)) {
    h.u64(v->size());
    for (int64_t x : *v) h.i64(x);
  } else if (const auto* v = std::get_if<std::vector<float>>(&value)) {
    h.u64(v->size());
    for (float x : *v) h.f32(x);
  } else {
    h.str(std::get<std::string>(value));
  }
}

void feed_structure(Fnv1a64& h, const Graph& g, const CanonicalTensors& c) {
  h.str("splitinfer structure v1");  // bump when the fed fields change
  h.u64(c.order.size());
  for (int id : c.order) {
    const Tensor& t = g.tensor(id);
    h.str(dtype_name(t.dtype));
    h.u64(static_cast<uint64_t>(t.role));
    h.u64(t.shape_known);
    h.u64(t.shape.size());
    for (int64_t d : t.shape) h.i64(d);
  }
  feed_ids(h, c, g.inputs);
  h.u64(g.nodes.size());
  for (const Node& n : g.nodes) {
    h.str(op_name(n.op));  // the name, not the enum value: ops.def may be reordered
    h.u64(n.attrs.all().size());
    for (const auto& [key, value] : n.attrs.all()) {  // std::map: sorted keys
      h.str(key);
      feed_attribute(h, value);
    }
    feed_ids(h, c, n.inputs);
    feed_ids(h, c, n.outputs);
  }
  feed_ids(h, c, g.outputs);
  // Profiles are stored per unit range, so the same nodes grouped into other
  // units (module names decide the grouping) must not share profiles.
  h.u64(g.units.size());
  for (const Unit& u : g.units) {
    h.u64(u.first_node);
    h.u64(u.last_node);
  }
}

}  // namespace

std::string structure_hash(const Graph& graph) {
  const CanonicalTensors c(graph);
  Fnv1a64 h;
  feed_structure(h, graph, c);
  return h.hex();
}

std::string content_hash(const Graph& graph) {
  const CanonicalTensors c(graph);
  Fnv1a64 h;
  feed_structure(h, graph, c);
  h.str("data");
  for (int id : c.order) {
    const Tensor& t = graph.tensor(id);
    h.u64(t.has_data());
    if (!t.has_data()) continue;
    h.u64(t.data->size());
    h.bytes(t.data->data(), t.data->size());
  }
  return h.hex();
}

}  // namespace splitinfer
