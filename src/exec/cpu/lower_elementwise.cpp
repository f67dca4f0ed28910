// Activations, binary arithmetic, softmax, concatenation and reductions. In
// INT8 these run in float32 on dequantized values (reported as fallbacks),
// except Relu and LeakyRelu on codes and a concatenation of codes that share
// one scale.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "common/error.h"
#include "exec/cpu/lowering.h"

namespace splitinfer::cpu {

bool activation_of(const Node& node, Activation& out) {
  using dnnl::algorithm;
  switch (node.op) {
    case OpType::Relu: out = {algorithm::eltwise_relu, 0.0f, 0.0f}; return true;
    case OpType::LeakyRelu:
      out = {algorithm::eltwise_relu, node.attrs.get_float("alpha", 0.01f), 0.0f};
      return true;
    case OpType::Clip:
      out = {algorithm::eltwise_clip, std::max(node.attrs.get_float("min", -FLT_MAX), -FLT_MAX),
             std::min(node.attrs.get_float("max", FLT_MAX), FLT_MAX)};
      return true;
    case OpType::Sigmoid: out = {algorithm::eltwise_logistic, 0.0f, 0.0f}; return true;
    case OpType::Tanh: out = {algorithm::eltwise_tanh, 0.0f, 0.0f}; return true;
    case OpType::HardSwish: out = {algorithm::eltwise_hardswish, 0.0f, 0.0f}; return true;
    case OpType::HardSigmoid:
      out = {algorithm::eltwise_linear, node.attrs.get_float("alpha", 0.2f),
             node.attrs.get_float("beta", 0.5f)};
      out.has_second = true;
      out.second_alg = algorithm::eltwise_clip;
      out.second_alpha = 0.0f;
      out.second_beta = 1.0f;
      return true;
    default: return false;
  }
}

void append_activation(dnnl::post_ops& ops, const Activation& act) {
  ops.append_eltwise(1.0f, act.alg, act.alpha, act.beta);
  if (act.has_second) ops.append_eltwise(1.0f, act.second_alg, act.second_alpha, act.second_beta);
}

namespace {

// The value in float32: its own memory in float32 mode (any layout), a
// dequantized plain copy in INT8.
dnnl::memory float_source(Lowering& l, int tensor) {
  const Value& v = l.value(tensor);
  return v.type() == dt::f32 ? v.mem : l.plain_f32(tensor);
}

}  // namespace

void lower_eltwise(Lowering& l, const Node& node) {
  Activation act;
  activation_of(node, act);
  const Value& v = l.value(node.inputs[0]);
  // Relu and LeakyRelu commute with a positive scale, so INT8 applies them
  // to the codes themselves (oneDNN's integer eltwise has no clip).
  const bool scale_free = node.op == OpType::Relu || node.op == OpType::LeakyRelu;
  if (l.int8() && scale_free && is_integer(v.type())) {
    const dnnl::eltwise_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, act.alg, v.mem.get_desc(), act.alpha, act.beta},
        partition_attr(), cpu_engine());
    const dnnl::memory dst = l.new_memory(pd.dst_desc());
    l.add(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, v.mem}, {DNNL_ARG_DST, dst}});
    l.define(node.outputs[0], {dst, v.scale});
    return;
  }
  l.note_fallback(node);
  const dnnl::memory src = float_source(l, node.inputs[0]);
  dnnl::memory cur = src;
  for (int step = 0; step < (act.has_second ? 2 : 1); ++step) {
    const auto alg = step == 0 ? act.alg : act.second_alg;
    const float alpha = step == 0 ? act.alpha : act.second_alpha;
    const float beta = step == 0 ? act.beta : act.second_beta;
    const dnnl::eltwise_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, alg, cur.get_desc(), alpha, beta}, partition_attr(), cpu_engine());
    const dnnl::memory dst = l.new_memory(pd.dst_desc());
    l.add(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, cur}, {DNNL_ARG_DST, dst}});
    cur = dst;
  }
  l.define(node.outputs[0], {cur, 1.0f});
}

namespace {

// A plain float32 view of `tensor` with leading 1s up to `rank` axes.
dnnl::memory ranked_plain(Lowering& l, int tensor, size_t rank) {
  Shape shape = l.graph().tensor(tensor).shape;
  while (shape.size() < rank) shape.insert(shape.begin(), 1);
  const dnnl::memory plain = l.plain_f32(tensor);
  return dnnl::memory(plain_desc(shape, dt::f32), cpu_engine(), plain.get_data_handle());
}

}  // namespace

