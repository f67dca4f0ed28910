#include "exec/cpu/dnnl_util.h"

namespace splitinfer::cpu {

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::memory::dims to_dims(const Shape& shape) {
  return dnnl::memory::dims(shape.begin(), shape.end());
}

dnnl::memory::desc plain_desc(const Shape& shape, dt type) {
  const dnnl::memory::dims dims = to_dims(shape.empty() ? Shape{1} : shape);
  dnnl::memory::dims strides(dims.size(), 1);
  for (size_t i = dims.size() - 1; i > 0; --i) strides[i - 1] = strides[i] * dims[i];
  return dnnl::memory::desc(dims, type, strides);
}

dnnl::memory::desc handoff_desc(const Shape& shape, dt type) {
  if (shape.size() == 4) return dnnl::memory::desc(to_dims(shape), type, tag::nhwc);
  return plain_desc(shape, type);
}

size_t type_size(dt type) {
  switch (type) {
    case dt::s8:
    case dt::u8: return 1;
    case dt::f16:
    case dt::bf16: return 2;
    default: return 4;
  }
}

bool is_integer(dt type) { return type == dt::s8 || type == dt::u8 || type == dt::s32; }

dnnl::primitive_attr partition_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

size_t scratchpad_bytes(const dnnl::primitive& p) {
  const dnnl_memory_desc_t* md =
      dnnl_primitive_desc_query_md(p.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  return md ? dnnl_memory_desc_get_size(md) : 0;
}

dnnl::reorder make_reorder(const dnnl::memory& from, const dnnl::memory& to, float from_scale,
                           float to_scale) {
  dnnl::primitive_attr attr = partition_attr();
  if (from_scale != to_scale) attr.set_output_scales(0, {from_scale / to_scale});
  return dnnl::reorder(dnnl::reorder::primitive_desc(from, to, attr));
}

}  // namespace splitinfer::cpu
