#include "plan/combined_cost_source.h"

#include "common/error.h"

namespace splitinfer {

bool CombinedCostSource::knows(const std::string& element) const {
  for (const auto& s : sources_)
    if (s->knows(element)) return true;
  return false;
}

const CostSource& CombinedCostSource::source_of(const std::string& element) const {
  for (const auto& s : sources_)
    if (s->knows(element)) return *s;
  fail(ErrorKind::invalid_input, "no profile or model of element " + element +
                                     " (profile it with `splitinfer profile`, import a profile, "
                                     "or use a simulated element from `splitinfer devices`)");
}

StageEstimate CombinedCostSource::stage(const std::string& element, int first, int last) const {
  return source_of(element).stage(element, first, last);
}

StageEstimate CombinedCostSource::whole_beside(const std::string& element,
                                               const std::vector<std::string>& partners) const {
  return source_of(element).whole_beside(element, partners);
}

}  // namespace splitinfer
