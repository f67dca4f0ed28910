#include "common/precision.h"

namespace splitinfer {

std::string_view precision_name(Precision p) {
  switch (p) {
    case Precision::fp32: return "fp32";
    case Precision::int8: return "int8";
    case Precision::fp16: return "fp16";
    case Precision::bf16: return "bf16";
  }
  return "?";
}

double bytes_per_value(Precision p) {
  switch (p) {
    case Precision::int8: return 1.0;
    case Precision::fp16:
    case Precision::bf16: return 2.0;
    case Precision::fp32: return 4.0;
  }
  return 4.0;
}

int64_t handoff_bytes(Precision p, int64_t elements) {
  if (p == Precision::int8) return elements + kInt8HandoffHeaderBytes;
  return elements * static_cast<int64_t>(bytes_per_value(p));
}

}  // namespace splitinfer
