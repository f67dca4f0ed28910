// The naive reference interpreter: see reference_interpreter.h. Every op is a
// direct transcription of its ONNX definition into index loops; speed only
// matters enough that a ResNet18 forward pass takes a few seconds.
#include "support/reference_interpreter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>

namespace splitinfer::ref {

namespace {

using Ints = std::vector<int64_t>;

struct Array {
  Shape shape;
  std::vector<float> v;
};

// An operand: a computed value or an initializer's data, read in place.
struct View {
  Shape shape;
  std::span<const float> v;
};

int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

Ints strides_of(const Shape& s) {
  Ints st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// Calls f(index) for every multi-index of `shape` in row-major order.
template <typename F>
void for_each_index(const Shape& shape, F f) {
  const int64_t total = count(shape);
  Ints idx(shape.size(), 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    f(idx, flat);
    for (size_t a = shape.size(); a-- > 0;) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
}

class Interpreter {
 public:
  explicit Interpreter(const Graph& g) : g_(g) {}

  std::unordered_map<int, std::vector<float>> run(const std::vector<float>& input) {
    if (g_.inputs.size() != 1) throw std::runtime_error("reference: the graph needs one input");
    const Tensor& in = g_.tensor(g_.inputs[0]);
    if (static_cast<int64_t>(input.size()) != count(in.shape))
      throw std::runtime_error("reference: input has " + std::to_string(input.size()) +
                               " values, the graph input " + str(in.shape) + " needs " +
                               std::to_string(count(in.shape)));
    values_[g_.inputs[0]] = {in.shape, input};
    for (const Node& node : g_.nodes) {
      node_ = &node;
      std::vector<Array> outs = eval(node);
      if (outs.size() != node.outputs.size()) fail("produced the wrong number of outputs");
      for (size_t i = 0; i < outs.size(); ++i) {
        const Tensor& t = g_.tensor(node.outputs[i]);
        if (t.shape_known && t.shape != outs[i].shape)
          fail("output " + std::to_string(i) + " has shape " + str(outs[i].shape) +
               " by the reference, " + str(t.shape) + " in the IR");
        values_[node.outputs[i]] = std::move(outs[i]);
      }
    }
    std::unordered_map<int, std::vector<float>> result;
    for (auto& [id, a] : values_) result[id] = std::move(a.v);
    return result;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("reference: node '" + node_->name + "' (" +
                             std::string(op_name(node_->op)) + "): " + why);
  }

  bool has(size_t slot) const {
    return slot < node_->inputs.size() && node_->inputs[slot] != kNoTensor;
  }

  // Input `slot` of the current node: a computed value or initializer data.
  View in(size_t slot) {
    if (!has(slot)) fail("input " + std::to_string(slot) + " is missing");
    const int id = node_->inputs[slot];
    if (auto it = values_.find(id); it != values_.end()) return {it->second.shape, it->second.v};
    const Tensor& t = g_.tensor(id);
    if (!t.is_initializer()) fail("input '" + t.name + "' is used before it is computed");
    if (!t.has_data() || t.dtype != DType::f32)
      fail("initializer '" + t.name + "' has no float data");
    if (count(t.shape) != static_cast<int64_t>(t.floats().size()))
      fail("initializer '" + t.name + "' holds the wrong number of values");
    return {t.shape, t.floats()};
  }

  static Array copy(const View& x) { return {x.shape, {x.v.begin(), x.v.end()}}; }

  const Attributes& attrs() const { return node_->attrs; }

  int64_t norm_axis(int64_t axis, int64_t rank) const {
    if (axis < -rank || axis >= rank) fail("axis " + std::to_string(axis) + " out of range");
    return axis < 0 ? axis + rank : axis;
  }

  std::vector<Array> eval(const Node& node) {
    switch (node.op) {
      case OpType::Conv: return {conv()};
      case OpType::BatchNormalization: return {batch_norm()};
      case OpType::Relu: return {unary([](double x) { return x > 0 ? x : 0.0; })};
      case OpType::Clip: {
        const double lo = attrs().get_float("min", -std::numeric_limits<float>::infinity());
        const double hi = attrs().get_float("max", std::numeric_limits<float>::infinity());
        return {unary([=](double x) { return std::min(std::max(x, lo), hi); })};
      }
      case OpType::LeakyRelu: {
        const double alpha = attrs().get_float("alpha", 0.01f);
        return {unary([=](double x) { return x >= 0 ? x : alpha * x; })};
      }
      case OpType::Sigmoid: return {unary([](double x) { return 1.0 / (1.0 + std::exp(-x)); })};
      case OpType::Tanh: return {unary([](double x) { return std::tanh(x); })};
      case OpType::HardSigmoid: {
        const double alpha = attrs().get_float("alpha", 0.2f);
        const double beta = attrs().get_float("beta", 0.5f);
        return {unary([=](double x) { return std::max(0.0, std::min(1.0, alpha * x + beta)); })};
      }
      case OpType::HardSwish:
        return {unary([](double x) { return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5)); })};
      case OpType::Dropout:
      case OpType::Identity: return {copy(in(0))};
      case OpType::MaxPool:
      case OpType::AveragePool: return {pool(node.op == OpType::MaxPool)};
      case OpType::GlobalAveragePool: return {global_pool(false)};
      case OpType::GlobalMaxPool: return {global_pool(true)};
      case OpType::Add: return {binary([](double a, double b) { return a + b; })};
      case OpType::Sub: return {binary([](double a, double b) { return a - b; })};
      case OpType::Mul: return {binary([](double a, double b) { return a * b; })};
      case OpType::Div: return {binary([](double a, double b) { return a / b; })};
      case OpType::Sqrt: return {unary([](double x) { return std::sqrt(x); })};
      case OpType::Pow: {
        const double exponent = attrs().get_float("exponent", 1.0f);
        return {unary([=](double x) { return std::pow(x, exponent); })};
      }
      case OpType::Concat: return {concat()};
      case OpType::Flatten: return {flatten()};
      case OpType::Reshape: return {reshape()};
      case OpType::Transpose: return {transpose()};
      case OpType::Gemm: return {gemm()};
      case OpType::MatMul: return {matmul()};
      case OpType::Softmax: return {softmax()};
      case OpType::Pad: return {pad()};
      case OpType::Slice: return {slice()};
      case OpType::Split: return split();
      case OpType::ReduceMean: return {reduce_mean()};
      case OpType::Squeeze: return {squeeze()};
      case OpType::Unsqueeze: return {unsqueeze()};
      case OpType::Erf: return {unary([](double x) { return std::erf(x); })};
      case OpType::ConvTranspose: return {conv_transpose()};
      case OpType::Resize: return {resize()};
      case OpType::Expand: return {expand()};
      case OpType::LayerNormalization: return {layer_norm()};
    }
    fail("no reference implementation");
  }

  template <typename F>
  Array unary(F f) {
    const View x = in(0);
    Array y{x.shape, std::vector<float>(x.v.size())};
    for (size_t i = 0; i < x.v.size(); ++i)
      y.v[i] = static_cast<float>(f(static_cast<double>(x.v[i])));
    return y;
  }

  // --- Conv ---------------------------------------------------------------
  Array conv() {
    const View x = in(0);
    const View w = in(1);
    if (x.shape.size() != 4 || w.shape.size() != 4)
      fail("the reference handles 2-D convolution only");
    if (attrs().has("auto_pad") && attrs().get_string("auto_pad") != "NOTSET")
      fail("auto_pad must be resolved into pads by validate()");
    const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
    const int64_t M = w.shape[0], CG = w.shape[1], KH = w.shape[2], KW = w.shape[3];
    const int64_t group = attrs().get_int("group", 1);
    if (group < 1 || C % group != 0 || M % group != 0 || CG * group != C)
      fail("channels " + std::to_string(C) + " and weight " + str(w.shape) + " do not fit group " +
           std::to_string(group));
    const Ints st = attrs().get_ints("strides", {1, 1});
    const Ints dl = attrs().get_ints("dilations", {1, 1});
    const Ints pd = attrs().get_ints("pads", {0, 0, 0, 0});
    if (st.size() != 2 || dl.size() != 2 || pd.size() != 4) fail("bad strides, dilations or pads");
    const int64_t OH = (H + pd[0] + pd[2] - (dl[0] * (KH - 1) + 1)) / st[0] + 1;
    const int64_t OW = (W + pd[1] + pd[3] - (dl[1] * (KW - 1) + 1)) / st[1] + 1;
    if (OH < 1 || OW < 1) fail("empty output");
    const std::optional<View> b = has(2) ? std::optional<View>(in(2)) : std::nullopt;
    if (b && b->shape != Shape{M}) fail("bias shape " + str(b->shape));
    Array y{{N, M, OH, OW}, std::vector<float>(static_cast<size_t>(N * M * OH * OW))};
    const int64_t MG = M / group;
    std::vector<double> acc(static_cast<size_t>(OH * OW));
    for (int64_t n = 0; n < N; ++n)
      for (int64_t m = 0; m < M; ++m) {
        const int64_t g = m / MG;
        std::fill(acc.begin(), acc.end(), b ? static_cast<double>(b->v[m]) : 0.0);
        for (int64_t cg = 0; cg < CG; ++cg) {
          const int64_t c = g * CG + cg;
          const float* xc = &x.v[static_cast<size_t>((n * C + c) * H * W)];
          for (int64_t kh = 0; kh < KH; ++kh)
            for (int64_t kw = 0; kw < KW; ++kw) {
              const double wv = w.v[static_cast<size_t>(((m * CG + cg) * KH + kh) * KW + kw)];
              // Output columns whose input column lies inside the image.
              int64_t ow_lo = 0, ow_hi = OW;
              while (ow_lo < OW && ow_lo * st[1] - pd[1] + kw * dl[1] < 0) ++ow_lo;
              while (ow_hi > ow_lo && (ow_hi - 1) * st[1] - pd[1] + kw * dl[1] >= W) --ow_hi;
              for (int64_t oh = 0; oh < OH; ++oh) {
                const int64_t ih = oh * st[0] - pd[0] + kh * dl[0];
                if (ih < 0 || ih >= H) continue;
                const float* row = xc + ih * W - pd[1] + kw * dl[1];
                double* out = &acc[static_cast<size_t>(oh * OW)];
                for (int64_t ow = ow_lo; ow < ow_hi; ++ow)
                  out[ow] += wv * static_cast<double>(row[ow * st[1]]);
              }
            }
        }
        float* dst = &y.v[static_cast<size_t>((n * M + m) * OH * OW)];
        for (int64_t i = 0; i < OH * OW; ++i)
          dst[i] = static_cast<float>(acc[static_cast<size_t>(i)]);
      }
    return y;
  }

  // --- ConvTranspose ---------------------------------------------------------
  // Every input element scatters x * w into the outputs its kernel covers.
  Array conv_transpose() {
    const View x = in(0);
    const View w = in(1);
    if (x.shape.size() != 4 || w.shape.size() != 4)
      fail("the reference handles 2-D transposed convolution only");
    const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
    const int64_t group = attrs().get_int("group", 1);
    const int64_t CG = C / group, MG = w.shape[1], KH = w.shape[2], KW = w.shape[3];
    const int64_t M = MG * group;
    if (w.shape[0] != C) fail("weight " + str(w.shape) + " for " + std::to_string(C) + " channels");
    const Ints st = attrs().get_ints("strides", {1, 1});
    const Ints dl = attrs().get_ints("dilations", {1, 1});
    const Ints pd = attrs().get_ints("pads", {0, 0, 0, 0});
    const Ints op = attrs().get_ints("output_padding", {0, 0});
    const int64_t OH = st[0] * (H - 1) + op[0] + dl[0] * (KH - 1) + 1 - pd[0] - pd[2];
    const int64_t OW = st[1] * (W - 1) + op[1] + dl[1] * (KW - 1) + 1 - pd[1] - pd[3];
    std::vector<double> acc(static_cast<size_t>(N * M * OH * OW), 0.0);
    if (has(2))
      for (int64_t i = 0; i < N * M * OH * OW; ++i)
        acc[static_cast<size_t>(i)] = in(2).v[static_cast<size_t>((i / (OH * OW)) % M)];
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t ih = 0; ih < H; ++ih)
          for (int64_t iw = 0; iw < W; ++iw) {
            const double xv = x.v[static_cast<size_t>(((n * C + c) * H + ih) * W + iw)];
            for (int64_t m = 0; m < MG; ++m)
              for (int64_t kh = 0; kh < KH; ++kh)
                for (int64_t kw = 0; kw < KW; ++kw) {
                  const int64_t oh = ih * st[0] - pd[0] + kh * dl[0];
                  const int64_t ow = iw * st[1] - pd[1] + kw * dl[1];
                  if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                  const int64_t out_c = (c / CG) * MG + m;
                  acc[static_cast<size_t>(((n * M + out_c) * OH + oh) * OW + ow)] +=
                      xv * w.v[static_cast<size_t>(((c * MG + m) * KH + kh) * KW + kw)];
                }
          }
    return {{N, M, OH, OW}, std::vector<float>(acc.begin(), acc.end())};
  }

