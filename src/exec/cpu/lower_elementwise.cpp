// Activations, Erf, binary arithmetic, softmax, concatenation and reductions.
// In INT8 they stay on codes: activations as 256-entry tables from input
// codes to output codes (exact for 8-bit inputs), x * act(x) gates (SiLU,
// HardSwish written out) as one table, Add and Mul of two activations as
// oneDNN integer binaries, Concat by re-coding its inputs at the output's
// scale, ReduceMean on codes. Softmax and operands that are constants run
// in float32 and are reported.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "common/error.h"
#include "exec/cpu/code_table.h"
#include "exec/cpu/int8_coverage.h"
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
    case OpType::Sqrt: out = {algorithm::eltwise_sqrt, 0.0f, 0.0f}; return true;
    case OpType::Pow:  // alpha * x^beta
      out = {algorithm::eltwise_pow, 1.0f, node.attrs.get_float("exponent", 1.0f)};
      return true;
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

float activate(const Activation& act, float x) {
  auto step = [](dnnl::algorithm alg, float alpha, float beta, float v) {
    using dnnl::algorithm;
    switch (alg) {
      case algorithm::eltwise_relu: return v > 0.0f ? v : alpha * v;
      case algorithm::eltwise_clip: return std::clamp(v, alpha, beta);
      case algorithm::eltwise_logistic: return 1.0f / (1.0f + std::exp(-v));
      case algorithm::eltwise_tanh: return std::tanh(v);
      case algorithm::eltwise_hardswish: return v * std::clamp(v / 6.0f + 0.5f, 0.0f, 1.0f);
      case algorithm::eltwise_linear: return alpha * v + beta;
      case algorithm::eltwise_sqrt: return std::sqrt(v);
      case algorithm::eltwise_pow: return alpha * std::pow(v, beta);
      default: fail(ErrorKind::internal, "activation without a scalar form");
    }
  };
  const float y = step(act.alg, act.alpha, act.beta, x);
  return act.has_second ? step(act.second_alg, act.second_alpha, act.second_beta, y) : y;
}

namespace {

QuantParams format_of(const Codes& c) { return {c.type == dt::u8, c.scale, c.zero_point}; }

// out = f(x) on codes: x's codes in the dense hand-off layout, one table
// lookup per element, the result coded at out's calibrated codes.
void lower_code_function(Lowering& l, int x, int out, const std::function<float(float)>& f) {
  const Shape& shape = l.graph().tensor(x).shape;
  const Codes in = l.affine_codes(x);
  const dnnl::memory src = l.converted(x, handoff_desc(shape, in.type), in);
  const Codes result = l.codes_of(l.quant(out));
  const dnnl::memory dst = l.new_memory(handoff_desc(shape, result.type));
  const CodeTable table = make_code_table(format_of(in), format_of(result), f);
  const size_t n = static_cast<size_t>(numel(shape));
  l.add_custom([table, src, dst, n] {
    apply_code_table(table, static_cast<const uint8_t*>(src.get_data_handle()),
                     static_cast<uint8_t*>(dst.get_data_handle()), n);
  });
  l.define(out, {dst, result.scale, result.zero_point});
}

}  // namespace

