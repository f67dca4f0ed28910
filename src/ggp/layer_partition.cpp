#include "ggp/layer_partition.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "common/error.h"
#include "ggp/transfer_bytes.h"

namespace splitinfer::ggp {

namespace {

// Feasible before infeasible; then the lower objective, or the smaller
// excess between infeasible splits.
bool better(const LayerSplit& a, const LayerSplit& b) {
  if (a.feasible() != b.feasible()) return a.feasible();
  if (!a.feasible()) return a.resource_excess < b.resource_excess - 1e-12;
  return a.objective < b.objective * (1 - 1e-12);
}

void check_shares(const ConvLayer& layer, const std::vector<ElementModel>& elements,
                  Technique technique, const std::vector<int64_t>& shares) {
  if (shares.size() != elements.size())
    fail(ErrorKind::invalid_input, std::to_string(shares.size()) + " shares for " +
                                       std::to_string(elements.size()) + " elements");
  const int64_t total = total_units(layer, technique);
  int64_t sum = 0;
  for (int64_t s : shares) {
    if (s < 0) fail(ErrorKind::invalid_input, "a share of " + std::to_string(s) + " is negative");
    sum += s;
  }
  if (sum != total)
    fail(ErrorKind::invalid_input, "the shares add up to " + std::to_string(sum) +
                                       ", not the layer's " + std::to_string(total) + " " +
                                       std::string(technique_name(technique)));
}

}  // namespace

void check_layer(const ConvLayer& l) {
  if (l.h < 1 || l.w < 1 || l.c < 1 || l.n < 1 || l.k < 1 || l.stride < 1)
    fail(ErrorKind::invalid_input, "a layer needs H, W, C, k, N and s of at least 1");
}

std::string_view technique_name(Technique t) {
  switch (t) {
    case Technique::filters: return "filters";
    case Technique::channels: return "channels";
    case Technique::rows: return "rows";
  }
  return "?";
}

std::string_view execution_name(Execution e) {
  return e == Execution::sequential ? "sequential" : "concurrent";
}

std::string_view goal_name(Goal g) { return g == Goal::latency ? "latency" : "energy"; }

int64_t total_units(const ConvLayer& layer, Technique technique) {
  switch (technique) {
    case Technique::filters: return layer.n;
    case Technique::channels: return layer.c;
    case Technique::rows: return layer.out_h();
  }
  return 0;
}

ConvLayer share_layer(const ConvLayer& layer, Technique technique, int64_t share) {
  ConvLayer part = layer;
  switch (technique) {
    case Technique::filters: part.n = share; break;
    case Technique::channels: part.c = share; break;
    case Technique::rows: part.h = layer.stride * share + layer.k - 1; break;
  }
  return part;
}

ShareCost share_cost(const ConvLayer& layer, const ElementModel& element, Technique technique,
                     int64_t share) {
  ShareCost c;
  c.resource_use.assign(element.resources.size(), 0.0);
  if (share == 0) return c;
  const ConvLayer part = share_layer(layer, technique, share);
  const std::vector<double> features = part.features();
  c.compute_ms = element.latency_ms(features);
  if (element.link) {
    const TransferBytes b = transfer_bytes(layer, element, technique);
    const double in = b.in_fixed + b.in_per_share * static_cast<double>(share) +
                      b.in_per_slab_row * static_cast<double>(part.h);
    const double out = b.out_fixed + b.out_per_share * static_cast<double>(share);
    c.in_ms = element.link->latency_ms + in * ms_per_byte(*element.link);
    c.out_ms = element.link->latency_ms + out * ms_per_byte(*element.link);
  }
  for (size_t r = 0; r < element.resources.size(); ++r)
    c.resource_use[r] = element.resources[r].usage(features) / element.resources[r].maximum;
  return c;
}

double resource_excess(const std::vector<double>& use) {
  double excess = 0.0;
  for (double u : use) excess += std::max(0.0, u - 1.0);
  return excess;
}

ShareCostTable::ShareCostTable(const ConvLayer& layer, const std::vector<ElementModel>& elements,
                               Technique technique)
    : layer_(layer),
      elements_(&elements),
      technique_(technique),
      costs_(elements.size(), std::vector<std::optional<ShareCost>>(
                                  static_cast<size_t>(total_units(layer, technique)) + 1)) {}

const ShareCost& ShareCostTable::operator()(size_t element, int64_t share) {
  std::optional<ShareCost>& c = costs_.at(element).at(static_cast<size_t>(share));
  if (!c) c = share_cost(layer_, (*elements_)[element], technique_, share);
  return *c;
}

LayerSplit price_split(const std::vector<ElementModel>& elements, const PartitionSetup& setup,
                       const std::vector<int64_t>& shares, ShareCostTable& table,
                       const std::vector<Kept>& kept) {
  LayerSplit s{shares};
  bool power_known = true;
  for (size_t d = 0; d < elements.size(); ++d) {
    const ShareCost& c = table(d, shares[d]);
    const Kept k = kept.empty() ? Kept{} : kept[d];
    const double ms = c.compute_ms + (k.input ? 0.0 : c.in_ms) + (k.output ? 0.0 : c.out_ms);
    s.ms = setup.execution == Execution::concurrent ? std::max(s.ms, ms) : s.ms + ms;
    s.mj += elements[d].power_w * ms;
    power_known = power_known && (shares[d] == 0 || elements[d].power_w > 0);
    s.resource_excess += resource_excess(c.resource_use);
  }
  if (!power_known) s.mj = std::numeric_limits<double>::quiet_NaN();
  s.objective = setup.goal == Goal::latency ? s.ms : s.mj;
  return s;
}

LayerSplit evaluate_split(const ConvLayer& layer, const std::vector<ElementModel>& elements,
                          const PartitionSetup& setup, const std::vector<int64_t>& shares) {
  check_layer(layer);
  check_shares(layer, elements, setup.technique, shares);
  ShareCostTable table(layer, elements, setup.technique);
  return price_split(elements, setup, shares, table);
}

LayerSplit exhaustive_layer_partition(const ConvLayer& layer,
                                      const std::vector<ElementModel>& elements,
                                      const PartitionSetup& setup) {
  check_layer(layer);
  const size_t count = elements.size();
  if (count < 1 || count > 3)
    fail(ErrorKind::invalid_input, "exhaustive search takes 1 to 3 elements");
  const int64_t total = total_units(layer, setup.technique);
  ShareCostTable table(layer, elements, setup.technique);
  std::optional<LayerSplit> best;
  for (int64_t a = 0; a <= total; ++a)
    for (int64_t b = 0; b <= (count >= 2 ? total - a : 0); ++b) {
      std::vector<int64_t> f{a};
      if (count >= 2) f.push_back(b);
      if (count == 3) f.push_back(total - a - b);
      if (std::accumulate(f.begin(), f.end(), int64_t{0}) != total) continue;
      LayerSplit s = price_split(elements, setup, f, table);
      if (!best || better(s, *best)) best = std::move(s);
    }
  return *best;
}

}  // namespace splitinfer::ggp
