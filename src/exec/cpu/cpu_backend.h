// The CPU backend (oneDNN), float32 and INT8.
#pragma once

#include <memory>

#include "exec/backend.h"
#include "exec/cpu/lowering.h"

namespace splitinfer::cpu {

std::unique_ptr<Backend> make_cpu_backend(const Element& element);

// The whole model in float32 on the calling thread, reporting every tensor
// it materialises to `observer`, with nothing fused (calibration).
std::unique_ptr<Partition> compile_observed_fp32(const Graph& graph, TensorObserver observer);

}  // namespace splitinfer::cpu