  // --- Resize (ONNX's definition, one output element at a time) -------------
  Array resize() {
    const View x = in(0);
    const size_t rank = x.shape.size();
    const Ints sizes = attrs().get_ints("sizes");
    const std::vector<float> given = attrs().get_floats("scales");
    Shape ys(rank);
    std::vector<double> scale(rank);
    for (size_t d = 0; d < rank; ++d) {
      ys[d] = sizes.empty() ? static_cast<int64_t>(std::floor(x.shape[d] * double{given[d]}))
                            : sizes[d];
      scale[d] = sizes.empty() ? given[d] : static_cast<double>(ys[d]) / x.shape[d];
    }
    const std::string mode = attrs().get_string("mode", "nearest");
    const std::string ctm = attrs().get_string("coordinate_transformation_mode", "half_pixel");
    const std::string nearest = attrs().get_string("nearest_mode", "round_prefer_floor");
    const double a = attrs().get_float("cubic_coeff_a", -0.75f);
    const bool exclude = attrs().get_int("exclude_outside", 0) != 0;
    // The input coordinate of output index o along axis d.
    auto origin = [&](size_t d, int64_t o) {
      const double len = x.shape[d] * scale[d];
      if (ctm == "asymmetric") return o / scale[d];
      if (ctm == "align_corners") return len == 1 ? 0.0 : o * (x.shape[d] - 1.0) / (len - 1);
      if (ctm == "tf_half_pixel_for_nearest" || ctm == "tf_half_pixel_for_nn")
        return (o + 0.5) / scale[d];
      if (ctm == "pytorch_half_pixel" && len <= 1) return 0.0;
      return (o + 0.5) / scale[d] - 0.5;
    };
    // (index, weight) pairs of one axis, indices clamped to the edge.
    auto taps = [&](size_t d, int64_t o) {
      const double c = origin(d, o);
      const int64_t n = x.shape[d];
      std::vector<std::pair<int64_t, double>> t;
      if (mode == "nearest") {
        const double f = std::floor(c);
        int64_t i = static_cast<int64_t>(std::round(c));
        if (c - f == 0.5) i = static_cast<int64_t>(nearest == "round_prefer_ceil" ? f + 1 : f);
        if (nearest == "floor") i = static_cast<int64_t>(f);
        if (nearest == "ceil") i = static_cast<int64_t>(std::ceil(c));
        t.push_back({std::clamp<int64_t>(i, 0, n - 1), 1.0});
        return t;
      }
      const int64_t f = static_cast<int64_t>(std::floor(c));
      const double r = c - std::floor(c);
      auto keys = [&](double s) {
        s = std::abs(s);
        if (s <= 1) return ((a + 2) * s - (a + 3)) * s * s + 1;
        if (s < 2) return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a;
        return 0.0;
      };
      for (int64_t i = (mode == "cubic" ? f - 1 : f); i <= (mode == "cubic" ? f + 2 : f + 1); ++i) {
        const double wgt = mode == "cubic" ? keys(c - i) : 1 - std::abs(c - i);
        if (exclude && (i < 0 || i >= n)) continue;
        t.push_back({std::clamp<int64_t>(i, 0, n - 1), wgt});
      }
      double total = 0;
      for (const auto& p : t) total += p.second;
      for (auto& p : t) p.second /= total;
      return t;
    };
    const Ints sx = strides_of(x.shape);
    Array y{ys, std::vector<float>(static_cast<size_t>(count(ys)))};
    for_each_index(ys, [&](const Ints& idx, int64_t flat) {
      int64_t base = 0;
      for (size_t d = 0; d + 2 < rank; ++d) base += idx[d] * sx[d];
      double sum = 0;
      for (const auto& [r, wr] : taps(rank - 2, idx[rank - 2]))
        for (const auto& [c, wc] : taps(rank - 1, idx[rank - 1]))
          sum += wr * wc * x.v[static_cast<size_t>(base + r * sx[rank - 2] + c)];
      y.v[static_cast<size_t>(flat)] = static_cast<float>(sum);
    });
    return y;
  }

