// The partition of one layer, or of every layer of a network (Eq. 10 of the
// GGP paper), over elements as one generalized GP: per layer a share
// variable per element (and, for rows, its input slab height), the layer's
// time (the sum of its elements' times, sequential; or a t_l bounding each,
// concurrent), one equality per layer (its shares add up to the whole),
// resources summed over the layers (an FPGA holds every layer's engine at
// once) and the objective summed over the layers. The condensation-penalty
// loop relaxes the equalities, each with its own alpha; the solution is
// rounded to whole units and repaired by moving one unit or a whole share
// between elements within a layer while that lowers the network's resource
// excess, then its objective.
#pragma once

#include <limits>
#include <vector>

#include "ggp/ggp.h"
#include "ggp/layer_partition.h"

namespace splitinfer::ggp {

inline constexpr size_t kNoVariable = std::numeric_limits<size_t>::max();

struct NetworkSplit {
  std::vector<LayerSplit> layers;  // each priced alone; resource_excess per layer
  double ms = 0.0, mj = 0.0, objective = 0.0;
  double resource_excess = 0.0;  // of the uses summed over the layers
  // Per element, per resource: the summed usage / maximum.
  std::vector<std::vector<double>> resource_use;

  bool feasible() const { return resource_excess == 0; }
};

struct PartitionResult {
  NetworkSplit split;    // rounded and repaired
  NetworkSplit rounded;  // the relaxed solution rounded, before the repair
  GgpResult relaxed;     // the continuous solution and its alpha trajectory
  // Per layer, per element: the index of its share in relaxed.x, or
  // kNoVariable for an element that cannot hold one unit of the layer.
  std::vector<std::vector<size_t>> share_variables;
};

// Throws an invalid_input Error for a malformed layer, an energy goal with an
// element of unknown power, and a layer no element can hold one unit of.
PartitionResult solve_partition(const std::vector<ConvLayer>& layers,
                                const std::vector<ElementModel>& elements,
                                const PartitionSetup& setup, const GgpOptions& options = {});

// The network split with the given shares per layer (each adding up to its
// layer's total), e.g. a baseline to compare with.
NetworkSplit evaluate_network(const std::vector<ConvLayer>& layers,
                              const std::vector<ElementModel>& elements,
                              const PartitionSetup& setup,
                              const std::vector<std::vector<int64_t>>& shares);

}  // namespace splitinfer::ggp
