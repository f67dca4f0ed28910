// The simulated paper devices against the paper's Table 1, which their fit
// never saw: per model, the faster device alone, the split index and the
// four speedups, from the fit that left the model's own published times out,
// and how many models meet each criterion (faster device the same; split
// within +-3 of the paper's in both configurations; all four speedups within
// 20% of the paper's), for that fit, the fit to every time, and the spec.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "report/table1.h"

namespace splitinfer {

// A markdown section ("### Validation against the paper ..."); empty when
// no row has both the paper's values and simulated ones.
std::string sim_validation_markdown(const Table1& table);
nlohmann::json sim_validation_json(const Table1& table);

}  // namespace splitinfer