  Array expand() {
    const View x = in(0);
    const Shape ys = broadcast(x.shape, attrs().get_ints("shape"));
    const Ints sx = strides_of(x.shape);
    Array y{ys, std::vector<float>(static_cast<size_t>(count(ys)))};
    for_each_index(ys, [&](const Ints& idx, int64_t flat) {
      y.v[static_cast<size_t>(flat)] = x.v[static_cast<size_t>(broadcast_offset(x.shape, sx, idx))];
    });
    return y;
  }

  // --- LayerNormalization ------------------------------------------------------
  Array layer_norm() {
    const View x = in(0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    const int64_t axis = norm_axis(attrs().get_int("axis", -1), rank);
    const Shape inner_shape(x.shape.begin() + axis, x.shape.end());
    const int64_t inner = count(inner_shape), outer = count(x.shape) / inner;
    const double eps = attrs().get_float("epsilon", 1e-5f);
    const View scale = in(1);
    const std::optional<View> bias = has(2) ? std::optional<View>(in(2)) : std::nullopt;
    const Ints s_scale = strides_of(scale.shape);
    const Ints s_bias = bias ? strides_of(bias->shape) : Ints{};
    Array y{x.shape, std::vector<float>(x.v.size())};
    for (int64_t o = 0; o < outer; ++o) {
      const float* row = &x.v[static_cast<size_t>(o * inner)];
      double mean = 0, var = 0;
      for (int64_t i = 0; i < inner; ++i) mean += row[i];
      mean /= inner;
      for (int64_t i = 0; i < inner; ++i) var += (row[i] - mean) * (row[i] - mean);
      var /= inner;
      for_each_index(inner_shape, [&](const Ints& idx, int64_t i) {
        double v = (row[i] - mean) / std::sqrt(var + eps);
        v *= scale.v[static_cast<size_t>(broadcast_offset(scale.shape, s_scale, idx))];
        if (bias) v += bias->v[static_cast<size_t>(broadcast_offset(bias->shape, s_bias, idx))];
        y.v[static_cast<size_t>(o * inner + i)] = static_cast<float>(v);
      });
    }
    return y;
  }

  // --- BatchNormalization (inference) --------------------------------------
  Array batch_norm() {
    const View x = in(0);
    const View scale = in(1), bias = in(2), mean = in(3), var = in(4);
    if (x.shape.size() < 2) fail("input rank < 2");
    const int64_t C = x.shape[1];
    for (const View* p : {&scale, &bias, &mean, &var})
      if (p->shape != Shape{C}) fail("parameter shape " + str(p->shape));
    const double eps = attrs().get_float("epsilon", 1e-5f);
    int64_t inner = 1;
    for (size_t i = 2; i < x.shape.size(); ++i) inner *= x.shape[i];
    Array y{x.shape, std::vector<float>(x.v.size())};
    for (int64_t n = 0; n < x.shape[0]; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < inner; ++i) {
          const size_t at = static_cast<size_t>((n * C + c) * inner + i);
          const double norm = (static_cast<double>(x.v[at]) - mean.v[c]) /
                              std::sqrt(static_cast<double>(var.v[c]) + eps);
          y.v[at] = static_cast<float>(norm * scale.v[c] + bias.v[c]);
        }
    return y;
  }

  // --- MaxPool / AveragePool -----------------------------------------------
  Array pool(bool is_max) {
    const View x = in(0);
    if (x.shape.size() != 4) fail("the reference handles 2-D pooling only");
    if (attrs().has("auto_pad") && attrs().get_string("auto_pad") != "NOTSET")
      fail("auto_pad must be resolved into pads by validate()");
    const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
    const Ints k = attrs().get_ints("kernel_shape");
    const Ints st = attrs().get_ints("strides", {1, 1});
    const Ints dl = attrs().get_ints("dilations", {1, 1});
    const Ints pd = attrs().get_ints("pads", {0, 0, 0, 0});
    const bool ceil_mode = attrs().get_int("ceil_mode", 0) != 0;
    const bool include_pad = attrs().get_int("count_include_pad", 0) != 0;
    if (k.size() != 2 || st.size() != 2 || dl.size() != 2 || pd.size() != 4)
      fail("bad kernel_shape, strides, dilations or pads");
    const int64_t dims[2] = {H, W};
    int64_t out[2];
    for (int a = 0; a < 2; ++a) {
      const int64_t span = dims[a] + pd[a] + pd[a + 2] - (dl[a] * (k[a] - 1) + 1);
      if (span < 0) fail("window larger than the padded input");
      out[a] = (ceil_mode ? (span + st[a] - 1) / st[a] : span / st[a]) + 1;
      // The last window must start inside the input or its left padding.
      if (ceil_mode && (out[a] - 1) * st[a] >= dims[a] + pd[a]) --out[a];
    }
    const int64_t OH = out[0], OW = out[1];
    Array y{{N, C, OH, OW}, std::vector<float>(static_cast<size_t>(N * C * OH * OW))};
    for (int64_t nc = 0; nc < N * C; ++nc) {
      const float* xc = &x.v[static_cast<size_t>(nc * H * W)];
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
          int64_t valid = 0, padded = 0;
          for (int64_t kh = 0; kh < k[0]; ++kh)
            for (int64_t kw = 0; kw < k[1]; ++kw) {
              const int64_t ih = oh * st[0] - pd[0] + kh * dl[0];
              const int64_t iw = ow * st[1] - pd[1] + kw * dl[1];
              // Taps inside the explicitly padded input (not the ceil overhang).
              if (ih >= -pd[0] && ih < H + pd[2] && iw >= -pd[1] && iw < W + pd[3]) ++padded;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              const double v = xc[ih * W + iw];
              best = std::max(best, v);
              sum += v;
              ++valid;
            }
          if (valid == 0) fail("a window covers no input element");
          const double r = is_max ? best : sum / static_cast<double>(include_pad ? padded : valid);
          y.v[static_cast<size_t>((nc * OH + oh) * OW + ow)] = static_cast<float>(r);
        }
    }
    return y;
  }

