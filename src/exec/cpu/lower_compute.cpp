// Convolutions, inner products and pooling: the ops with integer kernels.
//
// INT8 convolutions and inner products use oneDNN's integer kernels (VNNI on
// CPUs that have it): u8/s8 activations, per-output-channel symmetric s8
// weights, s32 accumulation. Output scales bring the accumulator to real
// values, the fused activation and residual add work on real values, and a
// final linear post-op divides by the output scale, so any activation fuses
// exactly as in float32.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "exec/cpu/int8_coverage.h"
#include "exec/cpu/lowering.h"

namespace splitinfer::cpu {

namespace {

using dims = dnnl::memory::dims;

[[noreturn]] void node_fail(const Node& node, ErrorKind kind, const std::string& why) {
  fail(kind, "node '" + node.name + "' (" + std::string(op_name(node.op)) + "): " + why);
}

std::vector<float> weight_values(const Node& node, const Tensor* t, const char* what) {
  if (!t) return {};
  if (!t->has_data() || t->dtype != DType::f32)
    node_fail(node, ErrorKind::invalid_input,
              std::string(what) + " '" + t->name + "' has no float32 data");
  return {t->floats().begin(), t->floats().end()};
}

// Runs a reorder once, at compile time (weights into the kernel's layout).
dnnl::memory reorder_now(const dnnl::memory& from, const dnnl::memory::desc& to_desc) {
  dnnl::memory to(to_desc, cpu_engine());
  dnnl::stream stream(cpu_engine());
  dnnl::reorder(from, to).execute(stream, const_cast<dnnl::memory&>(from), to);
  stream.wait();
  return to;
}

dnnl::memory memory_from(const dnnl::memory::desc& desc, const void* data) {
  dnnl::memory m(desc, cpu_engine());
  std::memcpy(m.get_data_handle(), data, desc.get_size());
  return m;
}

// Symmetric per-row int8 weights: rows are output channels.
struct QuantizedWeights {
  std::vector<int8_t> codes;
  std::vector<float> scales;
};

QuantizedWeights quantize_rows(const std::vector<float>& w, int64_t rows) {
  const size_t per_row = w.size() / static_cast<size_t>(rows);
  QuantizedWeights q;
  q.codes.resize(w.size());
  q.scales.resize(static_cast<size_t>(rows));
  for (size_t r = 0; r < static_cast<size_t>(rows); ++r) {
    float max_abs = 0.0f;
    for (size_t i = 0; i < per_row; ++i) max_abs = std::max(max_abs, std::abs(w[r * per_row + i]));
    const float scale = max_abs > 0.0f ? max_abs / 127.0f : 1.0f;
    q.scales[r] = scale;
    for (size_t i = 0; i < per_row; ++i)
      q.codes[r * per_row + i] = static_cast<int8_t>(
          std::clamp(std::nearbyint(w[r * per_row + i] / scale), -127.0f, 127.0f));
  }
  return q;
}

// Bias correction (Nagel et al., "Data-Free Quantization", section 4.2):
// coding the weights adds dW . x to every output, whose mean over the
// calibration inputs is dW . E[x] per output channel; subtracting it from
// the bias keeps the outputs' means where the float layer has them, which
// matters most for depthwise layers with few weights per channel. Rows are
// output channels; `means` are the input's per-channel means.
// `taps_read` is the share of a row's weights one output reads (1 for a
// convolution).
void correct_bias(const std::vector<float>& w, const QuantizedWeights& q,
                  const std::vector<float>& means, int64_t groups, float taps_read,
                  std::vector<float>& bias) {
  const size_t rows = bias.size(), per_row = w.size() / rows;
  const size_t in_per_group = means.size() / static_cast<size_t>(groups);
  if (in_per_group == 0 || means.size() % static_cast<size_t>(groups) != 0 ||
      per_row % in_per_group != 0)
    return;
  const size_t spatial = per_row / in_per_group,
               rows_per_group = rows / static_cast<size_t>(groups);
  for (size_t r = 0; r < rows; ++r) {
    const size_t first_input = (r / rows_per_group) * in_per_group;
    double shift = 0.0;
    for (size_t j = 0; j < per_row; ++j) {
      const double dw =
          static_cast<double>(q.codes[r * per_row + j]) * q.scales[r] - w[r * per_row + j];
      shift += dw * means[first_input + j / spatial];
    }
    bias[r] -= static_cast<float>(shift * taps_read);
  }
}

// The integer weights of an INT8 convolution or inner product reading
// `input` coded at `input_scale`: per-row s8 codes, the bias corrected and
// brought to the accumulator's scale, and the per-row output scales.
QuantizedWeights integer_weights(Lowering& l, int input, const std::vector<float>& w,
                                 std::vector<float>& bias, int64_t groups, float input_scale,
                                 float taps_read, dnnl::primitive_attr& attr) {
  const auto rows = static_cast<int64_t>(bias.size());
  QuantizedWeights q = quantize_rows(w, rows);
  if (const std::vector<float>* means = l.channel_means(input))
    correct_bias(w, q, *means, groups, taps_read, bias);
  std::vector<float> scales(static_cast<size_t>(rows));
  for (size_t c = 0; c < scales.size(); ++c) {
    scales[c] = input_scale * q.scales[c];
    bias[c] /= scales[c];  // oneDNN adds the bias before the output scales
  }
  attr.set_output_scales(1 << 1, scales);
  return q;
}

// Reading codes with zero point z, an output accumulates sum w * (x - z):
// z * sum w less per row than the codes give, a constant where no padding
// (code 0, not z) enters the sum. The bias (in accumulator units) absorbs
// it, and the kernel stays oneDNN's fastest, which zero points slow.
void subtract_zero_point(const QuantizedWeights& q, int32_t zero_point, std::vector<float>& bias) {
  const size_t row = q.codes.size() / bias.size();
  for (size_t c = 0; c < bias.size(); ++c) {
    int64_t sum = 0;
    for (size_t i = c * row; i < (c + 1) * row; ++i) sum += q.codes[i];
    bias[c] -= static_cast<float>(zero_point * sum);
  }
}

// A padded convolution reads its source's zero point from oneDNN, which
// pads with it: the argument, set on `attr`.
dnnl::memory zero_point_argument(Lowering& l, dnnl::primitive_attr& attr, int32_t zero_point) {
  attr.set_zero_points(DNNL_ARG_SRC, 0, {DNNL_RUNTIME_S32_VAL});
  const dnnl::memory m = l.new_memory({{1}, dt::s32, tag::a});
  *static_cast<int32_t*>(m.get_data_handle()) = zero_point;
  return m;
}

// What follows a convolution or inner product and folds into it.
struct Epilogue {
  Activation first;
  bool has_first = false;
  int residual = kNoTensor;
  const Node* add = nullptr;  // the residual Add fused
  Activation second;
  bool has_second = false;
  int output = kNoTensor;  // the tensor the fused op finally defines
};

Epilogue match_epilogue(Lowering& l, int out, bool allow_residual) {
  Epilogue e;
  e.output = out;
  const Node* next = l.sole_consumer(out);
  if (next && activation_of(*next, e.first)) {
    e.has_first = true;
    l.mark_fused(*next);
    e.output = next->outputs[0];
    next = l.sole_consumer(e.output);
  }
  if (!allow_residual || !next || next->op != OpType::Add) return e;
  const int other = next->inputs[0] == e.output ? next->inputs[1] : next->inputs[0];
  const Graph& g = l.graph();
  if (other == e.output || g.tensor(other).shape != g.tensor(e.output).shape || !l.has_value(other))
    return e;
  e.residual = other;
  e.add = next;
  l.mark_fused(*next);
  e.output = next->outputs[0];
  next = l.sole_consumer(e.output);
  if (next && activation_of(*next, e.second)) {
    e.has_second = true;
    l.mark_fused(*next);
    e.output = next->outputs[0];
  }
  return e;
}

struct Eltwise {
  dnnl::algorithm alg;
  float alpha, beta;
};

std::vector<Eltwise> eltwise_steps(const Activation& act) {
  std::vector<Eltwise> steps{{act.alg, act.alpha, act.beta}};
  if (act.has_second) steps.push_back({act.second_alg, act.second_alpha, act.second_beta});
  return steps;
}

// Codes the result of `steps` (value / output scale + zero point) by
// rewriting the tail rather than appending a step: a trailing clip moves
// behind the coding with its bounds coded too, and consecutive linear steps
// merge. HardSigmoid (linear, clip) then becomes two steps, where oneDNN
// 2.6's INT8 convolutions computed (linear, clip, linear) wrongly.
void code_output(std::vector<Eltwise>& steps, float output_scale, int32_t zero_point) {
  using dnnl::algorithm;
  const float k = 1.0f / output_scale, z = static_cast<float>(zero_point);
  std::vector<Eltwise> clips;
  while (!steps.empty() && steps.back().alg == algorithm::eltwise_clip) {
    clips.insert(clips.begin(),
                 {algorithm::eltwise_clip, steps.back().alpha * k + z, steps.back().beta * k + z});
    steps.pop_back();
  }
  if (!steps.empty() && steps.back().alg == algorithm::eltwise_linear) {
    steps.back().alpha *= k;
    steps.back().beta = steps.back().beta * k + z;
  } else {
    steps.push_back({algorithm::eltwise_linear, k, z});
  }
  steps.insert(steps.end(), clips.begin(), clips.end());
}

// Builds the post-ops; `residual_scale` is the real value of one residual
// code (1 in float32), `out` the output's codes in INT8.
dnnl::post_ops epilogue_ops(const Epilogue& e, dt residual_type, float residual_scale,
                            const Codes& out, bool int8) {
  dnnl::post_ops ops;
  std::vector<Eltwise> tail;  // the steps after the residual sum, if any
  if (e.has_first) tail = eltwise_steps(e.first);
  if (e.residual != kNoTensor) {
    for (const Eltwise& s : tail) ops.append_eltwise(1.0f, s.alg, s.alpha, s.beta);
    ops.append_sum(residual_scale, 0, int8 ? residual_type : dt::undef);
    tail = e.has_second ? eltwise_steps(e.second) : std::vector<Eltwise>{};
  }
  if (int8) code_output(tail, out.scale, out.zero_point);
  for (const Eltwise& s : tail) ops.append_eltwise(1.0f, s.alg, s.alpha, s.beta);
  return ops;
}

// Output memory of a fused op; with a residual, the residual is first copied
// into it, where the sum post-op reads it. Where this sum is the residual's
// last use and it already sits in the output's layout, type and scale, the
// kernel adds onto it in place instead: no copy of a whole activation per
// residual block.
dnnl::memory output_with_residual(Lowering& l, const Epilogue& e, const dnnl::memory::desc& dst,
                                  const dnnl::memory::desc& residual_desc, float residual_scale) {
  if (e.residual == kNoTensor) return l.new_memory(dst);
  const Value& r = l.value(e.residual);
  if (r.mem.get_desc() == dst && residual_desc == dst && r.scale == residual_scale &&
      r.zero_point == 0 && l.last_read_by(e.residual, *e.add))
    return r.mem;
  dnnl::memory out = l.new_memory(dst);
  const dnnl::memory view(residual_desc, cpu_engine(), out.get_data_handle());
  l.add(make_reorder(r.mem, view, r.scale, residual_scale, r.zero_point, 0),
        {{DNNL_ARG_FROM, r.mem}, {DNNL_ARG_TO, view}});
  return out;
}

void fold_batch_norm(Lowering& l, const Node& bn, std::vector<float>& w, std::vector<float>& b,
                     int64_t out_channels) {
  const Graph& g = l.graph();
  const auto gamma = weight_values(bn, g.input(bn, 1), "scale");
  const auto beta = weight_values(bn, g.input(bn, 2), "bias");
  const auto mean = weight_values(bn, g.input(bn, 3), "mean");
  const auto var = weight_values(bn, g.input(bn, 4), "variance");
  const float eps = bn.attrs.get_float("epsilon", 1e-5f);
  const size_t per_channel = w.size() / static_cast<size_t>(out_channels);
  for (size_t c = 0; c < static_cast<size_t>(out_channels); ++c) {
    const float s = gamma[c] / std::sqrt(var[c] + eps);
    for (size_t i = 0; i < per_channel; ++i) w[c * per_channel + i] *= s;
    b[c] = (b[c] - mean[c]) * s + beta[c];
  }
}

}  // namespace

namespace {

// A ConvTranspose weight (C_in x C_out/group x kernel) rearranged into the
// output-major rows a convolution's weight has (C_out x C_in/group x kernel),
// so that BatchNorm folding and weight coding treat both alike.
std::vector<float> output_major(const std::vector<float>& w, const Shape& ws, int64_t groups) {
  const int64_t in_per_group = ws[0] / groups, out_per_group = ws[1], taps = ws[2] * ws[3];
  std::vector<float> rows(w.size());
  for (int64_t gi = 0; gi < groups; ++gi)
    for (int64_t i = 0; i < in_per_group; ++i)
      for (int64_t o = 0; o < out_per_group; ++o)
        std::memcpy(
            &rows[static_cast<size_t>(((gi * out_per_group + o) * in_per_group + i) * taps)],
            &w[static_cast<size_t>(((gi * in_per_group + i) * out_per_group + o) * taps)],
            static_cast<size_t>(taps) * sizeof(float));
  return rows;
}

// A convolution or transposed convolution primitive and the layouts it
// chose for its operands.
struct WindowKernel {
  dnnl::primitive primitive;
  dnnl::memory::desc src, weights, dst;
};

template <typename Primitive>
WindowKernel window_kernel(dnnl::algorithm alg, const dnnl::memory::desc& src,
                           const dnnl::memory::desc& weights, const dnnl::memory::desc& bias,
                           const dnnl::memory::desc& dst, const dims& stride, const dims& dilate,
                           const dims& pad_l, const dims& pad_r, const dnnl::primitive_attr& attr) {
  const typename Primitive::primitive_desc pd({dnnl::prop_kind::forward_inference, alg, src,
                                               weights, bias, dst, stride, dilate, pad_l, pad_r},
                                              attr, cpu_engine());
  return {Primitive(pd), pd.src_desc(), pd.weights_desc(), pd.dst_desc()};
}

// Winograd where it applies and oneDNN has a kernel for the fusion, the
// direct convolution otherwise.
WindowKernel convolution_kernel(bool winograd, const dnnl::memory::desc& src,
                                const dnnl::memory::desc& weights, const dnnl::memory::desc& bias,
                                const dnnl::memory::desc& dst, const dims& stride,
                                const dims& dilate, const dims& pad_l, const dims& pad_r,
                                const dnnl::primitive_attr& attr) {
  if (winograd) {
    try {
      return window_kernel<dnnl::convolution_forward>(dnnl::algorithm::convolution_winograd, src,
                                                      weights, bias, dst, stride, dilate, pad_l,
                                                      pad_r, attr);
    } catch (const dnnl::error& e) {
      if (e.status != dnnl_unimplemented) throw;
    }
  }
  return window_kernel<dnnl::convolution_forward>(dnnl::algorithm::convolution_direct, src, weights,
                                                  bias, dst, stride, dilate, pad_l, pad_r, attr);
}

// The layout a convolution reads and writes its activations in. INT8
// kernels work on NHWC. Winograd kernels work in 16-channel blocks, so a
// float32 partition that has them runs its other ungrouped convolutions in
// that layout too where the channels come in 16s: mixed with the direct
// kernels' own choice (NHWC) it costs a reorder on each side of every
// Winograd layer. Elsewhere the kernels choose (blocked everywhere is 25%
// slower on the MobileNets, whose depthwise layers prefer NHWC).
tag activation_layout(const Lowering& l, int64_t ic, int64_t oc, int64_t groups) {
  if (l.int8()) return tag::nhwc;
  if (l.has_winograd() && groups == 1 && ic % 16 == 0 && oc % 16 == 0) return tag::nChw16c;
  return tag::any;
}

}  // namespace

// Winograd F(2x2, 3x3) computes a 3x3 stride-1 convolution with 2.25x fewer
// multiplications; oneDNN implements it for float32 (AVX-512), ungrouped and
// undilated. Measured per layer on this project's CPU (DNNL_VERBOSE,
// resnet18 and vgg16): 1.2-2.5x faster than the direct kernel with 64 to 512
// channels on maps of 14x14 to 224x224, but 0.94x on 7x7 maps and 0.36x with
// 3 input channels, so it is used from 16 channels and 14x14 outputs. Whole
// models agree with the direct kernels to 110 dB SQNR or better.
bool winograd_applies(const Graph& g, const Node& node, dt type) {
  if (node.op != OpType::Conv || type != dt::f32) return false;
  const Shape& x = g.tensor(node.inputs[0]).shape;
  const Shape& y = g.output(node).shape;
  const Shape& w = g.tensor(node.inputs[1]).shape;
  const auto ones = std::vector<int64_t>{1, 1};
  return x.size() == 4 && w.size() == 4 && w[2] == 3 && w[3] == 3 &&
         node.attrs.get_int("group", 1) == 1 && node.attrs.get_ints("strides", ones) == ones &&
         node.attrs.get_ints("dilations", ones) == ones && x[1] >= 16 && y[1] >= 16 &&
         y[2] * y[3] >= 14 * 14;
}

// Conv and ConvTranspose: oneDNN's convolution and deconvolution take the
// same operands, fusions and integer kernels.
void lower_conv(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  const bool transposed = node.op == OpType::ConvTranspose;
  const Shape& x = g.tensor(node.inputs[0]).shape;
  const Shape& y = g.output(node).shape;
  if (x.size() != 4)
    node_fail(
        node, ErrorKind::unsupported,
        std::string("only 2-D ") + (transposed ? "transposed " : "") + "convolutions run on CPU");
  const Tensor* wt = g.input(node, 1);
  const Shape& ws = wt->shape;
  const int64_t oc = y[1], ic = x[1], groups = node.attrs.get_int("group", 1);
  std::vector<float> w = weight_values(node, wt, "weight");
  if (transposed) w = output_major(w, ws, groups);
  std::vector<float> bias = weight_values(node, g.input(node, 2), "bias");
  if (bias.empty()) bias.assign(static_cast<size_t>(oc), 0.0f);

  int out = node.outputs[0];
  if (const Node* bn = l.sole_consumer(out); bn && bn->op == OpType::BatchNormalization) {
    fold_batch_norm(l, *bn, w, bias, oc);
    l.mark_fused(*bn);
    out = bn->outputs[0];
  }
  // oneDNN 2.6's integer deconvolutions take no sum post-op: a residual Add
  // after an INT8 ConvTranspose runs on its own, on codes.
  const Epilogue e = match_epilogue(l, out, !(transposed && l.int8()));

  const auto strides = node.attrs.get_ints("strides", {1, 1});
  const auto dil = node.attrs.get_ints("dilations", {1, 1});
  const auto pads = node.attrs.get_ints("pads", {0, 0, 0, 0});
  // The extra rows and columns of output_padding are outputs the right
  // padding no longer removes.
  const auto extra = transposed ? node.attrs.get_ints("output_padding", {0, 0}) : Shape{0, 0};
  const dims stride{strides[0], strides[1]}, dilate{dil[0] - 1, dil[1] - 1};
  const dims pad_l{pads[0], pads[1]}, pad_r{pads[2] - extra[0], pads[3] - extra[1]};
  const dims wdims = groups == 1 ? dims{oc, ic, ws[2], ws[3]}
                                 : dims{groups, oc / groups, ic / groups, ws[2], ws[3]};
  const tag wtag = groups == 1 ? tag::oihw : tag::goihw;

  const bool int8 = l.int8();
  Codes in{l.float_type(), 1.0f, 0}, result{l.result_type(e.output), 1.0f, 0};
  Codes res{l.float_type(), 1.0f, 0};  // the residual's
  QuantizedWeights qw;
  dnnl::primitive_attr attr = partition_attr();
  dnnl::memory src_zero_point;  // oneDNN's, where the source is padded
  if (int8) {
    // oneDNN 2.6's integer deconvolutions take no zero point.
    if (transposed) in = l.codes(node.inputs[0]);
    else in = l.affine_codes(node.inputs[0]);
    result = l.codes_of(l.quant(e.output));
    if (e.residual != kNoTensor) res = l.codes(e.residual);
    // A transposed convolution's output reads, on average over its
    // positions, one in stride_h x stride_w of the weights.
    const float taps_read = transposed ? 1.0f / static_cast<float>(strides[0] * strides[1]) : 1.0f;
    qw = integer_weights(l, node.inputs[0], w, bias, groups, in.scale, taps_read, attr);
    const bool padded = std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; });
    if (in.zero_point != 0 && !padded) subtract_zero_point(qw, in.zero_point, bias);
    else if (in.zero_point != 0) src_zero_point = zero_point_argument(l, attr, in.zero_point);
  }
  attr.set_post_ops(epilogue_ops(e, res.type, res.scale, result, int8));

  const tag act = activation_layout(l, ic, oc, groups);
  const dnnl::memory::desc src_md(to_dims(x), in.type, act), dst_md(to_dims(y), result.type, act);
  const dnnl::memory::desc w_md(wdims, int8 ? dt::s8 : l.float_type(), tag::any);
  const dnnl::memory::desc b_md({oc}, dt::f32, tag::a);
  const WindowKernel k =
      transposed ? window_kernel<dnnl::deconvolution_forward>(dnnl::algorithm::deconvolution_direct,
                                                              src_md, w_md, b_md, dst_md, stride,
                                                              dilate, pad_l, pad_r, attr)
                 : convolution_kernel(winograd_applies(g, node, w_md.data_type()), src_md, w_md,
                                      b_md, dst_md, stride, dilate, pad_l, pad_r, attr);
  const dnnl::memory weights =
      int8 ? reorder_now(memory_from({wdims, dt::s8, wtag}, qw.codes.data()), k.weights)
           : reorder_now(memory_from({wdims, dt::f32, wtag}, w.data()), k.weights);
  const dnnl::memory bias_mem = memory_from(b_md, bias.data());
  const dnnl::memory src = l.converted(node.inputs[0], k.src, in);
  const dnnl::memory::desc res_md =
      int8 ? dnnl::memory::desc(to_dims(y), res.type, tag::nhwc) : k.dst;
  const dnnl::memory dst = output_with_residual(l, e, k.dst, res_md, res.scale);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, src},
                                             {DNNL_ARG_WEIGHTS, weights},
                                             {DNNL_ARG_BIAS, bias_mem},
                                             {DNNL_ARG_DST, dst}};
  if (src_zero_point) args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = src_zero_point;
  l.add(k.primitive, std::move(args));
  l.define(e.output, {dst, result.scale, result.zero_point});
}

