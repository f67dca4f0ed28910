// Ops that only move data: views (Flatten, Reshape, Squeeze, Unsqueeze,
// Identity, Dropout), Transpose, Pad, Slice, Split and Expand. They work on plain
// layouts and on INT8 codes as well as floats (moving codes keeps their
// scale and zero point; padding inserts code 0, so Pad re-codes codes with
// a zero point symmetrically first).
#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "exec/cpu/int8_coverage.h"
#include "exec/cpu/lowering.h"
#include "graph/linear_layer.h"

namespace splitinfer::cpu {

namespace {

// The tensor in plain layout and its own type, scale and zero point.
Value plain_value(Lowering& l, int tensor) {
  const Value& v = l.value(tensor);
  return {l.plain(tensor, v.type(), v.scale, v.zero_point), v.scale, v.zero_point};
}

// The tensor in plain layout with zero point 0: its own type and scale, or
// codes with a zero point re-coded symmetrically.
Value plain_without_zero_point(Lowering& l, int tensor) {
  if (l.value(tensor).zero_point == 0) return plain_value(l, tensor);
  const Codes c = l.codes(tensor);
  return {l.plain(tensor, c.type, c.scale), c.scale};
}

std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

// Copies an output of `out_shape` element by element; `source` maps the
// output coordinates to the flat input index, or -1 for a padding element.
// `coord` is the caller's scratch of out_shape.size() values, made at
// compile time so that a frame allocates nothing.
template <typename SourceIndex>
void gather_copy(const dnnl::memory& src, const dnnl::memory& dst, const Shape& out_shape,
                 std::vector<int64_t>& coord, SourceIndex source) {
  const size_t bytes = type_size(src.get_desc().data_type());
  const auto* in = static_cast<const std::byte*>(src.get_data_handle());
  auto* out = static_cast<std::byte*>(dst.get_data_handle());
  std::fill(coord.begin(), coord.end(), 0);
  const int64_t total = numel(out_shape);
  for (int64_t flat = 0; flat < total; ++flat) {
    const int64_t from = source(coord);
    if (from < 0) std::memset(out + flat * bytes, 0, bytes);
    else std::memcpy(out + flat * bytes, in + from * bytes, bytes);
    for (size_t axis = out_shape.size(); axis-- > 0;) {
      if (++coord[axis] < out_shape[axis]) break;
      coord[axis] = 0;
    }
  }
}

// A Flatten of an [N, C, H, W] tensor to [N, C*H*W] that only a linear layer
// reads: that layer's inner product reads the 4-D value in whatever layout
// it has, which saves a reorder to plain layout (lower_inner_product).
bool flattens_into_linear_layer(Lowering& l, const Node& node) {
  if (node.op != OpType::Flatten) return false;
  const Graph& g = l.graph();
  const Shape& in = g.tensor(node.inputs[0]).shape;
  if (in.size() != 4 || g.output(node).shape != Shape{in[0], in[1] * in[2] * in[3]}) return false;
  const Node* next = l.sole_consumer(node.outputs[0]);
  return next && next->inputs[0] == node.outputs[0] &&
         ((next->op == OpType::Gemm && is_linear_gemm(g, *next)) ||
          (next->op == OpType::MatMul && is_linear_matmul(g, *next)));
}

}  // namespace

void lower_view(Lowering& l, const Node& node) {
  if (flattens_into_linear_layer(l, node)) {
    const Value source = l.value(node.inputs[0]);
    return l.define(node.outputs[0], source);
  }
  const Value v = plain_value(l, node.inputs[0]);
  const Shape& out = l.graph().output(node).shape;
  const dnnl::memory view(plain_desc(out, v.type()), cpu_engine(), v.mem.get_data_handle());
  l.define(node.outputs[0], {view, v.scale, v.zero_point});
}

void lower_transpose(Lowering& l, const Node& node) {
  const Value v = plain_value(l, node.inputs[0]);
  const Shape& in = l.graph().tensor(node.inputs[0]).shape;
  std::vector<int64_t> perm = node.attrs.get_ints("perm");
  if (perm.empty())
    for (size_t i = in.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  // Input axis perm[j] becomes output axis j.
  std::vector<int> to_output(in.size());
  for (size_t j = 0; j < perm.size(); ++j)
    to_output[static_cast<size_t>(perm[j])] = static_cast<int>(j);
  const dnnl::memory permuted(v.mem.get_desc().permute_axes(to_output), cpu_engine(),
                              v.mem.get_data_handle());
  const dnnl::memory dst = l.new_memory(plain_desc(l.graph().output(node).shape, v.type()));
  l.add(make_reorder(permuted, dst, 1.0f, 1.0f), {{DNNL_ARG_FROM, permuted}, {DNNL_ARG_TO, dst}});
  l.define(node.outputs[0], {dst, v.scale, v.zero_point});
}

namespace {

enum class PadMode { constant, edge, reflect };

PadMode pad_mode(const Node& node) {
  const std::string mode = node.attrs.get_string("mode", "constant");
  if (mode == "constant") return PadMode::constant;
  if (mode == "edge") return PadMode::edge;
  if (mode == "reflect") return PadMode::reflect;
  fail(ErrorKind::unsupported,
       "node '" + node.name + "' (Pad): mode '" + mode + "' is not constant, edge or reflect");
}

}  // namespace

void lower_pad(Lowering& l, const Node& node) {
  const PadMode mode = pad_mode(node);
  const float fill = node.attrs.get_float("value", 0.0f);
  // Non-zero fill values have no code under a symmetric INT8 scale.
  const Value v = int8_on_codes(l.graph(), node) ? plain_without_zero_point(l, node.inputs[0])
                                                 : Value{l.plain_f32(node.inputs[0]), 1.0f};
  const Shape& in = l.graph().tensor(node.inputs[0]).shape;
  const Shape& out = l.graph().output(node).shape;
  const std::vector<int64_t> pads = node.attrs.get_ints("pads");
  const std::vector<int64_t> strides = row_major_strides(in);
  const dnnl::memory dst = l.new_memory(plain_desc(out, v.type()));
  const dnnl::memory src = v.mem;
  const size_t rank = in.size();
  l.add_custom([=, coord = std::vector<int64_t>(rank)]() mutable {
    gather_copy(src, dst, out, coord, [&](const std::vector<int64_t>& c) -> int64_t {
      int64_t from = 0;
      for (size_t a = 0; a < rank; ++a) {
        int64_t i = c[a] - pads[a];
        if (i < 0 || i >= in[a]) {
          if (mode == PadMode::constant) return -1;
          if (mode == PadMode::edge) i = std::clamp<int64_t>(i, 0, in[a] - 1);
          else i = i < 0 ? -i : 2 * (in[a] - 1) - i;  // reflect
        }
        from += i * strides[a];
      }
      return from;
    });
    if (mode == PadMode::constant && fill != 0.0f) {
      // Padding cells were zeroed; write the fill value there.
      float* o = static_cast<float*>(dst.get_data_handle());
      std::vector<int64_t>& c = coord;
      std::fill(c.begin(), c.end(), 0);
      for (int64_t flat = 0; flat < numel(out); ++flat) {
        for (size_t a = 0; a < rank; ++a)
          if (c[a] < pads[a] || c[a] >= pads[a] + in[a]) {
            o[flat] = fill;
            break;
          }
        for (size_t a = rank; a-- > 0;) {
          if (++c[a] < out[a]) break;
          c[a] = 0;
        }
      }
    }
  });
  l.define(node.outputs[0], {dst, v.scale, v.zero_point});
}

void lower_slice(Lowering& l, const Node& node) {
  const Value v = plain_value(l, node.inputs[0]);
  const Shape& in = l.graph().tensor(node.inputs[0]).shape;
  const Shape& out = l.graph().output(node).shape;
  const auto starts = node.attrs.get_ints("starts");
  auto axes = node.attrs.get_ints("axes");
  auto steps = node.attrs.get_ints("steps");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  const size_t rank = in.size();
  std::vector<int64_t> first(rank, 0), step(rank, 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    const size_t a =
        static_cast<size_t>(axes[i] < 0 ? axes[i] + static_cast<int64_t>(rank) : axes[i]);
    int64_t s = starts[i] < 0 ? starts[i] + in[a] : starts[i];
    // ONNX clamps starts to [0, dim] going forward and [0, dim - 1] backward.
    s = steps[i] > 0 ? std::clamp<int64_t>(s, 0, in[a]) : std::clamp<int64_t>(s, 0, in[a] - 1);
    first[a] = s;
    step[a] = steps[i];
  }
  const std::vector<int64_t> strides = row_major_strides(in);
  const dnnl::memory dst = l.new_memory(plain_desc(out, v.type()));
  const dnnl::memory src = v.mem;
  l.add_custom([=, coord = std::vector<int64_t>(rank)]() mutable {
    gather_copy(src, dst, out, coord, [&](const std::vector<int64_t>& c) {
      int64_t from = 0;
      for (size_t a = 0; a < rank; ++a) from += (first[a] + c[a] * step[a]) * strides[a];
      return from;
    });
  });
  l.define(node.outputs[0], {dst, v.scale, v.zero_point});
}

void lower_split(Lowering& l, const Node& node) {
  const Value v = plain_value(l, node.inputs[0]);
  const Graph& g = l.graph();
  const Shape& in = g.tensor(node.inputs[0]).shape;
  int64_t axis = node.attrs.get_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(in.size());
  const std::vector<int64_t> strides = row_major_strides(in);
  int64_t offset = 0;
  for (int out_id : node.outputs) {
    const Shape& out = g.tensor(out_id).shape;
    const dnnl::memory dst = l.new_memory(plain_desc(out, v.type()));
    const dnnl::memory src = v.mem;
    const size_t rank = in.size();
    l.add_custom([=, coord = std::vector<int64_t>(rank)]() mutable {
      gather_copy(src, dst, out, coord, [&](const std::vector<int64_t>& c) {
        int64_t from = 0;
        for (size_t a = 0; a < rank; ++a)
          from += (c[a] + (static_cast<int64_t>(a) == axis ? offset : 0)) * strides[a];
        return from;
      });
    });
    l.define(out_id, {dst, v.scale, v.zero_point});
    offset += out[static_cast<size_t>(axis)];
  }
}

void lower_expand(Lowering& l, const Node& node) {
  const Value v = plain_value(l, node.inputs[0]);
  const Shape& out = l.graph().output(node).shape;
  Shape in = l.graph().tensor(node.inputs[0]).shape;
  while (in.size() < out.size()) in.insert(in.begin(), 1);
  // A broadcast axis (extent 1) reads its one element for every output index.
  std::vector<int64_t> strides = row_major_strides(in);
  for (size_t a = 0; a < in.size(); ++a)
    if (in[a] == 1) strides[a] = 0;
  const dnnl::memory dst = l.new_memory(plain_desc(out, v.type()));
  const dnnl::memory src = v.mem;
  l.add_custom([=, coord = std::vector<int64_t>(out.size())]() mutable {
    gather_copy(src, dst, out, coord, [&](const std::vector<int64_t>& c) {
      int64_t from = 0;
      for (size_t a = 0; a < c.size(); ++a) from += c[a] * strides[a];
      return from;
    });
  });
  l.define(node.outputs[0], {dst, v.scale, v.zero_point});
}

}  // namespace splitinfer::cpu