void lower_eltwise(Lowering& l, const Node& node) {
  Activation act;
  activation_of(node, act);
  const int x = node.inputs[0];
  const Value& v = l.value(x);
  if (l.int8()) {
    // Relu and LeakyRelu commute with a positive scale: oneDNN's integer
    // eltwise applies them to codes of zero point 0, keeping the scale.
    const bool scale_free = node.op == OpType::Relu || node.op == OpType::LeakyRelu;
    if (scale_free && is_integer(v.type()) && v.zero_point == 0) {
      const dnnl::eltwise_forward::primitive_desc pd(
          {dnnl::prop_kind::forward_inference, act.alg, v.mem.get_desc(), act.alpha, act.beta},
          partition_attr(), cpu_engine());
      const dnnl::memory dst = l.new_memory(pd.dst_desc());
      l.add(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, v.mem}, {DNNL_ARG_DST, dst}});
      l.define(node.outputs[0], {dst, v.scale});
      return;
    }
    // A gate x * act(x) (SiLU, or HardSwish as opsets before 14 write it)
    // is one function of x: one table.
    const Node* mul = l.sole_consumer(node.outputs[0]);
    if (mul && mul->op == OpType::Mul && (mul->inputs[0] == x || mul->inputs[1] == x) &&
        mul->inputs[0] != mul->inputs[1]) {
      l.mark_fused(*mul);
      lower_code_function(l, x, mul->outputs[0], [act](float t) { return t * activate(act, t); });
      return;
    }
    lower_code_function(l, x, node.outputs[0], [act](float t) { return activate(act, t); });
    return;
  }
  dnnl::memory cur = l.float_value(x);
  for (int step = 0; step < (act.has_second ? 2 : 1); ++step) {
    const auto alg = step == 0 ? act.alg : act.second_alg;
    const float alpha = step == 0 ? act.alpha : act.second_alpha;
    const float beta = step == 0 ? act.beta : act.second_beta;
    const dnnl::eltwise_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, alg, cur.get_desc(), alpha, beta}, partition_attr(),
        cpu_engine());
    const dnnl::memory dst = l.new_memory(pd.dst_desc());
    l.add(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, cur}, {DNNL_ARG_DST, dst}});
    cur = dst;
  }
  l.define(node.outputs[0], {cur, 1.0f});
}

// Erf (the Gaussian error function of GELU as exporters write it out): a
// code table in INT8; float32 values otherwise, having no oneDNN kernel.
void lower_erf(Lowering& l, const Node& node) {
  const auto erf = [](float t) { return std::erf(t); };
  if (l.int8()) return lower_code_function(l, node.inputs[0], node.outputs[0], erf);
  const dnnl::memory src = l.plain_f32(node.inputs[0]);
  const dnnl::memory dst = l.new_memory(src.get_desc());
  const size_t n = static_cast<size_t>(numel(l.graph().tensor(node.inputs[0]).shape));
  l.add_custom([src, dst, n, erf] {
    const auto* in = static_cast<const float*>(src.get_data_handle());
    auto* out = static_cast<float*>(dst.get_data_handle());
    std::transform(in, in + n, out, erf);
  });
  l.define_float32_result(node.outputs[0], dst);
}