namespace {

// out[M, N] = act(x[M, K] . W[N, K]^T + bias) as a oneDNN inner product.
// `out` is the tensor the product (with its bias) defines before any fused
// activation. Where x is a Flatten's view of a 4-D value (lower_view), the
// product reads that value in its own layout, with 4-D weights.
void lower_inner_product(Lowering& l, const Node& node, int x_tensor, int out, std::vector<float> w,
                         std::vector<float> bias, int64_t n, int64_t k) {
  const Graph& g = l.graph();
  const Shape& xs = g.tensor(x_tensor).shape;
  int64_t m = 1;  // rows: every axis but the last
  for (size_t i = 0; i + 1 < xs.size(); ++i) m *= xs[i];
  if (xs.empty() || xs.back() != k)
    node_fail(node, ErrorKind::invalid_input,
              "input rows do not have " + std::to_string(k) + " values");
  if (bias.empty()) bias.assign(static_cast<size_t>(n), 0.0f);
  const Epilogue e = match_epilogue(l, out, false);

  const bool int8 = l.int8();
  Codes in{l.float_type(), 1.0f, 0}, result{l.result_type(e.output), 1.0f, 0};
  QuantizedWeights qw;
  dnnl::primitive_attr attr = partition_attr();
  if (int8) {
    in = l.affine_codes(x_tensor);
    result = l.codes_of(l.quant(e.output));
    qw = integer_weights(l, x_tensor, w, bias, 1, in.scale, 1.0f, attr);
    if (in.zero_point != 0) subtract_zero_point(qw, in.zero_point, bias);
  }
  attr.set_post_ops(epilogue_ops(e, dt::undef, 1.0f, result, int8));

  const Value x = l.value(x_tensor);
  const dnnl::memory::desc x_md = x.mem.get_desc();
  const bool four_d = x_md.dims().size() == 4;
  dnnl::memory src;
  if (four_d) {
    const bool as_is =
        x_md.data_type() == in.type && x.scale == in.scale && x.zero_point == in.zero_point;
    src = as_is ? x.mem
                : l.converted(x_tensor, {x_md.dims(), in.type, int8 ? tag::nhwc : tag::nchw}, in);
  } else {
    // The source in plain layout, viewed as the [M, K] matrix.
    src = dnnl::memory({{m, k}, in.type, tag::ab}, cpu_engine(),
                       l.plain(x_tensor, in.type, in.scale, in.zero_point).get_data_handle());
  }
  // The weights' rows read the source's values in its logical (C, H, W) order.
  const dims w_dims = four_d ? dims{n, x_md.dims()[1], x_md.dims()[2], x_md.dims()[3]} : dims{n, k};
  const tag w_tag = four_d ? tag::oihw : tag::ab;
  const dnnl::memory::desc dst_md({m, n}, result.type, tag::ab);
  const dnnl::memory::desc w_md(w_dims, int8 ? dt::s8 : l.float_type(), tag::any);
  const dnnl::memory::desc b_md({n}, dt::f32, tag::a);
  const dnnl::inner_product_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, src.get_desc(), w_md, b_md, dst_md}, attr, cpu_engine());
  const dnnl::memory weights =
      int8 ? reorder_now(memory_from({w_dims, dt::s8, w_tag}, qw.codes.data()), pd.weights_desc())
           : reorder_now(memory_from({w_dims, dt::f32, w_tag}, w.data()), pd.weights_desc());
  const dnnl::memory bias_mem = memory_from(b_md, bias.data());
  const dnnl::memory dst_plain = l.new_memory(plain_desc(g.tensor(e.output).shape, result.type));
  const dnnl::memory dst(dst_md, cpu_engine(), dst_plain.get_data_handle());
  l.add(dnnl::inner_product_forward(pd), {{DNNL_ARG_SRC, src},
                                          {DNNL_ARG_WEIGHTS, weights},
                                          {DNNL_ARG_BIAS, bias_mem},
                                          {DNNL_ARG_DST, dst}});
  l.define(e.output, {dst_plain, result.scale, result.zero_point});
}

