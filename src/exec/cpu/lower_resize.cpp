// Resize over the last two axes (H and W of N x C x H x W) as separable
// interpolation: for every output row and column, the input taps and their
// weights are computed once at compile time with ONNX's coordinate
// transformations and rounding modes (nearest: one tap, linear: two, cubic:
// four), so a frame only gathers and weighs. Nearest moves values, so it
// keeps INT8 codes and bfloat16 exactly; linear and cubic weigh codes at the
// input's scale (the weights sum to one, so the scale holds) and round to
// the nearest code, and weigh bfloat16 values in float32, as oneDNN's own
// kernels accumulate.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "exec/cpu/code_table.h"
#include "exec/cpu/lowering.h"

namespace splitinfer::cpu {

namespace {

[[noreturn]] void resize_fail(const Node& node, const std::string& why) {
  fail(ErrorKind::unsupported, "node '" + node.name + "' (Resize): " + why);
}

// Output position `x` of an axis as a coordinate of the input axis.
double source_coordinate(const std::string& transform, double x, int64_t in, double scale) {
  const double resized_length = static_cast<double>(in) * scale;
  if (transform == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (transform == "pytorch_half_pixel")
    return resized_length > 1.0 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (transform == "align_corners")
    return resized_length == 1.0 ? 0.0 : x * static_cast<double>(in - 1) / (resized_length - 1.0);
  if (transform == "asymmetric") return x / scale;
  if (transform == "tf_half_pixel_for_nearest" || transform == "tf_half_pixel_for_nn")
    return (x + 0.5) / scale;
  fail(ErrorKind::unsupported, "coordinate_transformation_mode '" + transform + "'");
}

int64_t nearest_index(const std::string& rounding, double x) {
  const double below = std::floor(x);
  const bool tie = x - below == 0.5;
  if (rounding == "round_prefer_floor") return static_cast<int64_t>(tie ? below : std::round(x));
  if (rounding == "round_prefer_ceil") return static_cast<int64_t>(tie ? below + 1 : std::round(x));
  if (rounding == "floor") return static_cast<int64_t>(below);
  if (rounding == "ceil") return static_cast<int64_t>(std::ceil(x));
  fail(ErrorKind::unsupported, "nearest_mode '" + rounding + "'");
}

// Keys' cubic convolution weights for the taps floor(x) - 1 .. floor(x) + 2.
std::array<double, 4> cubic_weights(double t, double a) {
  auto near = [a](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };       // |d| <= 1
  auto far = [a](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 < |d| < 2
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

// The input taps of every output position of one axis: `taps` indices and
// weights per position.
struct AxisTaps {
  int taps = 1;
  std::vector<int64_t> index;
  std::vector<float> weight;
};

AxisTaps axis_taps(const Node& node, int64_t in, int64_t out, double scale) {
  const std::string mode = node.attrs.get_string("mode", "nearest");
  const std::string transform =
      node.attrs.get_string("coordinate_transformation_mode", "half_pixel");
  const std::string rounding = node.attrs.get_string("nearest_mode", "round_prefer_floor");
  const double a = node.attrs.get_float("cubic_coeff_a", -0.75f);
  const bool exclude_outside = node.attrs.get_int("exclude_outside", 0) != 0;
  AxisTaps axis;
  axis.taps = mode == "nearest" ? 1 : mode == "linear" ? 2 : 4;
  for (int64_t o = 0; o < out; ++o) {
    const double x = source_coordinate(transform, static_cast<double>(o), in, scale);
    if (mode == "nearest") {
      axis.index.push_back(std::clamp<int64_t>(nearest_index(rounding, x), 0, in - 1));
      axis.weight.push_back(1.0f);
      continue;
    }
    const double below = std::floor(x), t = x - below;
    const auto first = static_cast<int64_t>(below) - (axis.taps == 4 ? 1 : 0);
    std::array<double, 4> w{1 - t, t, 0, 0};
    if (axis.taps == 4) w = cubic_weights(t, a);
    double kept = 0;
    for (int k = 0; k < axis.taps; ++k) {
      const int64_t i = first + k;
      if (exclude_outside && (i < 0 || i >= in)) w[static_cast<size_t>(k)] = 0;
      kept += w[static_cast<size_t>(k)];
    }
    for (int k = 0; k < axis.taps; ++k) {
      axis.index.push_back(std::clamp<int64_t>(first + k, 0, in - 1));  // edge values outside
      axis.weight.push_back(static_cast<float>(w[static_cast<size_t>(k)] / kept));
    }
  }
  return axis;
}

// One resize of `planes` H x W planes of T.
template <typename T>
void resize_planes(const T* in, T* out, int64_t planes, int64_t in_h, int64_t in_w,
                   const AxisTaps& rows, const AxisTaps& cols, T (*store)(float)) {
  const auto out_h = static_cast<int64_t>(rows.index.size()) / rows.taps;
  const auto out_w = static_cast<int64_t>(cols.index.size()) / cols.taps;
  for (int64_t p = 0; p < planes; ++p) {
    const T* src = in + p * in_h * in_w;
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const int64_t* row_index = &rows.index[static_cast<size_t>(oh * rows.taps)];
      const float* row_weight = &rows.weight[static_cast<size_t>(oh * rows.taps)];
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const int64_t* col_index = &cols.index[static_cast<size_t>(ow * cols.taps)];
        const float* col_weight = &cols.weight[static_cast<size_t>(ow * cols.taps)];
        float sum = 0;
        for (int i = 0; i < rows.taps; ++i) {
          const T* row = src + row_index[i] * in_w;
          float row_sum = 0;
          for (int j = 0; j < cols.taps; ++j)
            row_sum += col_weight[j] * static_cast<float>(row[col_index[j]]);
          sum += row_weight[i] * row_sum;
        }
        *out++ = store(sum);
      }
    }
  }
}

// Nearest: a gather of whole elements of `bytes` bytes, any type.
void nearest_planes(const std::byte* in, std::byte* out, size_t bytes, int64_t planes, int64_t in_h,
                    int64_t in_w, const AxisTaps& rows, const AxisTaps& cols) {
  for (int64_t p = 0; p < planes; ++p) {
    const std::byte* src = in + static_cast<size_t>(p * in_h * in_w) * bytes;
    for (int64_t r : rows.index)
      for (int64_t c : cols.index) {
        std::memcpy(out, src + static_cast<size_t>(r * in_w + c) * bytes, bytes);
        out += bytes;
      }
  }
}

// The code nearest a weighed sum of codes (encode: round to nearest even,
// saturated).
uint8_t store_u8(float v) { return encode(v, {true, 1.0f}); }
int8_t store_s8(float v) { return static_cast<int8_t>(encode(v, {false, 1.0f})); }
float store_float(float v) { return v; }

}  // namespace

void lower_resize(Lowering& l, const Node& node) {
  const Graph& g = l.graph();
  const Shape& in = g.tensor(node.inputs[0]).shape;
  const Shape& out = g.output(node).shape;
  const size_t rank = in.size();
  if (rank < 2) resize_fail(node, "the input needs at least two axes");
  for (size_t d = 0; d + 2 < rank; ++d)
    if (in[d] != out[d])
      resize_fail(node, "only the last two axes (H and W) may change size; axis " +
                            std::to_string(d) + " goes from " + std::to_string(in[d]) + " to " +
                            std::to_string(out[d]));
  const auto scales = node.attrs.get_floats("scales");
  auto scale = [&](size_t d) {
    return scales.empty() ? static_cast<double>(out[d]) / static_cast<double>(in[d])
                          : static_cast<double>(scales[d]);
  };
  const int64_t in_h = in[rank - 2], in_w = in[rank - 1];
  const AxisTaps rows = axis_taps(node, in_h, out[rank - 2], scale(rank - 2));
  const AxisTaps cols = axis_taps(node, in_w, out[rank - 1], scale(rank - 1));
  const int64_t planes = numel(in) / (in_h * in_w);

  const Value& v = l.value(node.inputs[0]);
  if (rows.taps == 1 && cols.taps == 1) {  // nearest, in the value's own type
    const dnnl::memory src = l.plain(node.inputs[0], v.type(), v.scale, v.zero_point);
    const dnnl::memory dst = l.new_memory(plain_desc(out, v.type()));
    const size_t bytes = type_size(v.type());
    l.add_custom([=] {
      nearest_planes(static_cast<const std::byte*>(src.get_data_handle()),
                     static_cast<std::byte*>(dst.get_data_handle()), bytes, planes, in_h, in_w,
                     rows, cols);
    });
    l.define(node.outputs[0], {dst, v.scale, v.zero_point});
    return;
  }
  if (l.int8()) {  // weighs the codes
    const Codes codes = l.codes(node.inputs[0]);
    const dt type = codes.type;
    const float code_scale = codes.scale;
    const dnnl::memory src = l.plain(node.inputs[0], type, code_scale);
    const dnnl::memory dst = l.new_memory(plain_desc(out, type));
    l.add_custom([=] {
      if (type == dt::u8)
        resize_planes(static_cast<const uint8_t*>(src.get_data_handle()),
                      static_cast<uint8_t*>(dst.get_data_handle()), planes, in_h, in_w, rows, cols,
                      store_u8);
      else
        resize_planes(static_cast<const int8_t*>(src.get_data_handle()),
                      static_cast<int8_t*>(dst.get_data_handle()), planes, in_h, in_w, rows, cols,
                      store_s8);
    });
    l.define(node.outputs[0], {dst, code_scale});
    return;
  }
  const dnnl::memory src = l.plain_f32(node.inputs[0]);
  const dnnl::memory weighed = l.new_memory(plain_desc(out, dt::f32));
  l.add_custom([=] {
    resize_planes(static_cast<const float*>(src.get_data_handle()),
                  static_cast<float*>(weighed.get_data_handle()), planes, in_h, in_w, rows, cols,
                  store_float);
  });
  l.define_float32_result(node.outputs[0], weighed);
}

}  // namespace splitinfer::cpu