  Array global_pool(bool max) {
    const View x = in(0);
    if (x.shape.size() < 3) fail("input rank < 3");
    int64_t inner = 1;
    for (size_t i = 2; i < x.shape.size(); ++i) inner *= x.shape[i];
    Shape ys = x.shape;
    std::fill(ys.begin() + 2, ys.end(), 1);
    Array y{ys, std::vector<float>(static_cast<size_t>(x.shape[0] * x.shape[1]))};
    for (int64_t nc = 0; nc < x.shape[0] * x.shape[1]; ++nc) {
      double s = max ? -INFINITY : 0.0;
      for (int64_t i = 0; i < inner; ++i) {
        const double v = x.v[static_cast<size_t>(nc * inner + i)];
        s = max ? std::max(s, v) : s + v;
      }
      y.v[static_cast<size_t>(nc)] = static_cast<float>(max ? s : s / static_cast<double>(inner));
    }
    return y;
  }

  // --- Broadcasting binary ops ----------------------------------------------
  Shape broadcast(const Shape& a, const Shape& b) const {
    const size_t r = std::max(a.size(), b.size());
    Shape out(r);
    for (size_t i = 0; i < r; ++i) {
      const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
      const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
      if (da != db && da != 1 && db != 1) fail(str(a) + " and " + str(b) + " do not broadcast");
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  // Flat index into an operand of shape `s` for the output index `idx`
  // (right-aligned, size-1 axes repeat).
  static int64_t broadcast_offset(const Shape& s, const Ints& s_strides, const Ints& idx) {
    const size_t lead = idx.size() - s.size();
    int64_t off = 0;
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] != 1) off += idx[lead + i] * s_strides[i];
    return off;
  }