// A constant B of Gemm or MatMul as the [N, K] weight rows an inner product
// takes, scaled by alpha.
std::vector<float> weight_rows(const Node& node, const Tensor& b, bool trans_b, float alpha) {
  const std::vector<float> bw = weight_values(node, &b, "B");
  const int64_t k = trans_b ? b.shape[1] : b.shape[0], n = trans_b ? b.shape[0] : b.shape[1];
  std::vector<float> w(static_cast<size_t>(n * k));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      w[static_cast<size_t>(r * k + c)] =
          alpha * bw[static_cast<size_t>(trans_b ? r * k + c : c * n + r)];
  return w;
}

}  // namespace

namespace {

// A 2-D plain float value viewed as its transpose when `transposed`.
dnnl::memory matrix_view(Lowering& l, int tensor, bool transposed) {
  const Shape& s = l.graph().tensor(tensor).shape;
  const dt type = l.float_type();
  const dnnl::memory plain = l.plain(tensor, type);
  const dnnl::memory::desc md =
      transposed ? dnnl::memory::desc({s[1], s[0]}, type, dims{1, s[1]}) : plain_desc(s, type);
  return dnnl::memory(md, cpu_engine(), plain.get_data_handle());
}

// Any other Gemm (transposed A, B computed, C a matrix): a float matmul,
// alpha as its output scale and beta * C added by a broadcasting post-op.
void lower_general_gemm(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  const float alpha = node.attrs.get_float("alpha", 1.0f),
              beta = node.attrs.get_float("beta", 1.0f);
  const dnnl::memory a = matrix_view(l, node.inputs[0], node.attrs.get_int("transA", 0) != 0);
  const dnnl::memory b = matrix_view(l, node.inputs[1], node.attrs.get_int("transB", 0) != 0);
  const Shape& y = g.output(node).shape;
  const dnnl::memory dst = l.new_memory(plain_desc(y, l.float_type()));
  dnnl::primitive_attr attr = partition_attr();
  if (alpha != 1.0f) attr.set_output_scales(0, {alpha});
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, dst}};
  if (const Tensor* c = g.input(node, 2)) {
    Shape cs = c->shape;
    while (cs.size() < 2) cs.insert(cs.begin(), 1);
    dnnl::memory c_mem;
    if (c->is_initializer()) {
      std::vector<float> values = weight_values(node, c, "C");
      for (float& v : values) v *= beta;
      c_mem = l.new_memory(plain_desc(cs, dt::f32));
      std::memcpy(c_mem.get_data_handle(), values.data(), values.size() * sizeof(float));
    } else if (beta == 1.0f) {
      c_mem = dnnl::memory(plain_desc(cs, dt::f32), cpu_engine(),
                           l.plain_f32(node.inputs[2]).get_data_handle());
    } else {
      node_fail(node, ErrorKind::unsupported,
                "a computed C with beta other than 1 has no CPU kernel");
    }
    dnnl::post_ops ops;
    ops.append_binary(dnnl::algorithm::binary_add, c_mem.get_desc());
    attr.set_post_ops(ops);
    args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = c_mem;
  }
  const dnnl::matmul::primitive_desc pd({a.get_desc(), b.get_desc(), dst.get_desc()}, attr,
                                        cpu_engine());
  l.add(dnnl::matmul(pd), std::move(args));
  l.define(node.outputs[0], {dst, 1.0f});
}

}  // namespace

