// Small conveniences over oneDNN shared by the CPU backends.
#pragma once

#include <dnnl.hpp>

#include "graph/tensor.h"

namespace splitinfer::cpu {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

const dnnl::engine& cpu_engine();

dnnl::memory::dims to_dims(const Shape& shape);

// Row-major ("abcd...") layout of a shape.
dnnl::memory::desc plain_desc(const Shape& shape, dt type);

// The layout a partition's hand-off has: channels-last (nhwc) for 4-D
// tensors, which every CPU kernel reads and writes cheaply, plain otherwise.
dnnl::memory::desc handoff_desc(const Shape& shape, dt type);

// Size in bytes of one element of `type`.
size_t type_size(dt type);

bool is_integer(dt type);

// A reorder primitive that converts `from` (codes at scale `from_scale`) into
// `to` (codes at `to_scale`); scales are 1 for float32.
dnnl::reorder make_reorder(const dnnl::memory& from, const dnnl::memory& to, float from_scale,
                           float to_scale);

}  // namespace splitinfer::cpu
