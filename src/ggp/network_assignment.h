// A network's integer split as the repair step changes it: per layer its
// shares and their price, the resource uses summed over the layers and,
// with fused layers, the transfers that neighbouring layers make needless.
#pragma once

#include <vector>

#include "ggp/layer_partition.h"
#include "ggp/partition_solver.h"

namespace splitinfer::ggp {

class NetworkAssignment {
 public:
  // `shares`: per layer, per element. Keeps references to the other
  // arguments.
  NetworkAssignment(const std::vector<ElementModel>& elements, const PartitionSetup& setup,
                    std::vector<ShareCostTable>& tables, std::vector<std::vector<int64_t>> shares);

  void set(size_t layer, std::vector<int64_t> shares);
  const NetworkSplit& split() const { return split_; }

 private:
  bool whole(size_t layer, size_t element) const;
  std::vector<Kept> kept(size_t layer) const;
  void price(size_t layer);
  void totals();

  const std::vector<ElementModel>& elements_;
  const PartitionSetup& setup_;
  std::vector<ShareCostTable>& tables_;
  std::vector<std::vector<int64_t>> shares_;
  NetworkSplit split_;
};

}  // namespace splitinfer::ggp
