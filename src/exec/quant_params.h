// How an INT8 tensor's codes stand for its values: the one description that
// calibration produces, the kernels and code tables read, and hand-offs carry.
#pragma once

#include <cstdint>

namespace splitinfer {

// value = scale * (code - zero_point)
struct QuantParams {
  bool is_unsigned = false;  // uint8 codes 0..255, else int8 (-127..127 as calibrated)
  float scale = 1.0f;
  int32_t zero_point = 0;  // non-zero only for uint8 codes
};

// The symmetric codes of the same clip: s8 over [-m, m], m the larger
// magnitude of the affine range's ends (the same params when symmetric).
QuantParams symmetric(const QuantParams& q);

}  // namespace splitinfer
