#include "ggp/transfer_bytes.h"

namespace splitinfer::ggp {

namespace {
constexpr double kPartialSumBytes = 4.0;
}

TransferBytes transfer_bytes(const ConvLayer& l, const ElementModel& e, Technique t) {
  const double b = e.bytes_per_value, hw = static_cast<double>(l.h * l.w),
               out_hw = static_cast<double>(l.out_h() * l.out_w());
  switch (t) {
    case Technique::filters: return {hw * static_cast<double>(l.c) * b, 0.0, 0.0, 0.0, out_hw * b};
    case Technique::channels:
      return {0.0, hw * b, 0.0, out_hw * static_cast<double>(l.n) * kPartialSumBytes, 0.0};
    case Technique::rows:
      return {0.0, 0.0, static_cast<double>(l.w * l.c) * b, 0.0,
              static_cast<double>(l.out_w() * l.n) * b};
  }
  return {};
}

}  // namespace splitinfer::ggp