namespace {

// `tensor` in `type` and plain layout, viewed with leading 1s up to `rank`
// axes (oneDNN broadcasts operands of equal rank).
dnnl::memory ranked_plain(Lowering& l, int tensor, size_t rank, dt type, float scale,
                          int32_t zero_point = 0) {
  Shape shape = l.graph().tensor(tensor).shape;
  while (shape.size() < rank) shape.insert(shape.begin(), 1);
  const dnnl::memory plain = l.plain(tensor, type, scale, zero_point);
  return dnnl::memory(plain_desc(shape, type), cpu_engine(), plain.get_data_handle());
}

dnnl::algorithm binary_alg(const Node& node) {
  switch (node.op) {
    case OpType::Add: return dnnl::algorithm::binary_add;
    case OpType::Sub: return dnnl::algorithm::binary_sub;
    case OpType::Mul: return dnnl::algorithm::binary_mul;
    case OpType::Div: return dnnl::algorithm::binary_div;
    default: fail(ErrorKind::internal, "no binary algorithm for " + node.name);
  }
}

bool commutes(const Node& node) { return node.op == OpType::Add || node.op == OpType::Mul; }

// The codes a binary op reads for an operand: its own, zero point
// included, except the second operand of a product, which is re-coded
// symmetrically (a zero point on both would add a product of two tensors).
Codes operand_codes(Lowering& l, const Node& node, int tensor, bool second) {
  const bool affine = reads_zero_point(node) && !(second && node.op == OpType::Mul);
  return affine ? l.affine_codes(tensor) : l.codes(tensor);
}

// Add, Sub or Mul of two activations on codes: oneDNN's binary reads both
// operands' codes with their scales and writes codes at the output's
// calibrated scale and zero point. The first operand has the output's
// shape; the second may broadcast (the squeeze-excitation gate
// [1, C, 1, 1]). Zero points za, zb of the operands:
//   Add, Sub  shift the result by a constant, which the last post-op (the
//             output's coding) takes off;
//   Mul       sa (a - za) * sb b = (sa a)(sb b) - za sa sb b: a post-op adds
//             the second operand re-scaled by -za sa, made by a reorder of
//             its codes each frame (a gate's C values, for an SE block).
void lower_binary_codes(Lowering& l, const Node& node, int a, int b) {
  const Shape& out = l.graph().output(node).shape;
  const Codes ca = operand_codes(l, node, a, false), cb = operand_codes(l, node, b, true);
  const bool broadcast = l.graph().tensor(b).shape != out;
  const dnnl::memory src0 = l.converted(a, handoff_desc(out, ca.type), ca);
  const dnnl::memory src1 = broadcast
                                ? ranked_plain(l, b, out.size(), cb.type, cb.scale, cb.zero_point)
                                : l.converted(b, handoff_desc(out, cb.type), cb);
  const Codes result = l.codes_of(l.quant(node.outputs[0]));
  const dnnl::memory::desc dst_md = handoff_desc(out, result.type);
  dnnl::primitive_attr attr = partition_attr();
  attr.set_scales(DNNL_ARG_SRC_0, 0, {ca.scale});
  attr.set_scales(DNNL_ARG_SRC_1, 0, {cb.scale});
  dnnl::post_ops ops;
  std::unordered_map<int, dnnl::memory> args;
  float shift = 0.0f;  // what the operands' zero points add to the result
  if (node.op == OpType::Mul && ca.zero_point != 0) {
    const dnnl::memory::dims dims = src1.get_desc().dims();
    const dnnl::memory correction =
        l.new_memory(broadcast ? plain_desc(Shape(dims.begin(), dims.end()), dt::f32)
                               : handoff_desc(out, dt::f32));
    l.add(make_reorder(src1, correction, cb.scale,
                       -1.0f / (ca.scale * static_cast<float>(ca.zero_point))),
          {{DNNL_ARG_FROM, src1}, {DNNL_ARG_TO, correction}});
    ops.append_binary(dnnl::algorithm::binary_add, correction.get_desc());
    args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = correction;
  } else if (node.op != OpType::Mul) {
    const float sign = node.op == OpType::Sub ? -1.0f : 1.0f;
    shift = ca.scale * static_cast<float>(ca.zero_point) +
            sign * cb.scale * static_cast<float>(cb.zero_point);
  }
  ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, 1.0f / result.scale,
                     static_cast<float>(result.zero_point) - shift / result.scale);
  attr.set_post_ops(ops);
  const dnnl::binary::primitive_desc pd(
      {binary_alg(node), src0.get_desc(), src1.get_desc(), dst_md}, attr, cpu_engine());
  const dnnl::memory dst = l.new_memory(dst_md);
  args[DNNL_ARG_SRC_0] = src0;
  args[DNNL_ARG_SRC_1] = src1;
  args[DNNL_ARG_DST] = dst;
  l.add(dnnl::binary(pd), std::move(args));
  l.define(node.outputs[0], {dst, result.scale, result.zero_point});
}

}  // namespace

void lower_binary(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  const Shape& out = g.output(node).shape;
  const auto alg = binary_alg(node);
  int a = node.inputs[0], b = node.inputs[1];
  // oneDNN broadcasts only the second operand; Add and Mul commute.
  if (commutes(node) && g.tensor(a).shape != out) std::swap(a, b);
  if (l.int8() && int8_on_codes(g, node)) return lower_binary_codes(l, node, a, b);
  dnnl::memory src0;
  if (g.tensor(a).shape == out) {
    src0 = l.float_value(a);
  } else {
    // The first operand broadcasts (both do, or the op does not commute):
    // expand it to the output's shape first, adding it onto zeros (in
    // float32, which the fill loop writes).
    src0 = l.new_memory(plain_desc(out, dt::f32));
    l.add_custom([src0] {
      float* p = static_cast<float*>(src0.get_data_handle());
      std::fill(p, p + src0.get_desc().get_size() / sizeof(float), 0.0f);
    });
    const dnnl::memory a_ranked = ranked_plain(l, a, out.size(), dt::f32, 1.0f);
    const dnnl::binary::primitive_desc pd(
        {dnnl::algorithm::binary_add, src0.get_desc(), a_ranked.get_desc(), src0.get_desc()},
        partition_attr(), cpu_engine());
    l.add(dnnl::binary(pd),
          {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, a_ranked}, {DNNL_ARG_DST, src0}});
  }
  const dt type = src0.get_desc().data_type();
  const dnnl::memory src1 = g.tensor(b).shape == out ? l.converted(b, src0.get_desc(), 1.0f)
                                                     : ranked_plain(l, b, out.size(), type, 1.0f);
  const dnnl::binary::primitive_desc pd({alg, src0.get_desc(), src1.get_desc(), src0.get_desc()},
                                        partition_attr(), cpu_engine());
  const dnnl::memory dst = l.new_memory(pd.dst_desc());
  l.add(dnnl::binary(pd), {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}});
  l.define(node.outputs[0], {dst, 1.0f});
}

