// The number formats an element computes in and hands over. Below both the
// executors and the planner: the planner prices a hand-off by its sender's
// precision without knowing how the sender computes.
#pragma once

#include <cstdint>
#include <string_view>

namespace splitinfer {

enum class Precision { fp32, int8, fp16, bf16 };

std::string_view precision_name(Precision p);
// Bytes per value of the tensors an element exchanges: 1 for int8, 2 for
// fp16 and bf16, 4 for fp32.
double bytes_per_value(Precision p);

// Bytes on the link of a hand-off of `elements` values from an element of
// precision `p`: int8 codes carry a float32 scale and an int32 zero point
// besides (kInt8HandoffHeaderBytes).
inline constexpr int64_t kInt8HandoffHeaderBytes = 8;
int64_t handoff_bytes(Precision p, int64_t elements);

}  // namespace splitinfer
