#include "graph/equalization.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <utility>

namespace splitinfer {

namespace {

// Passes stop once every factor of a pass is within this of 1, or after
// kMaxSweeps (chains of pairs that share a layer settle in a few).
constexpr double kSettled = 1e-4;
constexpr int kMaxSweeps = 50;

// A convolution whose output channels are rescaled, and the convolutions
// that read them.
struct Pair {
  int weight = kNoTensor;          // the producer's weight, one row per channel
  int bias = kNoTensor;            // its bias, when it has one
  const Node* norm = nullptr;      // the BatchNorm after it: rescaled instead of the conv
  std::vector<float> inverse_std;  // 1 / sqrt(var + eps) per channel of that BatchNorm
  std::vector<std::pair<int, int64_t>> readers;  // weight and group count of each reader
};

bool commutes_with_positive_factor(OpType op) {
  return op == OpType::Relu || op == OpType::LeakyRelu || op == OpType::MaxPool;
}

// The graph's float weights, copied on first change and written back whole.
class WeightEdits {
 public:
  explicit WeightEdits(Graph& graph) : graph_(graph) {}
  std::vector<float>& operator[](int id) {
    auto it = edits_.find(id);
    if (it == edits_.end()) {
      const auto values = graph_.tensor(id).floats();
      it = edits_.emplace(id, std::vector<float>(values.begin(), values.end())).first;
    }
    return it->second;
  }
  void commit() {
    for (const auto& [id, values] : edits_) graph_.tensor(id).data = make_data(values);
  }

 private:
  Graph& graph_;
  std::map<int, std::vector<float>> edits_;
};

class PairFinder {
 public:
  explicit PairFinder(const Graph& graph) : graph_(graph), readers_(graph.tensors.size()) {
    for (const Node& node : graph.nodes)
      for (const int t : node.inputs)
        if (t != kNoTensor) readers_[static_cast<size_t>(t)].push_back(&node);
    for (const int t : graph.outputs) readers_[static_cast<size_t>(t)].push_back(nullptr);
  }

  std::vector<Pair> find() const {
    std::vector<Pair> pairs;
    for (const Node& node : graph_.nodes)
      if (auto pair = pair_from(node)) pairs.push_back(std::move(*pair));
    return pairs;
  }

 private:
  // The one reader of `tensor`, when it has exactly one and is no graph output.
  const Node* sole_reader(int tensor) const {
    const auto& r = readers_[static_cast<size_t>(tensor)];
    return r.size() == 1 ? r[0] : nullptr;
  }
  // A float weight that only `tensor`'s one reader reads.
  bool owned_weight(int tensor) const {
    if (tensor == kNoTensor) return false;
    const Tensor& t = graph_.tensor(tensor);
    return t.is_initializer() && t.has_data() && t.dtype == DType::f32 && sole_reader(tensor);
  }

  std::optional<Pair> pair_from(const Node& conv) const {
    if (conv.op != OpType::Conv || !owned_weight(conv.inputs[1])) return std::nullopt;
    Pair pair;
    pair.weight = conv.inputs[1];
    const int64_t channels = graph_.tensor(pair.weight).shape[0];
    if (numel(graph_.tensor(pair.weight).shape) <= 0) return std::nullopt;
    int t = conv.outputs[0];
    if (const Node* bn = sole_reader(t); bn && bn->op == OpType::BatchNormalization) {
      const Tensor* variance = graph_.input(*bn, 4);
      if (!owned_weight(bn->inputs[1]) || !owned_weight(bn->inputs[2]) || !variance ||
          !variance->has_data() || variance->dtype != DType::f32)
        return std::nullopt;
      const auto var = variance->floats();
      const float eps = bn->attrs.get_float("epsilon", 1e-5f);
      for (int64_t c = 0; c < channels; ++c)
        pair.inverse_std.push_back(1.0f / std::sqrt(var[static_cast<size_t>(c)] + eps));
      pair.norm = bn;
      t = bn->outputs[0];
    } else if (conv.inputs.size() > 2 && conv.inputs[2] != kNoTensor) {
      if (!owned_weight(conv.inputs[2])) return std::nullopt;
      pair.bias = conv.inputs[2];
    }
    for (const Node* next = sole_reader(t);
         next && commutes_with_positive_factor(next->op) && next->outputs.size() == 1;
         next = sole_reader(t))
      t = next->outputs[0];
    for (const Node* reader : readers_[static_cast<size_t>(t)]) {
      if (!reader || reader->op != OpType::Conv || reader->inputs[0] != t ||
          std::count(reader->inputs.begin(), reader->inputs.end(), t) != 1 ||
          !owned_weight(reader->inputs[1]))
        return std::nullopt;
      const int64_t groups = reader->attrs.get_int("group", 1);
      const Shape& shape = graph_.tensor(reader->inputs[1]).shape;
      if (groups <= 0 || shape[1] * groups != channels || shape[0] % groups != 0 ||
          numel(shape) <= 0)
        return std::nullopt;
      pair.readers.emplace_back(reader->inputs[1], groups);
    }
    if (pair.readers.empty()) return std::nullopt;
    return pair;
  }

