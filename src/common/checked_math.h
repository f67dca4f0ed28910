// Overflow-checked arithmetic for sizes that come from untrusted files.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace splitinfer {

// Product of non-negative dimensions, or nullopt when it exceeds `limit` or
// any dimension is negative.
inline std::optional<int64_t> checked_product(std::span<const int64_t> dims,
                                              int64_t limit = INT64_MAX) {
  int64_t total = 1;
  for (int64_t d : dims) {
    if (d < 0) return std::nullopt;
    if (d != 0 && total > limit / d) return std::nullopt;
    total *= d;
  }
  return total;
}

}  // namespace splitinfer
