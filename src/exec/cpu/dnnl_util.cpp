#include "exec/cpu/dnnl_util.h"

#include <oneapi/dnnl/dnnl_debug.h>

#include <utility>

namespace splitinfer::cpu {

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine = [] {
    // Every partition owns its primitives. oneDNN's primitive cache hands
    // out one primitive object to every request with the same description,
    // so partitions compiled on different threads (a profile, then a run)
    // shared primitives; on AMX machines a primitive made on one thread and
    // reused from another computed wrong values. Compiling costs a little
    // more; results do not depend on what ran before.
    dnnl::set_primitive_cache_capacity(0);
    return dnnl::engine(dnnl::engine::kind::cpu, 0);
  }();
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

std::mutex& primitive_creation_mutex() {
  static std::mutex mutex;
  return mutex;
}

size_t scratchpad_bytes(const dnnl::primitive& p) {
  const dnnl_memory_desc_t* md =
      dnnl_primitive_desc_query_md(p.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  return md ? dnnl_memory_desc_get_size(md) : 0;
}

std::string describe_kernel(const dnnl::primitive& p) {
  const const_dnnl_primitive_desc_t pd = p.get_primitive_desc();
  dnnl_primitive_kind_t kind;
  const char* impl = nullptr;
  dnnl_primitive_desc_query(pd, dnnl_query_primitive_kind, 0, &kind);
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
  std::string s = std::string(dnnl_prim_kind2str(kind)) + " " + (impl ? impl : "?");
  const std::pair<dnnl_query_t, const char*> roles[] = {
      {dnnl_query_src_md, "src"}, {dnnl_query_weights_md, "weights"}, {dnnl_query_dst_md, "dst"}};
  for (const auto& [query, role] : roles) {
    const dnnl_memory_desc_t* md = dnnl_primitive_desc_query_md(pd, query, 0);
    if (md && md->ndims > 0) s += std::string(" ") + role + ":" + dnnl_dt2str(md->data_type);
  }
  return s;
}

dnnl::reorder make_reorder(const dnnl::memory& from, const dnnl::memory& to, float from_scale,
                           float to_scale, int32_t from_zero_point, int32_t to_zero_point) {
  dnnl::primitive_attr attr = partition_attr();
  if (from_scale != to_scale) attr.set_output_scales(0, {from_scale / to_scale});
  if (from_zero_point != 0) attr.set_zero_points(DNNL_ARG_FROM, 0, {from_zero_point});
  if (to_zero_point != 0) attr.set_zero_points(DNNL_ARG_TO, 0, {to_zero_point});
  return dnnl::reorder(dnnl::reorder::primitive_desc(from, to, attr));
}

}  // namespace splitinfer::cpu
