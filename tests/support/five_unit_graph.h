// A small graph of five split units that several tests cut and price: conv
// 4->8 channels 3x3 pad 1 (no bias) on 8x8, ReLU, 2x2 max pool, flatten, fc
// 128->10. Shape-only without a weight seed.
#pragma once

#include <cstdint>
#include <optional>

#include "graph/builder.h"

namespace splitinfer::testing {

inline Graph five_unit_graph(std::optional<uint64_t> weight_seed = std::nullopt) {
  GraphBuilder b("tiny", weight_seed);
  int x = b.input("x", {1, 4, 8, 8});
  x = b.conv(x, "conv1", 8, 3, 1, 1, 1, false);
  x = b.relu(x, "relu");
  x = b.max_pool(x, "pool", 2, 2);
  x = b.flatten(x, "", "flatten");
  x = b.linear(x, "fc", 10);
  b.output(x);
  return b.finish();
}

}  // namespace splitinfer::testing
