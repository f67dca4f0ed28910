// One convolution layer partitioned over several elements (Sec. 5.1 of the
// GGP paper) as a generalized GP. Each element d takes a share x_d of the
// layer, by one of three techniques:
//   filters   output filters N_d; every element reads the whole input and
//             its outputs are concatenated
//   channels  input channels C_d (grouped convolution); every element makes
//             partial sums of all N outputs, which the host adds
//   rows      output rows (tiles); an element reads its rows plus the
//             k - 1 halo rows the kernel needs
// with the shares summing to the layer's total (the posynomial equality the
// condensation-penalty loop relaxes). An element behind a link pays for
// moving its input and output. Two execution models: the paper's
// sequential one (the elements take turns: the objective is the sum of
// their times, Eq. 7/9) and a concurrent one (they run at once: minimise t
// with each element's time <= t). The objective is latency or energy
// (power x time, Eq. 15). An FPGA's resources bound its share. The relaxed
// program and its rounding are in partition_solver.h; here are the
// costs of integer splits and the exhaustive search over them (up to three
// elements) that the solver is checked against.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ggp/conv_layer.h"
#include "ggp/element_model.h"

namespace splitinfer::ggp {

enum class Technique { filters, channels, rows };
enum class Execution { sequential, concurrent };
enum class Goal { latency, energy };

std::string_view technique_name(Technique t);
std::string_view execution_name(Execution e);
std::string_view goal_name(Goal g);

struct PartitionSetup {
  Technique technique = Technique::filters;
  Execution execution = Execution::concurrent;
  Goal goal = Goal::latency;
  // Fused layers (networks only; Eq. 11-14): 0 sends every layer's input and
  // output over the element's link; k >= 1 lets an element keep a feature
  // map it made whole for the next layer it makes whole, which the program
  // weighs with S(z) = z^(2k) (see partition_solver.h).
  int fused_k = 0;
};

// The number of units the technique splits: N, C or output rows.
int64_t total_units(const ConvLayer& layer, Technique technique);

// The part of the layer an element runs for `share` units, in the feature
// order of the models (rows: its input slab, s * rows + k - 1 tall).
ConvLayer share_layer(const ConvLayer& layer, Technique technique, int64_t share);

// What one element's share costs. An element with no share costs nothing.
struct ShareCost {
  double compute_ms = 0.0;
  double in_ms = 0.0, out_ms = 0.0;  // its input from and output to the host over its link
  std::vector<double> resource_use;  // per resource of the element: usage / maximum

  double ms() const { return compute_ms + in_ms + out_ms; }
};
ShareCost share_cost(const ConvLayer& layer, const ElementModel& element, Technique technique,
                     int64_t share);

// How far resource uses (usage / maximum) exceed 1, summed; 0 when all fit.
double resource_excess(const std::vector<double>& use);

// share_cost of each element for each share of one layer, computed once
// when first asked.
class ShareCostTable {
 public:
  ShareCostTable(const ConvLayer& layer, const std::vector<ElementModel>& elements,
                 Technique technique);
  const ShareCost& operator()(size_t element, int64_t share);

 private:
  ConvLayer layer_;
  const std::vector<ElementModel>* elements_;
  Technique technique_;
  std::vector<std::vector<std::optional<ShareCost>>> costs_;
};

struct LayerSplit {
  std::vector<int64_t> shares;   // per element, summing to total_units
  double ms = 0.0;               // latency of the split in its execution model
  double mj = 0.0;               // energy; NaN unless every element used has a power figure
  double objective = 0.0;        // ms or mj, as the goal says
  double resource_excess = 0.0;  // of this layer alone; 0 when it fits

  bool feasible() const { return resource_excess == 0; }
};

// Per element: whether its input already is on it (it made the whole
// previous layer) and whether its output stays (it makes the whole layer and
// the next): fused layers skip those transfers.
struct Kept {
  bool input = false, output = false;
};

// The split with `shares` priced from the table (no checks); `kept` is empty
// or has one entry per element.
LayerSplit price_split(const std::vector<ElementModel>& elements, const PartitionSetup& setup,
                       const std::vector<int64_t>& shares, ShareCostTable& table,
                       const std::vector<Kept>& kept = {});

// Throws an invalid_input Error when `shares` does not fit the elements or
// the layer.
LayerSplit evaluate_split(const ConvLayer& layer, const std::vector<ElementModel>& elements,
                          const PartitionSetup& setup, const std::vector<int64_t>& shares);

// Every integer split of 1 to 3 elements; the best feasible one (or, when
// none is, the least infeasible).
LayerSplit exhaustive_layer_partition(const ConvLayer& layer,
                                      const std::vector<ElementModel>& elements,
                                      const PartitionSetup& setup);

// Throws an invalid_input Error naming the bad feature.
void check_layer(const ConvLayer& layer);

}  // namespace splitinfer::ggp