  const Graph& graph_;
  std::vector<std::vector<const Node*>> readers_;  // null: read as a graph output
};

// Calls f(value) for every element of input channel c of a reader's weight
// [C_out, C_in / groups, taps...].
template <typename F>
void for_column(std::vector<float>& w, const Shape& shape, int64_t groups, int64_t c, F f) {
  const int64_t out_per_group = shape[0] / groups, in_per_group = shape[1];
  const int64_t taps = numel(shape) / (shape[0] * in_per_group);
  const int64_t group = c / in_per_group, local = c % in_per_group;
  for (int64_t o = group * out_per_group; o < (group + 1) * out_per_group; ++o)
    for (int64_t k = 0; k < taps; ++k)
      f(w[static_cast<size_t>((o * in_per_group + local) * taps + k)]);
}

// One pass over a pair: the largest |log s_c| applied.
double equalize(const Graph& graph, const Pair& pair, WeightEdits& edits) {
  std::vector<float>& w = edits[pair.weight];
  const Shape& shape = graph.tensor(pair.weight).shape;
  const int64_t channels = shape[0], row = numel(shape) / channels;
  double largest = 0.0;
  for (int64_t c = 0; c < channels; ++c) {
    float r1 = 0.0f, r2 = 0.0f;
    for (int64_t k = 0; k < row; ++k)
      r1 = std::max(r1, std::abs(w[static_cast<size_t>(c * row + k)]));
    if (pair.norm)  // the row as folded into the convolution
      r1 *= std::abs(edits[pair.norm->inputs[1]][static_cast<size_t>(c)]) *
            pair.inverse_std[static_cast<size_t>(c)];
    for (const auto& [reader, groups] : pair.readers)
      for_column(edits[reader], graph.tensor(reader).shape, groups, c,
                 [&](float& v) { r2 = std::max(r2, std::abs(v)); });
    if (!(r1 > 0.0f && r2 > 0.0f && std::isfinite(r1) && std::isfinite(r2))) continue;
    const float s = std::sqrt(r1 / r2);
    largest = std::max(largest, std::abs(std::log(static_cast<double>(s))));
    if (pair.norm) {
      edits[pair.norm->inputs[1]][static_cast<size_t>(c)] /= s;
      edits[pair.norm->inputs[2]][static_cast<size_t>(c)] /= s;
    } else {
      for (int64_t k = 0; k < row; ++k) w[static_cast<size_t>(c * row + k)] /= s;
      if (pair.bias != kNoTensor) edits[pair.bias][static_cast<size_t>(c)] /= s;
    }
    for (const auto& [reader, groups] : pair.readers)
      for_column(edits[reader], graph.tensor(reader).shape, groups, c, [&](float& v) { v *= s; });
  }
  return largest;
}

}  // namespace

Equalization equalize_cross_layer(Graph& graph) {
  const std::vector<Pair> pairs = PairFinder(graph).find();
  Equalization result;
  result.pairs = static_cast<int>(pairs.size());
  if (pairs.empty()) return result;
  WeightEdits edits(graph);
  double largest = 0.0;
  do {
    largest = 0.0;
    for (const Pair& pair : pairs) largest = std::max(largest, equalize(graph, pair, edits));
    ++result.sweeps;
  } while (largest > kSettled && result.sweeps < kMaxSweeps);
  edits.commit();
  return result;
}

}  // namespace splitinfer