void lower_binary(Lowering& l, const Node& node) {
  l.note_fallback(node);
  const Graph& g = l.graph();
  const Shape& out = g.output(node).shape;
  const auto alg =
      node.op == OpType::Add ? dnnl::algorithm::binary_add : dnnl::algorithm::binary_mul;
  int a = node.inputs[0], b = node.inputs[1];
  // oneDNN broadcasts only the second operand; Add and Mul commute.
  if (g.tensor(a).shape != out) std::swap(a, b);
  dnnl::memory src0;
  if (g.tensor(a).shape == out) {
    src0 = float_source(l, a);
  } else {
    // Both operands broadcast: first expand one onto the op's identity.
    src0 = l.new_memory(plain_desc(out, dt::f32));
    const float identity = node.op == OpType::Add ? 0.0f : 1.0f;
    l.add_custom([src0, identity] {
      float* p = static_cast<float*>(src0.get_data_handle());
      std::fill(p, p + src0.get_desc().get_size() / sizeof(float), identity);
    });
    const dnnl::memory a_ranked = ranked_plain(l, a, out.size());
    const dnnl::binary::primitive_desc pd({alg, src0.get_desc(), a_ranked.get_desc(), src0.get_desc()},
                                          partition_attr(), cpu_engine());
    l.add(dnnl::binary(pd), {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, a_ranked}, {DNNL_ARG_DST, src0}});
  }
  const dnnl::memory src1 = g.tensor(b).shape == out ? l.converted(b, src0.get_desc(), 1.0f)
                                                     : ranked_plain(l, b, out.size());
  const dnnl::binary::primitive_desc pd({alg, src0.get_desc(), src1.get_desc(), src0.get_desc()},
                                        partition_attr(), cpu_engine());
  const dnnl::memory dst = l.new_memory(pd.dst_desc());
  l.add(dnnl::binary(pd), {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}});
  l.define(node.outputs[0], {dst, 1.0f});
}

void lower_softmax(Lowering& l, const Node& node) {
  l.note_fallback(node);
  const Shape& x = l.graph().tensor(node.inputs[0]).shape;
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(x.size());
  const dnnl::memory src = l.plain_f32(node.inputs[0]);
  const dnnl::softmax_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, src.get_desc(), static_cast<int>(axis)}, partition_attr(), cpu_engine());
  const dnnl::memory dst = l.new_memory(pd.dst_desc());
  l.add(dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  l.define(node.outputs[0], {dst, 1.0f});
}

void lower_concat(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  int64_t axis = node.attrs.get_int("axis", 0);
  const int64_t rank = static_cast<int64_t>(g.output(node).shape.size());
  if (axis < 0) axis += rank;
  // Codes concatenate as they are when every input shares type and scale.
  bool same_codes = l.int8();
  const Value& first = l.value(node.inputs[0]);
  for (int t : node.inputs) {
    const Value& v = l.value(t);
    same_codes &= is_integer(v.type()) && v.type() == first.type() && v.scale == first.scale;
  }
  if (!same_codes) l.note_fallback(node);
  std::vector<dnnl::memory> srcs;
  std::vector<dnnl::memory::desc> descs;
  for (int t : node.inputs) {
    srcs.push_back(same_codes ? l.plain(t, first.type(), first.scale) : l.plain_f32(t));
    descs.push_back(srcs.back().get_desc());
  }
  const dnnl::concat::primitive_desc pd(plain_desc(g.output(node).shape, descs[0].data_type()),
                                        static_cast<int>(axis), descs, cpu_engine(),
                                        partition_attr());
  const dnnl::memory dst = l.new_memory(pd.dst_desc());
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, dst}};
  for (size_t i = 0; i < srcs.size(); ++i) args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = srcs[i];
  l.add(dnnl::concat(pd), std::move(args));
  l.define(node.outputs[0], {dst, same_codes ? first.scale : 1.0f});
}

void lower_reduce_mean(Lowering& l, const Node& node) {
  l.note_fallback(node);
  const Graph& g = l.graph();
  const Shape& x = g.tensor(node.inputs[0]).shape;
  std::vector<int64_t> axes = node.attrs.get_ints("axes");
  if (axes.empty())
    for (size_t i = 0; i < x.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  Shape kept = x;  // the output with reduced axes kept as 1
  for (int64_t a : axes) kept[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(x.size()) : a)] = 1;
  const dnnl::memory src = l.plain_f32(node.inputs[0]);
  const dnnl::memory dst = l.new_memory(plain_desc(kept, dt::f32));
  const dnnl::reduction::primitive_desc pd(
      {dnnl::algorithm::reduction_mean, src.get_desc(), dst.get_desc(), 0.0f, 0.0f}, partition_attr(), cpu_engine());
  l.add(dnnl::reduction(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  const dnnl::memory out(plain_desc(g.output(node).shape, dt::f32), cpu_engine(), dst.get_data_handle());
  l.define(node.outputs[0], {out, 1.0f});
}

}  // namespace splitinfer::cpu
