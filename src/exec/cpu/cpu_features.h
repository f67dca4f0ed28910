// Which precisions the CPU elements can run, from the instruction sets
// oneDNN uses on this machine (its effective ISA, which honours
// DNNL_MAX_CPU_ISA). BF16 needs native bfloat16 instructions: oneDNN would
// otherwise emulate them, slower than float32, which is no element to plan
// with.
#pragma once

#include <dnnl.hpp>
#include <vector>

#include "exec/element.h"

namespace splitinfer::cpu {

struct CpuFeatures {
  bool avx512_bf16 = false;  // AVX512-BF16: bfloat16 dot products
  bool amx = false;          // AMX tiles (bf16 and int8)
};

CpuFeatures features_of(dnnl::cpu_isa isa);
CpuFeatures this_cpu();

// fp32 and int8 everywhere; bf16 with AVX512-BF16 or AMX.
std::vector<Precision> precisions_offered(const CpuFeatures& cpu);
bool offers(const CpuFeatures& cpu, Precision precision);

// Throws a device_missing Error naming the element when `cpu` cannot run
// its precision.
void require_precision(const Element& element, const CpuFeatures& cpu);

}  // namespace splitinfer::cpu
