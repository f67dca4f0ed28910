#include "exec/cpu/code_table.h"

#include <algorithm>
#include <cmath>

namespace splitinfer::cpu {

uint8_t encode(float value, QuantParams format) {
  const float code = std::nearbyint(value / format.scale) + static_cast<float>(format.zero_point);
  if (format.is_unsigned) return static_cast<uint8_t>(std::clamp(code, 0.0f, 255.0f));
  return static_cast<uint8_t>(static_cast<int8_t>(std::clamp(code, -128.0f, 127.0f)));
}

float decode(uint8_t byte, QuantParams format) {
  const int code =
      format.is_unsigned ? static_cast<int>(byte) : static_cast<int>(static_cast<int8_t>(byte));
  return format.scale * static_cast<float>(code - format.zero_point);
}

CodeTable make_code_table(QuantParams in, QuantParams out, const std::function<float(float)>& f) {
  CodeTable table{};
  for (int byte = 0; byte < 256; ++byte)
    table[static_cast<size_t>(byte)] = encode(f(decode(static_cast<uint8_t>(byte), in)), out);
  return table;
}

void apply_code_table(const CodeTable& table, const uint8_t* src, uint8_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

}  // namespace splitinfer::cpu
