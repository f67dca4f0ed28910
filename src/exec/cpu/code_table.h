// Element-wise functions of INT8 codes as 256-entry lookup tables. An 8-bit
// input has only 256 values, so a table from every input code to the output
// code of f(value) is exact: no float tensor is materialised and the only
// error is the output's rounding, as in an integer kernel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "exec/quant_params.h"

namespace splitinfer::cpu {

// Indexed by the input code's raw byte; holds the output code's raw byte.
using CodeTable = std::array<uint8_t, 256>;

CodeTable make_code_table(QuantParams in, QuantParams out, const std::function<float(float)>& f);

// dst[i] = table[src[i]] for n bytes (src and dst may be the same buffer).
void apply_code_table(const CodeTable& table, const uint8_t* src, uint8_t* dst, size_t n);

// The code of `value` in `format`: round to nearest even, saturated (s8 to
// -128..127).
uint8_t encode(float value, QuantParams format);
float decode(uint8_t byte, QuantParams format);

}  // namespace splitinfer::cpu
