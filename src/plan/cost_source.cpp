#include "plan/cost_source.h"

namespace splitinfer {

std::string_view cost_basis_name(CostBasis basis) {
  switch (basis) {
    case CostBasis::measured_partition: return "measured partition";
    case CostBasis::measured_beside_partners: return "measured beside its partners";
    case CostBasis::measured_unit_sum: return "measured unit sum";
    case CostBasis::imported: return "imported";
    case CostBasis::simulated: return "simulated";
    case CostBasis::predicted: return "predicted";
  }
  return "unknown";
}

StageEstimate CostSource::whole_beside(const std::string& element,
                                       const std::vector<std::string>&) const {
  return stage(element, 0, unit_count());
}

}  // namespace splitinfer