  template <typename F>
  Array binary(F f) {
    const View a = in(0);
    const View b = in(1);
    const Shape ys = broadcast(a.shape, b.shape);
    const Ints sa = strides_of(a.shape), sb = strides_of(b.shape);
    Array y{ys, std::vector<float>(static_cast<size_t>(count(ys)))};
    for_each_index(ys, [&](const Ints& idx, int64_t flat) {
      const double va = a.v[static_cast<size_t>(broadcast_offset(a.shape, sa, idx))];
      const double vb = b.v[static_cast<size_t>(broadcast_offset(b.shape, sb, idx))];
      y.v[static_cast<size_t>(flat)] = static_cast<float>(f(va, vb));
    });
    return y;
  }

  // --- Layout ops -------------------------------------------------------------
  Array concat() {
    if (!attrs().has("axis")) fail("axis is required");
    const View first = in(0);
    const int64_t rank = static_cast<int64_t>(first.shape.size());
    const int64_t axis = norm_axis(attrs().get_int("axis", 0), rank);
    Shape ys = first.shape;
    ys[axis] = 0;
    for (size_t i = 0; i < node_->inputs.size(); ++i) {
      const Shape s = in(i).shape;
      if (static_cast<int64_t>(s.size()) != rank) fail("ranks differ");
      for (int64_t d = 0; d < rank; ++d)
        if (d != axis && s[d] != first.shape[d]) fail("shapes differ off the axis");
      ys[axis] += s[axis];
    }
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= ys[d];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= ys[d];
    Array y{ys, {}};
    y.v.reserve(static_cast<size_t>(count(ys)));
    for (int64_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < node_->inputs.size(); ++i) {
        const View p = in(i);
        const int64_t chunk = p.shape[axis] * inner;
        y.v.insert(y.v.end(), p.v.begin() + o * chunk, p.v.begin() + (o + 1) * chunk);
      }
    return y;
  }