void lower_gemm(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  // A linear layer is an inner product, with integer kernels in INT8.
  if (!is_linear_gemm(g, node)) return lower_general_gemm(l, node);
  const Tensor* b = g.input(node, 1);
  const Tensor* c = g.input(node, 2);
  const float alpha = node.attrs.get_float("alpha", 1.0f),
              beta = node.attrs.get_float("beta", 1.0f);
  const bool trans_b = node.attrs.get_int("transB", 0) != 0;
  const int64_t k = trans_b ? b->shape[1] : b->shape[0], n = trans_b ? b->shape[0] : b->shape[1];
  std::vector<float> w = weight_rows(node, *b, trans_b, alpha);
  std::vector<float> bias;
  if (c) {
    const auto cv = weight_values(node, c, "C");
    for (int64_t i = 0; i < n; ++i)
      bias.push_back(beta * cv[cv.size() == 1 ? 0 : static_cast<size_t>(i)]);
  }
  lower_inner_product(l, node, node.inputs[0], node.outputs[0], std::move(w), std::move(bias), n,
                      k);
}

void lower_matmul(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  const Tensor* b = g.input(node, 1);
  if (is_linear_matmul(g, node)) {
    int out = node.outputs[0];
    std::vector<float> bias;
    const Node* add = l.sole_consumer(out);
    if (add && is_linear_bias(g, static_cast<size_t>(add - g.nodes.data()))) {
      const int other = add->inputs[0] == out ? add->inputs[1] : add->inputs[0];
      bias = weight_values(*add, &g.tensor(other), "bias");
      l.mark_fused(*add);
      out = add->outputs[0];
    }
    lower_inner_product(l, node, node.inputs[0], out, weight_rows(node, *b, false, 1.0f),
                        std::move(bias), b->shape[1], b->shape[0]);
    return;
  }
  // Otherwise a float matmul (no integer kernel in INT8). ONNX promotes a
  // 1-D A to a row and a 1-D B to a column, then broadcasts batch axes.
  Shape as = g.tensor(node.inputs[0]).shape, bs = b->shape;
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const size_t rank = std::max(as.size(), bs.size());
  while (as.size() < rank) as.insert(as.begin(), 1);
  while (bs.size() < rank) bs.insert(bs.begin(), 1);
  Shape ys(rank);
  for (size_t i = 0; i + 2 < rank; ++i) ys[i] = std::max(as[i], bs[i]);
  ys[rank - 2] = as[rank - 2];
  ys[rank - 1] = bs[rank - 1];
  const dt type = l.float_type();
  const dnnl::memory a_plain = l.plain(node.inputs[0], type),
                     b_plain = l.plain(node.inputs[1], type);
  const dnnl::memory a(plain_desc(as, type), cpu_engine(), a_plain.get_data_handle());
  const dnnl::memory bm(plain_desc(bs, type), cpu_engine(), b_plain.get_data_handle());
  const dnnl::memory dst = l.new_memory(plain_desc(ys, type));
  const dnnl::matmul::primitive_desc pd({a.get_desc(), bm.get_desc(), dst.get_desc()},
                                        partition_attr(), cpu_engine());
  l.add(dnnl::matmul(pd), {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, dst}});
  const dnnl::memory out(plain_desc(g.output(node).shape, type), cpu_engine(),
                         dst.get_data_handle());
  l.define(node.outputs[0], {out, 1.0f});
}

