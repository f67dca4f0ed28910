#include "ggp/layer_partition.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "common/error.h"

namespace splitinfer::ggp {

namespace {

constexpr size_t kH = 0, kC = 2, kN = 4;  // in ConvLayer::features()
constexpr size_t kNone = std::numeric_limits<size_t>::max();
// Partial sums travel at accumulator width whatever the element computes in.
constexpr double kPartialSumBytes = 4.0;

size_t share_feature(Technique t) {
  switch (t) {
    case Technique::filters: return kN;
    case Technique::channels: return kC;
    case Technique::rows: return kH;
  }
  return kN;
}

// `model` over the program's variables: the layer's features folded into
// the coefficients except `feature`, which becomes variable `variable`.
Posynomial substitute(const Posynomial& model, const ConvLayer& layer, size_t feature, size_t variables,
                      size_t variable) {
  const std::vector<double> features = layer.features();
  Posynomial p;
  for (const Monomial& t : model.terms) {
    Monomial m{t.coefficient, std::vector<double>(variables, 0.0)};
    for (size_t f = 0; f < features.size(); ++f)
      if (f == feature) m.exponents[variable] = t.exponents.at(f);
      else m.coefficient *= std::pow(features[f], t.exponents.at(f));
    p.terms.push_back(m);
  }
  return p;
}

// Bytes an element exchanges with the host for its share: a fixed part and
// a part per unit of its share (rows: per row of its input slab, and per
// output row).
struct TransferBytes {
  double fixed = 0.0, per_share = 0.0, per_slab_row = 0.0;
};

TransferBytes transfer_bytes(const ConvLayer& l, const ElementModel& e, Technique t) {
  const double b = e.bytes_per_value, hw = static_cast<double>(l.h * l.w),
               out_hw = static_cast<double>(l.out_h() * l.out_w());
  switch (t) {
    case Technique::filters: return {hw * static_cast<double>(l.c) * b, out_hw * b, 0.0};
    case Technique::channels:
      return {out_hw * static_cast<double>(l.n) * kPartialSumBytes, hw * b, 0.0};
    case Technique::rows:
      return {0.0, static_cast<double>(l.out_w() * l.n) * b, static_cast<double>(l.w * l.c) * b};
  }
  return {};
}

double ms_per_byte(const Link& link) { return 1.0 / (link.bandwidth_gb_s * 1e6); }

// The cost of each element for each share, computed once when first asked.
class ShareCostTable {
 public:
  ShareCostTable(const ConvLayer& layer, const std::vector<ElementModel>& elements, Technique technique)
      : layer_(layer), elements_(elements), technique_(technique),
        costs_(elements.size(), std::vector<std::optional<ShareCost>>(
                                    static_cast<size_t>(total_units(layer, technique)) + 1)) {}

  const ShareCost& operator()(size_t element, int64_t share) {
    std::optional<ShareCost>& c = costs_[element].at(static_cast<size_t>(share));
    if (!c) c = share_cost(layer_, elements_[element], technique_, share);
    return *c;
  }

