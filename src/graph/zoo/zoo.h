// The model zoo: exact torchvision architectures (and the classic LeNet-5)
// built directly as IR graphs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace splitinfer {

struct ZooModelInfo {
  std::string name;
  std::string description;
};

const std::vector<ZooModelInfo>& zoo_models();
bool is_zoo_model(const std::string& name);

// Builds a zoo model. With `weight_seed` the weights are deterministic
// pseudo-random values; without it the graph is shape-only. Throws an
// invalid_input Error for an unknown name.
Graph build_zoo_model(const std::string& name, std::optional<uint64_t> weight_seed);

}  // namespace splitinfer
