#include "plan/combined_cost_source.h"

#include "common/error.h"

namespace splitinfer {

bool CombinedCostSource::knows(const std::string& element) const {
  for (const auto& s : sources_)
    if (s->knows(element)) return true;
  return false;
}

StageEstimate CombinedCostSource::stage(const std::string& element, int first, int last) const {
  for (const auto& s : sources_)
    if (s->knows(element)) return s->stage(element, first, last);
  fail(ErrorKind::invalid_input, "no profile or model of element " + element +
                                     " (profile it with `splitinfer profile`, import a profile, "
                                     "or use a simulated element from `splitinfer devices`)");
}

}  // namespace splitinfer
