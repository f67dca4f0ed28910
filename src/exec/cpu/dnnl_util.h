// Small conveniences over oneDNN shared by the CPU backends.
#pragma once

#include <dnnl.hpp>
#include <mutex>
#include <string>

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

// Attributes for a primitive of a compiled partition: the scratchpad is the
// partition's own (scratchpad_mode::user). oneDNN's default "library" mode
// shares one scratchpad per creating thread, which is unsafe for partitions
// compiled on one thread and run on another (and was a source of
// nondeterministic INT8 outputs in pipelined runs).
dnnl::primitive_attr partition_attr();

// Held while oneDNN primitives are created: one thread at a time. oneDNN 2.6
// (Debian's libdnnl) chooses an AMX convolution's blocking through a static
// that every thread shares (brg_blocking_t::last_ic_block_size, 4 for INT8
// and 2 for BF16; thread_local from oneDNN 2.7 on), so an INT8 and a BF16
// convolution created at once on two threads could take each other's
// blocking and write past their buffers. Running primitives needs no lock.
std::mutex& primitive_creation_mutex();

// Bytes of scratchpad a primitive created with partition_attr() needs.
size_t scratchpad_bytes(const dnnl::primitive& p);

// "kind implementation src:T weights:T dst:T" for a primitive (the data
// types of the memories it has).
std::string describe_kernel(const dnnl::primitive& p);

// A reorder primitive that converts `from` (codes at scale `from_scale` and
// zero point `from_zero_point`) into `to` (codes at `to_scale` and
// `to_zero_point`); scales are 1 and zero points 0 for float32. Made with
// partition_attr().
dnnl::reorder make_reorder(const dnnl::memory& from, const dnnl::memory& to, float from_scale,
                           float to_scale, int32_t from_zero_point = 0, int32_t to_zero_point = 0);

}  // namespace splitinfer::cpu