 private:
  const ConvLayer& layer_;
  const std::vector<ElementModel>& elements_;
  Technique technique_;
  std::vector<std::vector<std::optional<ShareCost>>> costs_;
};

LayerSplit combine(const std::vector<ElementModel>& elements, const PartitionSetup& setup,
                   const std::vector<int64_t>& shares, ShareCostTable& table) {
  LayerSplit s{shares};
  bool power_known = true;
  for (size_t d = 0; d < elements.size(); ++d) {
    const ShareCost& c = table(d, shares[d]);
    s.ms = setup.execution == Execution::concurrent ? std::max(s.ms, c.ms()) : s.ms + c.ms();
    s.mj += elements[d].power_w * c.ms();
    power_known = power_known && (shares[d] == 0 || elements[d].power_w > 0);
    s.resource_excess += c.resource_excess;
  }
  if (!power_known) s.mj = std::numeric_limits<double>::quiet_NaN();
  s.objective = setup.goal == Goal::latency ? s.ms : s.mj;
  return s;
}

// Feasible before infeasible; then the lower objective, or the smaller
// excess between infeasible splits.
bool better(const LayerSplit& a, const LayerSplit& b) {
  if (a.feasible() != b.feasible()) return a.feasible();
  if (!a.feasible()) return a.resource_excess < b.resource_excess - 1e-12;
  return a.objective < b.objective * (1 - 1e-12);
}

void check_shares(const ConvLayer& layer, const std::vector<ElementModel>& elements, Technique technique,
                  const std::vector<int64_t>& shares) {
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
    fail(ErrorKind::invalid_input, "the shares add up to " + std::to_string(sum) + ", not the layer's " +
                                       std::to_string(total) + " " + std::string(technique_name(technique)));
}

void check_layer(const ConvLayer& l) {
  if (l.h < 1 || l.w < 1 || l.c < 1 || l.n < 1 || l.k < 1 || l.stride < 1)
    fail(ErrorKind::invalid_input, "a layer needs H, W, C, k, N and s of at least 1");
}

}  // namespace

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

ShareCost share_cost(const ConvLayer& layer, const ElementModel& element, Technique technique, int64_t share) {
  ShareCost c;
  if (share == 0) return c;
  const ConvLayer part = share_layer(layer, technique, share);
  const std::vector<double> features = part.features();
  c.compute_ms = element.latency_ms(features);
  if (element.link) {
    const TransferBytes b = transfer_bytes(layer, element, technique);
    const double bytes = b.fixed + b.per_share * static_cast<double>(share) + b.per_slab_row * static_cast<double>(part.h);
    c.transfer_ms = 2 * element.link->latency_ms + bytes * ms_per_byte(*element.link);
  }
  for (const ResourceSpec& r : element.resources) c.resource_excess += std::max(0.0, r.usage(features) / r.maximum - 1);
  return c;
}

LayerSplit evaluate_split(const ConvLayer& layer, const std::vector<ElementModel>& elements,
                          const PartitionSetup& setup, const std::vector<int64_t>& shares) {
  check_layer(layer);
  check_shares(layer, elements, setup.technique, shares);
  ShareCostTable table(layer, elements, setup.technique);
  return combine(elements, setup, shares, table);
}

LayerPartition solve_layer_partition(const ConvLayer& layer, const std::vector<ElementModel>& elements,
                                     const PartitionSetup& setup, const GgpOptions& options) {
  check_layer(layer);
  if (elements.empty()) fail(ErrorKind::invalid_input, "a partition needs at least one element");
  if (setup.goal == Goal::energy)
    for (const ElementModel& e : elements)
      if (!(e.power_w > 0))
        fail(ErrorKind::invalid_input, "the energy objective needs the power of " + e.name +
                                           " (fit it with `ggp fit --power-w W`)");
  const int64_t total = total_units(layer, setup.technique);
  ShareCostTable table(layer, elements, setup.technique);
  LayerPartition r;
  for (size_t d = 0; d < elements.size(); ++d)
    if (table(d, 1).resource_excess == 0) r.relaxed_elements.push_back(d);
  if (r.relaxed_elements.empty())
    fail(ErrorKind::invalid_input, "no element has the resources for even one unit of the layer");

  // Variables: t (concurrent latency only), then per element its share and,
  // for rows, the height of its input slab.
  const bool makespan = setup.goal == Goal::latency && setup.execution == Execution::concurrent;
  const bool rows = setup.technique == Technique::rows;
  const size_t count = r.relaxed_elements.size();
  const size_t first = makespan ? 1 : 0, stride = rows ? 2 : 1, variables = first + stride * count;
  const size_t feature = share_feature(setup.technique);
  GgpProblem p;
  p.program.variables = variables;
  Posynomial total_share;
  std::vector<Posynomial> element_ms;
  for (size_t a = 0; a < count; ++a) {
    const ElementModel& e = elements[r.relaxed_elements[a]];
    const size_t x = first + stride * a, slab = rows ? x + 1 : kNone;
    Posynomial ms = substitute(e.latency_ms, layer, feature, variables, rows ? slab : x);
    if (e.link) {
      const TransferBytes b = transfer_bytes(layer, e, setup.technique);
      const double per_byte = ms_per_byte(*e.link);
      const double fixed_ms = 2 * e.link->latency_ms + b.fixed * per_byte;
      if (fixed_ms > 0) ms = ms + monomial(variables, fixed_ms);
      if (b.per_share > 0) ms = ms + monomial(variables, b.per_share * per_byte, {{x, 1}});
      if (b.per_slab_row > 0) ms = ms + monomial(variables, b.per_slab_row * per_byte, {{slab, 1}});
    }
    for (const ResourceSpec& res : e.resources)
      p.program.inequalities.push_back(
          substitute(res.usage, layer, feature, variables, rows ? slab : x) *
          monomial(variables, 1.0 / res.maximum));
    // GP variables are positive: an element rounded to nothing is left to
    // the repair step.
    p.program.inequalities.push_back(Posynomial{{monomial(variables, 0.01, {{x, -1}})}});
    if (rows) {
      Posynomial slab_needed{{monomial(variables, static_cast<double>(layer.stride), {{x, 1}, {slab, -1}})}};
      if (layer.k > 1) slab_needed = slab_needed + monomial(variables, static_cast<double>(layer.k - 1), {{slab, -1}});
      p.program.inequalities.push_back(slab_needed);
    }
    total_share = total_share + monomial(variables, 1.0 / static_cast<double>(total), {{x, 1}});
    element_ms.push_back(ms);
  }
  p.equalities = {total_share};
  for (size_t a = 0; a < count; ++a) {
    if (makespan) {
      p.program.inequalities.push_back(element_ms[a] * monomial(variables, 1, {{0, -1}}));
    } else {
      const double weight = setup.goal == Goal::energy ? elements[r.relaxed_elements[a]].power_w : 1.0;
      p.program.objective = p.program.objective + element_ms[a] * monomial(variables, weight);
    }
  }
  if (makespan) p.program.objective = Posynomial{{monomial(variables, 1, {{0, 1}})}};

  // The first condensation point: the even split.
  std::vector<double> start(variables);
  const double even = static_cast<double>(total) / static_cast<double>(count);
  for (size_t a = 0; a < count; ++a) {
    start[first + stride * a] = even;
    if (rows) start[first + stride * a + 1] = static_cast<double>(layer.stride) * even + static_cast<double>(layer.k);
  }
  if (makespan) {
    double slowest = 0;
    for (const Posynomial& ms : element_ms) slowest = std::max(slowest, ms(start));
    start[0] = 1.01 * slowest;
  }
  r.relaxed = solve_ggp(p, start, options);

  // Round to whole units adding up to the total, then move one unit or a
  // whole share between elements while that improves the split.
  std::vector<int64_t> f(elements.size(), 0);
  for (size_t a = 0; a < count; ++a)
    f[r.relaxed_elements[a]] = std::max<int64_t>(0, std::llround(r.relaxed.x[first + stride * a]));
  int64_t excess = std::accumulate(f.begin(), f.end(), int64_t{0}) - total;
  for (size_t a = 0; excess != 0; a = (a + 1) % count) {
    int64_t& share = f[r.relaxed_elements[a]];
    if (excess > 0 && share > 0) { --share; --excess; }
    else if (excess < 0) { ++share; ++excess; }
  }
  LayerSplit best = combine(elements, setup, f, table);
  for (bool improved = true; improved;) {
    improved = false;
    for (size_t from = 0; from < elements.size(); ++from)
      for (size_t to = 0; to < elements.size(); ++to) {
        for (bool whole : {false, true}) {
          const int64_t amount = whole ? best.shares[from] : std::min<int64_t>(1, best.shares[from]);
          if (from == to || amount == 0) continue;
          std::vector<int64_t> g = best.shares;
          g[from] -= amount;
          g[to] += amount;
          const LayerSplit candidate = combine(elements, setup, g, table);
          if (better(candidate, best)) {
            best = candidate;
            improved = true;
          }
        }
      }
  }
  r.split = best;
  return r;
}

LayerSplit exhaustive_layer_partition(const ConvLayer& layer, const std::vector<ElementModel>& elements,
                                      const PartitionSetup& setup) {
  check_layer(layer);
  const size_t count = elements.size();
  if (count < 1 || count > 3) fail(ErrorKind::invalid_input, "exhaustive search takes 1 to 3 elements");
  const int64_t total = total_units(layer, setup.technique);
  ShareCostTable table(layer, elements, setup.technique);
  std::optional<LayerSplit> best;
  for (int64_t a = 0; a <= total; ++a)
    for (int64_t b = 0; b <= (count >= 2 ? total - a : 0); ++b) {
      std::vector<int64_t> f{a};
      if (count >= 2) f.push_back(b);
      if (count == 3) f.push_back(total - a - b);
      if (std::accumulate(f.begin(), f.end(), int64_t{0}) != total) continue;
      LayerSplit s = combine(elements, setup, f, table);
      if (!best || better(s, *best)) best = std::move(s);
    }
  return *best;
}

}  // namespace splitinfer::ggp