void lower_softmax(Lowering& l, const Node& node) {
  const Shape& x = l.graph().tensor(node.inputs[0]).shape;
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(x.size());
  const dnnl::memory src = l.plain(node.inputs[0], l.float_type());
  const dnnl::softmax_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, src.get_desc(), static_cast<int>(axis)},
      partition_attr(), cpu_engine());
  const dnnl::memory dst = l.new_memory(pd.dst_desc());
  l.add(dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  l.define(node.outputs[0], {dst, 1.0f});
}

void lower_concat(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  const Shape& out = g.output(node).shape;
  int64_t axis = node.attrs.get_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(out.size());
  // INT8: inputs that already share one type, scale and zero point
  // concatenate as they are; otherwise each is re-coded at the output's
  // calibrated codes.
  Codes codes{l.float_type(), 1.0f, 0};
  if (l.int8()) {
    const Value& first = l.value(node.inputs[0]);
    bool shared = is_integer(first.type());
    for (int t : node.inputs) {
      const Value& v = l.value(t);
      shared &=
          v.type() == first.type() && v.scale == first.scale && v.zero_point == first.zero_point;
    }
    codes = shared ? Codes{first.type(), first.scale, first.zero_point}
                   : l.codes_of(l.quant(node.outputs[0]));
  }
  std::vector<dnnl::memory> srcs;
  std::vector<dnnl::memory::desc> descs;
  for (int t : node.inputs) {
    const Shape& shape = g.tensor(t).shape;
    srcs.push_back(l.int8() ? l.converted(t, handoff_desc(shape, codes.type), codes)
                            : l.plain(t, codes.type));
    descs.push_back(srcs.back().get_desc());
  }
  const dnnl::memory::desc dst_md =
      l.int8() ? handoff_desc(out, codes.type) : plain_desc(out, codes.type);
  const dnnl::concat::primitive_desc pd(dst_md, static_cast<int>(axis), descs, cpu_engine(),
                                        partition_attr());
  const dnnl::memory dst = l.new_memory(pd.dst_desc());
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, dst}};
  for (size_t i = 0; i < srcs.size(); ++i)
    args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = srcs[i];
  l.add(dnnl::concat(pd), std::move(args));
  l.define(node.outputs[0], {dst, codes.scale, codes.zero_point});
}

void lower_reduce_mean(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  const Shape& x = g.tensor(node.inputs[0]).shape;
  std::vector<int64_t> axes = node.attrs.get_ints("axes");
  if (axes.empty())
    for (size_t i = 0; i < x.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  Shape kept = x;  // the output with reduced axes kept as 1
  for (int64_t a : axes)
    kept[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(x.size()) : a)] = 1;
  // A mean commutes with the scale and keeps the zero point: INT8 averages
  // the codes themselves.
  Codes in{l.float_type(), 1.0f, 0};
  if (l.int8()) in = l.affine_codes(node.inputs[0]);
  const dnnl::memory src = l.plain(node.inputs[0], in.type, in.scale, in.zero_point);
  dnnl::primitive_attr attr = partition_attr();
  const Codes mean = l.int8() ? recoded_mean(l, node.outputs[0], in, attr) : in;
  const dt type = in.type;
  const dnnl::memory dst = l.new_memory(plain_desc(kept, type));
  const dnnl::reduction::primitive_desc pd(
      {dnnl::algorithm::reduction_mean, src.get_desc(), dst.get_desc(), 0.0f, 0.0f}, attr,
      cpu_engine());
  l.add(dnnl::reduction(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  const dnnl::memory out(plain_desc(g.output(node).shape, type), cpu_engine(),
                         dst.get_data_handle());
  l.define(node.outputs[0], {out, mean.scale, mean.zero_point});
}

}  // namespace splitinfer::cpu
