#include "plan/cost_source.h"

namespace splitinfer {

std::string_view cost_basis_name(CostBasis basis) {
  switch (basis) {
    case CostBasis::measured_partition: return "measured partition";
    case CostBasis::measured_unit_sum: return "measured unit sum";
    case CostBasis::imported: return "imported";
    case CostBasis::simulated: return "simulated";
    case CostBasis::predicted: return "predicted";
  }
  return "unknown";
}

}  // namespace splitinfer