void lower_pool(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  const Shape& x = g.tensor(node.inputs[0]).shape;
  const Shape& y = g.output(node).shape;
  if (x.size() != 4) node_fail(node, ErrorKind::unsupported, "only 2-D pooling runs on CPU");
  dims kernel{x[2], x[3]}, stride{1, 1}, dilate{0, 0}, pad_l{0, 0}, pad_r{0, 0};
  const bool global = node.op == OpType::GlobalAveragePool || node.op == OpType::GlobalMaxPool;
  dnnl::algorithm alg = node.op == OpType::GlobalMaxPool
                            ? dnnl::algorithm::pooling_max
                            : dnnl::algorithm::pooling_avg_exclude_padding;
  std::vector<int64_t> explicit_pads = {0, 0, 0, 0};
  if (!global) {
    const auto k = node.attrs.get_ints("kernel_shape");
    const auto s = node.attrs.get_ints("strides", {1, 1});
    const auto d = node.attrs.get_ints("dilations", {1, 1});
    explicit_pads = node.attrs.get_ints("pads", {0, 0, 0, 0});
    const auto& p = explicit_pads;
    kernel = {k[0], k[1]};
    stride = {s[0], s[1]};
    dilate = {d[0] - 1, d[1] - 1};  // oneDNN counts the gaps
    pad_l = {p[0], p[1]};
    // ceil_mode windows hang over the right edge: extend the right padding
    // so the kernel produces the output size shape inference computed.
    for (int i = 0; i < 2; ++i) {
      const int64_t extent = (kernel[i] - 1) * d[i] + 1;
      pad_r[i] =
          std::max<int64_t>(p[2 + i], (y[2 + i] - 1) * stride[i] + extent - x[2 + i] - pad_l[i]);
    }
    if (node.op == OpType::MaxPool) alg = dnnl::algorithm::pooling_max;
    else if (node.attrs.get_int("count_include_pad", 0) != 0)
      alg = dnnl::algorithm::pooling_avg_include_padding;
  }
  // INT8 pools codes: max and mean commute with the scale and keep the
  // zero point, but for the padding an average counts (code 0).
  dnnl::memory src;
  Codes in{l.float_type(), 1.0f, 0};
  if (l.int8()) {
    if (reads_zero_point(node)) in = l.affine_codes(node.inputs[0]);
    else in = l.codes(node.inputs[0]);
    // oneDNN's integer pooling kernels want channels-last.
    src = l.converted(node.inputs[0], {to_dims(x), in.type, tag::nhwc}, in);
  } else {
    src = l.float_value(node.inputs[0]);
  }
  if (alg == dnnl::algorithm::pooling_avg_include_padding &&
      (pad_r[0] > explicit_pads[2] || pad_r[1] > explicit_pads[3])) {
    // ceil_mode windows hanging past the explicit padding count only the
    // explicit padding (PyTorch, ONNX Runtime), which oneDNN cannot express:
    // pad explicitly with real zeros, then exclude the overhang alone.
    const auto& p = explicit_pads;
    const dnnl::memory::desc padded_md({x[0], x[1], x[2] + p[0] + p[2], x[3] + p[1] + p[3]},
                                       src.get_desc().data_type(),
                                       l.int8() ? tag::nhwc : tag::nchw);
    const dnnl::memory padded = l.new_memory(padded_md);
    std::memset(padded.get_data_handle(), 0, padded_md.get_size());  // the border stays zero
    const dnnl::memory inner(padded_md.submemory_desc(to_dims(x), {0, 0, p[0], p[1]}), cpu_engine(),
                             padded.get_data_handle());
    l.add(make_reorder(src, inner, 1.0f, 1.0f), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, inner}});
    src = padded;
    for (int i = 0; i < 2; ++i) pad_r[i] -= p[2 + i];
    pad_l = {0, 0};
    alg = dnnl::algorithm::pooling_avg_exclude_padding;
  }
  dnnl::primitive_attr attr = partition_attr();
  const Codes out = l.int8() && alg != dnnl::algorithm::pooling_max
                        ? recoded_mean(l, node.outputs[0], in, attr)
                        : in;
  const dnnl::memory::desc dst_md(to_dims(y), src.get_desc().data_type(), tag::any);
  const dnnl::pooling_v2_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, alg, src.get_desc(), dst_md, stride, kernel, dilate,
       pad_l, pad_r},
      attr, cpu_engine());
  const dnnl::memory dst = l.new_memory(pd.dst_desc());
  l.add(dnnl::pooling_v2_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  l.define(node.outputs[0], {dst, out.scale, out.zero_point});
}

