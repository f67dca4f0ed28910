#include "ggp/partition_solver.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "common/error.h"
#include "ggp/network_assignment.h"
#include "ggp/transfer_bytes.h"

namespace splitinfer::ggp {

namespace {

constexpr size_t kH = 0, kC = 2, kN = 4;  // in ConvLayer::features()
// The smallest share a program variable may take: close enough to none that
// a share the repair step will empty costs next to nothing of the resources.
constexpr double kLeastShare = 1e-6;
// A resource an element's layer engine needs whatever its share (window
// registers and line buffers of every input channel when it computes some
// filters) is a step in the share: nothing without one, all of it with one.
// A posynomial cannot step, so the program charges such a term times
// (share / total)^(1/4), as Eq. 13 of the paper stands a power of a
// variable in for a step; without this the program could not leave an
// element out of a layer, and summed resources would make it infeasible.
// Rounding and repair then price the true step.
constexpr double kStepExponent = 0.25;

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
Posynomial substitute(const Posynomial& model, const ConvLayer& layer, size_t feature,
                      size_t variables, size_t variable) {
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

// A transfer's time, weighted when it can be fused by S(z) = z^(2k) with
// 0 < z <= 1 (Eq. 13-14): next to nothing unless z is close to 1.
Posynomial fusable(const Posynomial& transfer, size_t z, size_t variables, int k, GgpProblem& p,
                   std::vector<double>& start) {
  if (z == kNoVariable) return transfer;
  p.program.inequalities.push_back(Posynomial{{monomial(variables, 1, {{z, 1}})}});  // z <= 1
  p.program.inequalities.push_back(Posynomial{{monomial(variables, kLeastShare, {{z, -1}})}});
  start[z] = 0.999;
  return transfer * monomial(variables, 1, {{z, 2.0 * k}});
}

// Less resource excess, then a lower objective, than before the move.
bool better(const NetworkSplit& a, double excess, double objective) {
  if (std::abs(a.resource_excess - excess) > 1e-12) return a.resource_excess < excess;
  return a.objective < objective * (1 - 1e-12);
}

// Each layer's relaxed shares (`x`, by `share_variables`) rounded to whole
// units that add up to the layer's total: the surplus or shortfall of
// rounding taken from or given to its elements in turn.
std::vector<std::vector<int64_t>> round_shares(
    const std::vector<ConvLayer>& layers, Technique technique,
    const std::vector<std::vector<size_t>>& share_variables, const std::vector<double>& x) {
  std::vector<std::vector<int64_t>> rounded;
  for (size_t l = 0; l < layers.size(); ++l) {
    const int64_t total = total_units(layers[l], technique);
    std::vector<int64_t> f(share_variables[l].size(), 0);
    std::vector<size_t> active;
    for (size_t d = 0; d < f.size(); ++d)
      if (share_variables[l][d] != kNoVariable) {
        active.push_back(d);
        f[d] = std::max<int64_t>(0, std::llround(x[share_variables[l][d]]));
      }
    int64_t excess = std::accumulate(f.begin(), f.end(), int64_t{0}) - total;
    for (size_t a = 0; excess != 0; a = (a + 1) % active.size()) {
      int64_t& share = f[active[a]];
      if (excess > 0 && share > 0) {
        --share;
        --excess;
      } else if (excess < 0) {
        ++share;
        ++excess;
      }
    }
    rounded.push_back(f);
  }
  return rounded;
}

// The repair step: moves one unit, or all of an element's units, of a layer
// from one element to another while a move lowers the resource excess, or
// else the objective, until no move does.
void repair(NetworkAssignment& assignment, size_t layer_count, size_t element_count) {
  for (bool improved = true; improved;) {
    improved = false;
    for (size_t l = 0; l < layer_count; ++l)
      for (bool layer_improved = true; layer_improved;) {
        layer_improved = false;
        for (size_t from = 0; from < element_count; ++from)
          for (size_t to = 0; to < element_count; ++to)
            for (bool whole : {false, true}) {
              const std::vector<int64_t> shares = assignment.split().layers[l].shares;
              const int64_t amount = whole ? shares[from] : std::min<int64_t>(1, shares[from]);
              if (from == to || amount == 0) continue;
              std::vector<int64_t> moved = shares;
              moved[from] -= amount;
              moved[to] += amount;
              const double excess = assignment.split().resource_excess,
                           objective = assignment.split().objective;
              assignment.set(l, moved);
              if (better(assignment.split(), excess, objective)) layer_improved = improved = true;
              else assignment.set(l, shares);
            }
      }
  }
}

void check_powers(const std::vector<ElementModel>& elements, const PartitionSetup& setup) {
  if (setup.goal != Goal::energy) return;
  for (const ElementModel& e : elements)
    if (!(e.power_w > 0))
      fail(ErrorKind::invalid_input, "the energy objective needs the power of " + e.name +
                                         " (fit it with `ggp fit --power-w W`)");
}

}  // namespace

NetworkSplit evaluate_network(const std::vector<ConvLayer>& layers,
                              const std::vector<ElementModel>& elements,
                              const PartitionSetup& setup,
                              const std::vector<std::vector<int64_t>>& shares) {
  if (shares.size() != layers.size())
    fail(ErrorKind::invalid_input, std::to_string(shares.size()) + " splits for " +
                                       std::to_string(layers.size()) + " layers");
  std::vector<ShareCostTable> tables;
  for (size_t l = 0; l < layers.size(); ++l) {
    evaluate_split(layers[l], elements, setup, shares[l]);  // checks the shares
    tables.emplace_back(layers[l], elements, setup.technique);
  }
  return NetworkAssignment(elements, setup, tables, shares).split();
}

PartitionResult solve_partition(const std::vector<ConvLayer>& layers,
                                const std::vector<ElementModel>& elements,
                                const PartitionSetup& setup, const GgpOptions& options) {
  if (elements.empty()) fail(ErrorKind::invalid_input, "a partition needs at least one element");
  if (layers.empty()) fail(ErrorKind::invalid_input, "a partition needs at least one layer");
  check_powers(elements, setup);
  std::vector<ShareCostTable> tables;
  for (const ConvLayer& l : layers) {
    check_layer(l);
    tables.emplace_back(l, elements, setup.technique);
  }
  const bool makespan = setup.goal == Goal::latency && setup.execution == Execution::concurrent;
  const bool rows = setup.technique == Technique::rows;
  const size_t feature = share_feature(setup.technique);

  // Lay out the variables: per layer t_l (concurrent latency), then per
  // element that can hold a unit its share and, for rows, its slab height.
  PartitionResult r;
  std::vector<size_t> makespan_variable(layers.size(), kNoVariable);
  size_t variables = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    if (makespan) makespan_variable[l] = variables++;
    r.share_variables.emplace_back(elements.size(), kNoVariable);
    for (size_t d = 0; d < elements.size(); ++d)
      if (resource_excess(tables[l](d, 1).resource_use) == 0) {
        r.share_variables[l][d] = variables;
        variables += rows ? 2 : 1;
      }
    if (std::all_of(r.share_variables[l].begin(), r.share_variables[l].end(),
                    [](size_t v) { return v == kNoVariable; }))
      fail(ErrorKind::invalid_input,
           "no element has the resources for even one unit of layer " + std::to_string(l + 1));
  }
  // Fused layers: per layer and element behind a link, a weight variable z
  // for its input transfer (when it could have made the previous layer) and
  // one for its output transfer (when it could make the next).
  std::vector<std::vector<size_t>> keep_input(layers.size(),
                                              std::vector<size_t>(elements.size(), kNoVariable));
  std::vector<std::vector<size_t>> keep_output = keep_input;
  if (setup.fused_k > 0)
    for (size_t l = 0; l < layers.size(); ++l)
      for (size_t d = 0; d < elements.size(); ++d) {
        if (!elements[d].link || r.share_variables[l][d] == kNoVariable) continue;
        if (l > 0 && r.share_variables[l - 1][d] != kNoVariable) keep_input[l][d] = variables++;
        if (l + 1 < layers.size() && r.share_variables[l + 1][d] != kNoVariable)
          keep_output[l][d] = variables++;
      }