  Array flatten() {
    const View x = in(0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    int64_t axis = attrs().get_int("axis", 1);
    if (axis < -rank || axis > rank) fail("axis out of range");
    if (axis < 0) axis += rank;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= x.shape[d];
    return {{outer, inner}, copy(x).v};
  }

  Array reshape() {
    const View x = in(0);
    if (!attrs().has("shape")) fail("shape attribute missing");
    Shape ys = attrs().get_ints("shape");
    int64_t known = 1;
    int infer = -1;
    for (size_t d = 0; d < ys.size(); ++d) {
      if (ys[d] == 0) ys[d] = x.shape.at(d);  // allowzero = 0: copy the input dimension
      if (ys[d] == -1) {
        if (infer >= 0) fail("two -1 dimensions");
        infer = static_cast<int>(d);
      } else {
        known *= ys[d];
      }
    }
    if (infer >= 0) ys[static_cast<size_t>(infer)] = count(x.shape) / known;
    if (count(ys) != count(x.shape)) fail("cannot reshape " + str(x.shape) + " to " + str(ys));
    return {ys, copy(x).v};
  }

  Array squeeze() {
    const View x = in(0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    std::vector<bool> drop(x.shape.size(), false);
    const Ints axes = attrs().get_ints("axes");
    if (axes.empty())
      for (size_t d = 0; d < x.shape.size(); ++d) drop[d] = x.shape[d] == 1;
    for (int64_t a : axes) {
      const int64_t d = norm_axis(a, rank);
      if (x.shape[d] != 1) fail("cannot squeeze a non-1 axis");
      drop[d] = true;
    }
    Shape ys;
    for (size_t d = 0; d < x.shape.size(); ++d)
      if (!drop[d]) ys.push_back(x.shape[d]);
    return {ys, copy(x).v};
  }

  Array unsqueeze() {
    const View x = in(0);
    const Ints axes = attrs().get_ints("axes");
    const int64_t rank = static_cast<int64_t>(x.shape.size() + axes.size());
    std::vector<bool> inserted(static_cast<size_t>(rank), false);
    for (int64_t a : axes) inserted[norm_axis(a, rank)] = true;
    Shape ys;
    size_t next = 0;
    for (int64_t d = 0; d < rank; ++d) ys.push_back(inserted[d] ? 1 : x.shape.at(next++));
    if (next != x.shape.size()) fail("axes repeat");
    return {ys, copy(x).v};
  }

  Array transpose() {
    const View x = in(0);
    const size_t rank = x.shape.size();
    Ints perm = attrs().get_ints("perm");
    if (perm.empty())
      for (size_t i = rank; i-- > 0;) perm.push_back(static_cast<int64_t>(i));
    if (perm.size() != rank) fail("perm length");
    Shape ys(rank);
    for (size_t d = 0; d < rank; ++d)
      ys[d] = x.shape[norm_axis(perm[d], static_cast<int64_t>(rank))];
    const Ints sx = strides_of(x.shape);
    Array y{ys, std::vector<float>(x.v.size())};
    for_each_index(ys, [&](const Ints& idx, int64_t flat) {
      int64_t from = 0;
      for (size_t d = 0; d < rank; ++d)
        from += idx[d] * sx[norm_axis(perm[d], static_cast<int64_t>(rank))];
      y.v[static_cast<size_t>(flat)] = x.v[static_cast<size_t>(from)];
    });
    return y;
  }

  // --- Gemm / MatMul ------------------------------------------------------------
  Array gemm() {
    const View a = in(0);
    const View b = in(1);
    if (a.shape.size() != 2 || b.shape.size() != 2) fail("A and B must be matrices");
    const bool ta = attrs().get_int("transA", 0) != 0, tb = attrs().get_int("transB", 0) != 0;
    const double alpha = attrs().get_float("alpha", 1.0f), beta = attrs().get_float("beta", 1.0f);
    const int64_t M = ta ? a.shape[1] : a.shape[0], K = ta ? a.shape[0] : a.shape[1];
    const int64_t KB = tb ? b.shape[1] : b.shape[0], N = tb ? b.shape[0] : b.shape[1];
    if (K != KB) fail("inner dimensions differ");
    const std::optional<View> c = has(2) ? std::optional<View>(in(2)) : std::nullopt;
    Shape cs;
    Ints sc;
    if (c) {
      cs = c->shape;
      if (broadcast(cs, {M, N}) != Shape{M, N}) fail("C does not broadcast to the output");
      sc = strides_of(cs);
    }
    Array y{{M, N}, std::vector<float>(static_cast<size_t>(M * N))};
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        double s = 0.0;
        for (int64_t k = 0; k < K; ++k) {
          const double av = a.v[static_cast<size_t>(ta ? k * M + m : m * K + k)];
          const double bv = b.v[static_cast<size_t>(tb ? n * K + k : k * N + n)];
          s += av * bv;
        }
        double r = alpha * s;
        if (c) r += beta * c->v[static_cast<size_t>(broadcast_offset(cs, sc, {m, n}))];
        y.v[static_cast<size_t>(m * N + n)] = static_cast<float>(r);
      }
    return y;
  }

  Array matmul() {
    const View a = in(0);
    const View b = in(1);
    if (a.shape.empty() || b.shape.empty()) fail("scalar operand");
    Shape as = a.shape, bs = b.shape;
    const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
    if (a_vec) as.insert(as.begin(), 1);
    if (b_vec) bs.push_back(1);
    const int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
    if (bs[bs.size() - 2] != K)
      fail("inner dimensions differ: " + str(a.shape) + " " + str(b.shape));
    const Shape abatch(as.begin(), as.end() - 2), bbatch(bs.begin(), bs.end() - 2);
    const Shape batch = broadcast(abatch, bbatch);
    const Ints sab = strides_of(abatch), sbb = strides_of(bbatch);
    Shape full = batch;
    full.push_back(M);
    full.push_back(N);
    std::vector<float> out(static_cast<size_t>(count(full)));
    for_each_index(batch, [&](const Ints& idx, int64_t flat) {
      const int64_t ao = broadcast_offset(abatch, sab, idx) * M * K;
      const int64_t bo = broadcast_offset(bbatch, sbb, idx) * K * N;
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) {
          double s = 0.0;
          for (int64_t k = 0; k < K; ++k)
            s += static_cast<double>(a.v[static_cast<size_t>(ao + m * K + k)]) *
                 b.v[static_cast<size_t>(bo + k * N + n)];
          out[static_cast<size_t>((flat * M + m) * N + n)] = static_cast<float>(s);
        }
    });
    Shape ys = batch;
    if (!a_vec) ys.push_back(M);
    if (!b_vec) ys.push_back(N);
    return {ys, std::move(out)};
  }