void lower_batch_norm(Lowering& l, const Node& node) {
  // A BatchNorm that follows no convolution. In INT8 it runs on s8 codes
  // (oneDNN's integer batch normalization), folding the input and output
  // scales into its parameters:
  //   y/s_out = gamma*s_in/s_out * (c - mean/s_in) / sqrt(var + eps) + beta/s_out
  const Graph& g = l.graph();
  const Shape& x = g.tensor(node.inputs[0]).shape;
  std::vector<float> gamma = weight_values(node, g.input(node, 1), "scale");
  std::vector<float> beta = weight_values(node, g.input(node, 2), "bias");
  std::vector<float> mean = weight_values(node, g.input(node, 3), "mean");
  const std::vector<float> var = weight_values(node, g.input(node, 4), "variance");
  const float eps = node.attrs.get_float("epsilon", 1e-5f);
  const bool on_codes = l.int8() && int8_on_codes(g, node);
  dnnl::memory src;
  float out_scale = 1.0f;
  if (on_codes) {
    // A float input (after a fallback) is coded at its calibrated scale. s8
    // holds half of u8's range: a u8 input is re-coded at twice its scale.
    const Codes in = l.codes(node.inputs[0]);
    const float in_scale = in.type == dt::u8 ? 2.0f * in.scale : in.scale;
    src = l.converted(node.inputs[0], dnnl::memory::desc(to_dims(x), dt::s8, tag::nhwc), in_scale);
    out_scale = scale_spanning(dt::s8, symmetric(l.quant(node.outputs[0])));
    for (size_t c = 0; c < gamma.size(); ++c) {
      gamma[c] *= in_scale / out_scale;
      mean[c] /= in_scale;
      beta[c] /= out_scale;
    }
  } else {
    src = l.float_value(node.inputs[0]);
  }
  const auto flags = dnnl::normalization_flags::use_global_stats |
                     dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  const dnnl::batch_normalization_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, src.get_desc(), eps, flags}, partition_attr(),
      cpu_engine());
  auto channel_memory = [&](const std::vector<float>& values) {
    return memory_from({{x.at(1)}, dt::f32, tag::a}, values.data());
  };
  const dnnl::memory dst = l.new_memory(pd.dst_desc());
  l.add(dnnl::batch_normalization_forward(pd), {{DNNL_ARG_SRC, src},
                                                {DNNL_ARG_MEAN, channel_memory(mean)},
                                                {DNNL_ARG_VARIANCE, channel_memory(var)},
                                                {DNNL_ARG_SCALE, channel_memory(gamma)},
                                                {DNNL_ARG_SHIFT, channel_memory(beta)},
                                                {DNNL_ARG_DST, dst}});
  l.define(node.outputs[0], {dst, out_scale});
}