  GgpProblem p;
  p.program.variables = variables;
  std::vector<double> start(variables, 1.0);
  // Per element and resource: the usage summed over the layers.
  std::vector<std::vector<Posynomial>> resource_use(elements.size());
  for (size_t d = 0; d < elements.size(); ++d) resource_use[d].resize(elements[d].resources.size());
  for (size_t l = 0; l < layers.size(); ++l) {
    const ConvLayer& layer = layers[l];
    const double total = static_cast<double>(total_units(layer, setup.technique));
    const double active =
        static_cast<double>(std::count_if(r.share_variables[l].begin(), r.share_variables[l].end(),
                                          [](size_t v) { return v != kNoVariable; }));
    Posynomial total_share;
    double slowest = 0.0;
    for (size_t d = 0; d < elements.size(); ++d) {
      const size_t x = r.share_variables[l][d];
      if (x == kNoVariable) continue;
      const ElementModel& e = elements[d];
      const size_t slab = rows ? x + 1 : kNoVariable, sized = rows ? slab : x;
      Posynomial ms = substitute(e.latency_ms, layer, feature, variables, sized);
      if (e.link) {
        const TransferBytes b = transfer_bytes(layer, e, setup.technique);
        const double per_byte = ms_per_byte(*e.link);
        Posynomial in{{monomial(variables, e.link->latency_ms + b.in_fixed * per_byte)}};
        if (b.in_per_share > 0) in = in + monomial(variables, b.in_per_share * per_byte, {{x, 1}});
        if (b.in_per_slab_row > 0)
          in = in + monomial(variables, b.in_per_slab_row * per_byte, {{slab, 1}});
        Posynomial out{{monomial(variables, e.link->latency_ms + b.out_fixed * per_byte)}};
        if (b.out_per_share > 0)
          out = out + monomial(variables, b.out_per_share * per_byte, {{x, 1}});
        ms = ms + fusable(in, keep_input[l][d], variables, setup.fused_k, p, start) +
             fusable(out, keep_output[l][d], variables, setup.fused_k, p, start);
        // A transfer may be skipped only as far as the element holds the
        // data: z >= 1 - (its share of the layer that made or takes it).
        const auto fraction = [&](size_t layer_index) {
          return monomial(
              variables,
              1.0 / static_cast<double>(total_units(layers[layer_index], setup.technique)),
              {{r.share_variables[layer_index][d], 1}});
        };
        if (keep_input[l][d] != kNoVariable)
          p.lower_bounds.push_back(
              Posynomial{{fraction(l - 1), monomial(variables, 1, {{keep_input[l][d], 1}})}});
        if (keep_output[l][d] != kNoVariable)
          for (size_t next : {l, l + 1})
            p.lower_bounds.push_back(
                Posynomial{{fraction(next), monomial(variables, 1, {{keep_output[l][d], 1}})}});
      }
      for (size_t k = 0; k < e.resources.size(); ++k) {
        Posynomial use = substitute(e.resources[k].usage, layer, feature, variables, sized) *
                         monomial(variables, 1.0 / e.resources[k].maximum);
        for (Monomial& term : use.terms)
          if (term.exponents[sized] == 0)
            term =
                term * monomial(variables, std::pow(total, -kStepExponent), {{x, kStepExponent}});
        resource_use[d][k] = resource_use[d][k] + use;
      }
      p.program.inequalities.push_back(Posynomial{{monomial(variables, kLeastShare, {{x, -1}})}});
      const double even = total / active;
      start[x] = even;
      if (rows) {
        Posynomial needed{
            {monomial(variables, static_cast<double>(layer.stride), {{x, 1}, {slab, -1}})}};
        if (layer.k > 1)
          needed = needed + monomial(variables, static_cast<double>(layer.k - 1), {{slab, -1}});
        p.program.inequalities.push_back(needed);
        start[slab] = static_cast<double>(layer.stride) * even + static_cast<double>(layer.k);
      }
      if (makespan) {
        p.program.inequalities.push_back(ms * monomial(variables, 1, {{makespan_variable[l], -1}}));
      } else {
        const double weight = setup.goal == Goal::energy ? e.power_w : 1.0;
        p.program.objective = p.program.objective + ms * monomial(variables, weight);
      }
      total_share = total_share + monomial(variables, 1.0 / total, {{x, 1}});
      slowest = std::max(slowest, ms(start));
    }
    p.equalities.push_back(total_share);
    if (makespan) {
      p.program.objective =
          p.program.objective + monomial(variables, 1, {{makespan_variable[l], 1}});
      start[makespan_variable[l]] = 1.01 * slowest;  // start holds this layer's shares already
    }
  }
  for (const std::vector<Posynomial>& uses : resource_use)
    for (const Posynomial& use : uses)
      if (!use.terms.empty()) p.program.inequalities.push_back(use);
  std::optional<PartitionResult> unfused;
  if (setup.fused_k > 0) {
    // Condensed at the even split, z >= 1 - share asks shares the resources
    // may not allow; start from the unfused solution instead (its variables
    // come first, in the same order), every transfer still made.
    PartitionSetup separate = setup;
    separate.fused_k = 0;
    unfused = solve_partition(layers, elements, separate, options);
    std::copy(unfused->relaxed.x.begin(), unfused->relaxed.x.end(), start.begin());
  }
  r.relaxed = solve_ggp(p, start, options);

  // Round each layer to whole units adding up to its total, then repair.
  const std::vector<std::vector<int64_t>> rounded =
      round_shares(layers, setup.technique, r.share_variables, r.relaxed.x);
  NetworkAssignment assignment(elements, setup, tables, rounded);
  r.rounded = assignment.split();
  repair(assignment, layers.size(), elements.size());
  r.split = assignment.split();
  if (unfused) {
    // Fusing never costs more than the same split unfused: the repair may
    // have stopped at a worse split than that one, fused.
    std::vector<std::vector<int64_t>> shares;
    for (const LayerSplit& s : unfused->split.layers) shares.push_back(s.shares);
    const NetworkSplit alternative = NetworkAssignment(elements, setup, tables, shares).split();
    if (better(alternative, r.split.resource_excess, r.split.objective)) r.split = alternative;
  }
  return r;
}

}  // namespace splitinfer::ggp
