#include "ggp/network_assignment.h"

#include <algorithm>
#include <numeric>

namespace splitinfer::ggp {

NetworkAssignment::NetworkAssignment(const std::vector<ElementModel>& elements,
                                     const PartitionSetup& setup,
                                     std::vector<ShareCostTable>& tables,
                                     std::vector<std::vector<int64_t>> shares)
    : elements_(elements), setup_(setup), tables_(tables), shares_(std::move(shares)) {
  split_.layers.resize(shares_.size());
  for (size_t l = 0; l < shares_.size(); ++l) price(l);
  totals();
}

void NetworkAssignment::set(size_t layer, std::vector<int64_t> shares) {
  shares_[layer] = std::move(shares);
  price(layer);
  if (setup_.fused_k > 0) {  // what the neighbours keep depends on this layer
    if (layer > 0) price(layer - 1);
    if (layer + 1 < shares_.size()) price(layer + 1);
  }
  totals();
}

bool NetworkAssignment::whole(size_t layer, size_t element) const {
  const std::vector<int64_t>& s = shares_[layer];
  return s[element] > 0 && s[element] == std::accumulate(s.begin(), s.end(), int64_t{0});
}

// An element keeps its input when it made the whole previous layer, and its
// output when it makes the whole of this layer and the next (nobody else,
// nor the host, needs it). The convolutions are taken as a chain.
std::vector<Kept> NetworkAssignment::kept(size_t layer) const {
  std::vector<Kept> k(elements_.size());
  if (setup_.fused_k <= 0) return k;
  for (size_t d = 0; d < elements_.size(); ++d) {
    k[d].input = layer > 0 && whole(layer - 1, d);
    k[d].output = layer + 1 < shares_.size() && whole(layer, d) && whole(layer + 1, d);
  }
  return k;
}

void NetworkAssignment::price(size_t layer) {
  split_.layers[layer] =
      price_split(elements_, setup_, shares_[layer], tables_[layer], kept(layer));
}

void NetworkAssignment::totals() {
  split_.ms = split_.mj = split_.objective = split_.resource_excess = 0.0;
  split_.resource_use.assign(elements_.size(), {});
  for (size_t d = 0; d < elements_.size(); ++d)
    split_.resource_use[d].assign(elements_[d].resources.size(), 0.0);
  for (size_t l = 0; l < shares_.size(); ++l) {
    const LayerSplit& s = split_.layers[l];
    split_.ms += s.ms;
    split_.mj += s.mj;
    split_.objective += s.objective;
    for (size_t d = 0; d < elements_.size(); ++d) {
      const ShareCost& c = tables_[l](d, shares_[l][d]);
      for (size_t r = 0; r < c.resource_use.size(); ++r)
        split_.resource_use[d][r] += c.resource_use[r];
    }
  }
  for (const std::vector<double>& use : split_.resource_use)
    split_.resource_excess += resource_excess(use);
}

}  // namespace splitinfer::ggp
