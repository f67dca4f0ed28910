#include "exec/cpu/cpu_features.h"

#include <algorithm>
#include <string>

#include "common/error.h"

namespace splitinfer::cpu {

CpuFeatures features_of(dnnl::cpu_isa isa) {
  // oneDNN's ISAs are cumulative: AMX implies AVX512-BF16.
  switch (isa) {
    case dnnl::cpu_isa::avx512_core_amx:
    case dnnl::cpu_isa::all: return {true, true};
    case dnnl::cpu_isa::avx512_core_bf16: return {true, false};
    default: return {};
  }
}

CpuFeatures this_cpu() { return features_of(dnnl::get_effective_cpu_isa()); }

std::vector<Precision> precisions_offered(const CpuFeatures& cpu) {
  std::vector<Precision> offered{Precision::fp32, Precision::int8};
  if (cpu.avx512_bf16 || cpu.amx) offered.push_back(Precision::bf16);
  return offered;
}

bool offers(const CpuFeatures& cpu, Precision precision) {
  const std::vector<Precision> offered = precisions_offered(cpu);
  return std::find(offered.begin(), offered.end(), precision) != offered.end();
}

void require_precision(const Element& element, const CpuFeatures& cpu) {
  if (offers(cpu, element.precision)) return;
  if (element.precision == Precision::bf16)
    fail(ErrorKind::device_missing,
         element.name + " needs a CPU with AVX512-BF16 or AMX; this one has neither");
  fail(ErrorKind::unsupported, "element " + element.name + ": the CPU elements run fp32, int8 or " +
                                   "bf16, not " + std::string(precision_name(element.precision)));
}

}  // namespace splitinfer::cpu