  // --- Softmax (opset 13: along one axis) ----------------------------------------
  Array softmax() {
    const View x = in(0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    const int64_t axis = norm_axis(attrs().get_int("axis", -1), rank);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= x.shape[d];
    const int64_t len = x.shape[axis];
    Array y{x.shape, std::vector<float>(x.v.size())};
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t j) { return static_cast<size_t>((o * len + j) * inner + i); };
        double mx = -std::numeric_limits<double>::infinity(), sum = 0.0;
        for (int64_t j = 0; j < len; ++j) mx = std::max(mx, static_cast<double>(x.v[at(j)]));
        for (int64_t j = 0; j < len; ++j) sum += std::exp(x.v[at(j)] - mx);
        for (int64_t j = 0; j < len; ++j)
          y.v[at(j)] = static_cast<float>(std::exp(x.v[at(j)] - mx) / sum);
      }
    return y;
  }

  // --- Pad / Slice / Split -------------------------------------------------------
  Array pad() {
    const View x = in(0);
    const size_t rank = x.shape.size();
    const Ints pads = attrs().get_ints("pads");
    if (pads.size() != 2 * rank) fail("pads needs 2 values per axis");
    const std::string mode = attrs().get_string("mode", "constant");
    const float value = attrs().get_float("value", 0.0f);
    Shape ys(rank);
    for (size_t d = 0; d < rank; ++d) ys[d] = x.shape[d] + pads[d] + pads[d + rank];
    const Ints sx = strides_of(x.shape);
    Array y{ys, std::vector<float>(static_cast<size_t>(count(ys)))};
    for_each_index(ys, [&](const Ints& idx, int64_t flat) {
      int64_t from = 0;
      for (size_t d = 0; d < rank; ++d) {
        int64_t i = idx[d] - pads[d];
        const int64_t n = x.shape[d];
        if (i < 0 || i >= n) {
          if (mode == "constant") {
            from = -1;
            break;
          } else if (mode == "edge") {
            i = i < 0 ? 0 : n - 1;
          } else if (mode == "reflect") {
            if (n == 1) {
              i = 0;
            } else {
              const int64_t period = 2 * (n - 1);  // reflect without repeating the edge
              i = ((i % period) + period) % period;
              if (i >= n) i = period - i;
            }
          } else {
            fail("unknown mode '" + mode + "'");
          }
        }
        from += i * sx[d];
      }
      y.v[static_cast<size_t>(flat)] = from < 0 ? value : x.v[static_cast<size_t>(from)];
    });
    return y;
  }