// LayerNormalization over the axes from `axis` on, as oneDNN's layer
// normalization over the rows of the tensor viewed as a matrix. Its INT8
// form reads and writes float32 (listed): the statistics of a row are not
// a function of one code.
void lower_layer_norm(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  const Shape& x = g.tensor(node.inputs[0]).shape;
  const auto rank = static_cast<int64_t>(x.size());
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += rank;
  int64_t rows = 1, width = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? rows : width) *= x[static_cast<size_t>(d)];
  const Shape normalized(x.begin() + axis, x.end());
  // Scale and B broadcast against the normalized axes: one value per column.
  auto per_column = [&](int slot, float absent) {
    const Tensor* t = g.input(node, static_cast<size_t>(slot));
    if (!t) return std::vector<float>(static_cast<size_t>(width), absent);
    const std::vector<float> v = weight_values(node, t, slot == 1 ? "scale" : "bias");
    Shape s = t->shape;
    while (s.size() < normalized.size()) s.insert(s.begin(), 1);
    std::vector<float> columns(static_cast<size_t>(width));
    for (int64_t c = 0; c < width; ++c) {
      int64_t rest = c, from = 0, stride = 1;
      for (size_t d = normalized.size(); d-- > 0;) {
        const int64_t i = rest % normalized[d];
        rest /= normalized[d];
        if (s[d] != 1) from += i * stride;
        stride *= s[d];
      }
      columns[static_cast<size_t>(c)] = v[static_cast<size_t>(from)];
    }
    return columns;
  };
  const dt type = l.int8() ? dt::f32 : l.float_type();
  const dnnl::memory plain = l.plain(node.inputs[0], type);
  const dnnl::memory::desc matrix({rows, width}, type, tag::ab);
  const dnnl::memory src(matrix, cpu_engine(), plain.get_data_handle());
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  const dnnl::layer_normalization_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, matrix, node.attrs.get_float("epsilon", 1e-5f), flags},
      partition_attr(), cpu_engine());
  auto column_memory = [&](const std::vector<float>& values) {
    return memory_from({{width}, dt::f32, tag::a}, values.data());
  };
  const dnnl::memory normalized_rows = l.new_memory(pd.dst_desc());
  l.add(dnnl::layer_normalization_forward(pd),
        {{DNNL_ARG_SRC, src},
         {DNNL_ARG_SCALE, column_memory(per_column(1, 1.0f))},
         {DNNL_ARG_SHIFT, column_memory(per_column(2, 0.0f))},
         {DNNL_ARG_DST, normalized_rows}});
  l.define(
      node.outputs[0],
      {dnnl::memory(plain_desc(x, type), cpu_engine(), normalized_rows.get_data_handle()), 1.0f});
}

}  // namespace splitinfer::cpu
