// A training or test example of the per-unit predictors: a model's unit
// graph and one target value per unit.
#pragma once

#include <vector>

#include "predict/node_features.h"

namespace splitinfer::predict {

struct UnitExample {
  const UnitGraph* graph = nullptr;
  std::vector<double> target;
};

}  // namespace splitinfer::predict