  Array slice() {
    const View x = in(0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    const Ints starts = attrs().get_ints("starts"), ends = attrs().get_ints("ends");
    Ints axes = attrs().get_ints("axes"), steps = attrs().get_ints("steps");
    if (axes.empty())
      for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
      fail("starts, ends, axes, steps differ in length");
    Ints first(static_cast<size_t>(rank), 0), step(static_cast<size_t>(rank), 1);
    Shape ys = x.shape;
    for (size_t i = 0; i < starts.size(); ++i) {
      const int64_t a = norm_axis(axes[i], rank);
      const int64_t dim = x.shape[a], s = steps[i];
      if (s == 0) fail("step 0");
      int64_t b = starts[i] < 0 ? starts[i] + dim : starts[i];
      int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
      // ONNX: clamp to [0, dim] stepping forward, start to [0, dim-1] and end
      // to [-1, dim-1] stepping backward.
      if (s > 0) {
        b = std::clamp<int64_t>(b, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
      } else {
        b = std::clamp<int64_t>(b, 0, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
      }
      int64_t n = 0;
      for (int64_t j = b; s > 0 ? j < e : j > e; j += s) ++n;
      first[a] = b;
      step[a] = s;
      ys[a] = n;
    }
    const Ints sx = strides_of(x.shape);
    Array y{ys, std::vector<float>(static_cast<size_t>(count(ys)))};
    for_each_index(ys, [&](const Ints& idx, int64_t flat) {
      int64_t from = 0;
      for (int64_t d = 0; d < rank; ++d) from += (first[d] + idx[d] * step[d]) * sx[d];
      y.v[static_cast<size_t>(flat)] = x.v[static_cast<size_t>(from)];
    });
    return y;
  }

  std::vector<Array> split() {
    const View x = in(0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    const int64_t axis = norm_axis(attrs().get_int("axis", 0), rank);
    const int64_t parts = static_cast<int64_t>(node_->outputs.size());
    Ints sizes = attrs().get_ints("split");
    if (sizes.empty()) sizes.assign(static_cast<size_t>(parts), x.shape[axis] / parts);
    if (static_cast<int64_t>(sizes.size()) != parts ||
        std::accumulate(sizes.begin(), sizes.end(), int64_t{0}) != x.shape[axis])
      fail("split sizes do not fit");
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= x.shape[d];
    std::vector<Array> outs;
    int64_t offset = 0;
    for (int64_t s : sizes) {
      Shape ys = x.shape;
      ys[axis] = s;
      Array y{ys, {}};
      for (int64_t o = 0; o < outer; ++o) {
        const auto from = x.v.begin() + (o * x.shape[axis] + offset) * inner;
        y.v.insert(y.v.end(), from, from + s * inner);
      }
      offset += s;
      outs.push_back(std::move(y));
    }
    return outs;
  }

  Array reduce_mean() {
    const View x = in(0);
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    Ints axes = attrs().get_ints("axes");
    const bool keep = attrs().get_int("keepdims", 1) != 0;
    std::vector<bool> reduced(static_cast<size_t>(rank), axes.empty());
    for (int64_t a : axes) reduced[norm_axis(a, rank)] = true;
    Shape kept = x.shape, ys;
    int64_t group = 1;
    for (int64_t d = 0; d < rank; ++d) {
      if (reduced[d]) {
        group *= x.shape[d];
        kept[d] = 1;
        if (keep) ys.push_back(1);
      } else {
        ys.push_back(x.shape[d]);
      }
    }
    std::vector<double> sums(static_cast<size_t>(count(kept)), 0.0);
    const Ints sk = strides_of(kept);
    for_each_index(x.shape, [&](const Ints& idx, int64_t flat) {
      int64_t to = 0;
      for (int64_t d = 0; d < rank; ++d)
        if (!reduced[d]) to += idx[d] * sk[d];
      sums[static_cast<size_t>(to)] += x.v[static_cast<size_t>(flat)];
    });
    Array y{ys, std::vector<float>(sums.size())};
    for (size_t i = 0; i < sums.size(); ++i)
      y.v[i] = static_cast<float>(sums[i] / static_cast<double>(group));
    return y;
  }

  const Graph& g_;
  const Node* node_ = nullptr;
  std::unordered_map<int, Array> values_;
};

}  // namespace

std::unordered_map<int, std::vector<float>> reference_run_all(const Graph& graph,
                                                              const std::vector<float>& input) {
  return Interpreter(graph).run(input);
}

std::vector<float> reference_run(const Graph& graph, const std::vector<float>& input) {
  auto all = reference_run_all(graph, input);
  return std::move(all.at(graph.outputs.at(0)));
}

double max_relative_error(std::span<const float> got, std::span<const float> want) {
  if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
  double max_diff = 0.0, max_ref = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double d = std::abs(static_cast<double>(got[i]) - want[i]);
    if (!(d <= max_diff)) max_diff = d;  // also catches NaN
    max_ref = std::max(max_ref, std::abs(static_cast<double>(want[i])));
  }
  return max_diff / std::max(max_ref, 1e-6);
}

double sqnr_db(std::span<const float> got, std::span<const float> want) {
  if (got.size() != want.size() || got.empty()) return -std::numeric_limits<double>::infinity();
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    signal += static_cast<double>(want[i]) * want[i];
    const double d = static_cast<double>(got[i]) - want[i];
    noise += d * d;
  }
  if (std::isnan(noise)) return -std::numeric_limits<double>::infinity();
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

std::vector<float> random_normal(int64_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<float> random_uniform(int64_t count, uint64_t seed, float lo, float hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(count));
  for (float& x : v) x = dist(rng);
  return v;
}

HandGraph::HandGraph(uint64_t seed, std::string name) : rng_(seed) {
  graph_.name = std::move(name);
}

int HandGraph::input(const Shape& shape) {
  const int id = graph_.add_tensor({"input", DType::f32, shape, true, TensorRole::activation, {}});
  graph_.inputs.push_back(id);
  return id;
}

int HandGraph::weight(const Shape& shape, float lo, float hi, TensorRole role) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(static_cast<size_t>(count(shape)));
  for (float& v : values) v = dist(rng_);
  return constant(shape, std::move(values), role);
}

int HandGraph::constant(const Shape& shape, std::vector<float> values, TensorRole role) {
  Tensor t{"w" + std::to_string(counter_++), DType::f32, shape, true, role, make_data(values)};
  return graph_.add_tensor(std::move(t));
}

std::vector<int> HandGraph::nodes(OpType op, std::vector<int> inputs, Attributes attrs,
                                  size_t outputs, const std::string& name) {
  const std::string node_name =
      name.empty() ? std::string(op_name(op)) + std::to_string(counter_++) : name;
  Node node{op, node_name, "", std::move(inputs), {}, std::move(attrs)};
  for (size_t i = 0; i < outputs; ++i)
    node.outputs.push_back(graph_.add_tensor(
        {node_name + ":" + std::to_string(i), DType::f32, {}, false, TensorRole::activation, {}}));
  graph_.nodes.push_back(std::move(node));
  return graph_.nodes.back().outputs;
}

Graph HandGraph::finish(int output) {
  graph_.outputs = {output};
  validate(graph_);
  return std::move(graph_);
}

}  // namespace splitinfer::ref
