#include "graph/shape_inference.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/checked_math.h"
#include "common/error.h"

namespace splitinfer {
namespace {

// What a shape rule sees: the node, its input shapes, and a way to fail that
// names the node.
class NodeContext {
 public:
  NodeContext(const Graph& graph, Node& node) : graph_(graph), node_(node) {}

  Node& node() { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  size_t input_count() const { return node_.inputs.size(); }
  bool has_input(size_t slot) const { return graph_.input(node_, slot) != nullptr; }

  const Shape& in(size_t slot) const {
    const Tensor* t = graph_.input(node_, slot);
    if (!t) error("input " + std::to_string(slot) + " is missing");
    if (!t->shape_known) error("the shape of input '" + t->name + "' is unknown");
    return t->shape;
  }
  int64_t rank(size_t slot) const { return static_cast<int64_t>(in(slot).size()); }

  // Normalises a possibly negative axis against `rank`.
  int64_t axis(int64_t axis, int64_t rank) const {
    if (axis < -rank || axis >= rank)
      error("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    return axis < 0 ? axis + rank : axis;
  }

  void require(bool condition, const std::string& message) const {
    if (!condition) error(message);
  }
  [[noreturn]] void error(const std::string& message) const {
    fail(ErrorKind::invalid_input,
         "node '" + node_.name + "' (" + std::string(op_name(node_.op)) + "): " + message);
  }

 private:
  const Graph& graph_;
  Node& node_;
};

using Shapes = std::vector<Shape>;

std::vector<int64_t> spatial_attr(const NodeContext& ctx, const char* key, size_t count,
                                  int64_t fallback) {
  auto values = ctx.attrs().get_ints(key, std::vector<int64_t>(count, fallback));
  ctx.require(values.size() == count,
              std::string("attribute '") + key + "' needs " + std::to_string(count) + " values");
  return values;
}

// Output spatial extent of a sliding window; shared by Conv and the pools.
// Resolves auto_pad into explicit pads on the node.
Shape window_output(NodeContext& ctx, const Shape& x, const std::vector<int64_t>& kernel,
                    bool allow_ceil) {
  const size_t spatial = x.size() - 2;
  auto strides = spatial_attr(ctx, "strides", spatial, 1);
  auto dilations = spatial_attr(ctx, "dilations", spatial, 1);
  auto pads = spatial_attr(ctx, "pads", 2 * spatial, 0);
  const std::string auto_pad = ctx.attrs().get_string("auto_pad", "NOTSET");
  const bool ceil_mode = allow_ceil && ctx.attrs().get_int("ceil_mode", 0) != 0;

  Shape out = {x[0], 0};
  for (size_t i = 0; i < spatial; ++i) {
    ctx.require(strides[i] >= 1 && dilations[i] >= 1 && kernel[i] >= 1,
                "kernel, strides and dilations must be positive");
    ctx.require(pads[i] >= 0 && pads[i + spatial] >= 0, "pads must be non-negative");
    const int64_t extent = dilations[i] * (kernel[i] - 1) + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t target = (x[i + 2] + strides[i] - 1) / strides[i];
      const int64_t total = std::max<int64_t>(0, (target - 1) * strides[i] + extent - x[i + 2]);
      const int64_t small = total / 2, large = total - small;
      pads[i] = auto_pad == "SAME_UPPER" ? small : large;
      pads[i + spatial] = auto_pad == "SAME_UPPER" ? large : small;
    } else if (auto_pad == "VALID") {
      pads[i] = pads[i + spatial] = 0;
    } else {
      ctx.require(auto_pad == "NOTSET", "unknown auto_pad '" + auto_pad + "'");
    }
    const int64_t span = x[i + 2] + pads[i] + pads[i + spatial] - extent;
    ctx.require(span >= 0, "the window is larger than the padded input");
    int64_t size = (ceil_mode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;
    // PyTorch's rule: the last window must start inside the input or left pad.
    if (ceil_mode && (size - 1) * strides[i] >= x[i + 2] + pads[i]) --size;
    out.push_back(size);
  }
  ctx.node().attrs.set("pads", pads);
  ctx.node().attrs.erase("auto_pad");
  return out;
}

Shape broadcast(const NodeContext& ctx, const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    ctx.require(da == db || da == 1 || db == 1, "shapes " + shape_to_string(a) + " and " +
                                                    shape_to_string(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// The kernel of a Conv or ConvTranspose weight, checked against the input's
// rank and the kernel_shape attribute.
std::vector<int64_t> window_kernel(const NodeContext& ctx, const Shape& x, const Shape& w) {
  ctx.require(x.size() >= 3, "input must be N x C x spatial..., got " + shape_to_string(x));
  ctx.require(w.size() == x.size(), "weight rank " + std::to_string(w.size()) +
                                        " differs from input rank " + std::to_string(x.size()));
  const std::vector<int64_t> kernel(w.begin() + 2, w.end());
  ctx.require(ctx.attrs().get_ints("kernel_shape", kernel) == kernel,
              "kernel_shape disagrees with the weight " + shape_to_string(w));
  return kernel;
}

void check_bias(const NodeContext& ctx, int64_t out_channels) {
  if (ctx.has_input(2))
    ctx.require(ctx.in(2) == Shape{out_channels},
                "bias " + shape_to_string(ctx.in(2)) + " does not match " +
                    std::to_string(out_channels) + " output channels");
}

Shapes infer_Conv(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  const Shape& w = ctx.in(1);
  const std::vector<int64_t> kernel = window_kernel(ctx, x, w);
  const int64_t group = ctx.attrs().get_int("group", 1);
  ctx.require(group >= 1 && x[1] % group == 0 && w[0] % group == 0,
              "group " + std::to_string(group) + " does not divide the channels");
  ctx.require(w[1] * group == x[1], "weight " + shape_to_string(w) + " expects " +
                                        std::to_string(w[1] * group) +
                                        " input channels, the input has " + std::to_string(x[1]));
  check_bias(ctx, w[0]);
  Shape out = window_output(ctx, x, kernel, false);
  out[1] = w[0];
  return {out};
}

// ConvTranspose: weight C_in x (C_out / group) x kernel. The output extent
// is stride * (in - 1) + output_padding + dilated kernel - pads, with pads
// resolved here from output_shape or auto_pad, as ONNX specifies, so that
// the lowering reads only explicit pads and output_padding.
Shapes infer_ConvTranspose(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  const Shape& w = ctx.in(1);
  const std::vector<int64_t> kernel = window_kernel(ctx, x, w);
  const int64_t group = ctx.attrs().get_int("group", 1);
  ctx.require(group >= 1 && x[1] % group == 0,
              "group " + std::to_string(group) + " does not divide the input channels");
  ctx.require(w[0] == x[1], "weight " + shape_to_string(w) + " expects " + std::to_string(w[0]) +
                                " input channels, the input has " + std::to_string(x[1]));
  const size_t spatial = x.size() - 2;
  const int64_t out_channels = w[1] * group;
  check_bias(ctx, out_channels);
  const auto strides = spatial_attr(ctx, "strides", spatial, 1);
  const auto dilations = spatial_attr(ctx, "dilations", spatial, 1);
  auto output_padding = spatial_attr(ctx, "output_padding", spatial, 0);
  auto pads = spatial_attr(ctx, "pads", 2 * spatial, 0);
  const auto output_shape = ctx.attrs().get_ints("output_shape");
  const std::string auto_pad = ctx.attrs().get_string("auto_pad", "NOTSET");
  ctx.require(auto_pad == "NOTSET" || auto_pad == "VALID" || auto_pad == "SAME_UPPER" ||
                  auto_pad == "SAME_LOWER",
              "unknown auto_pad '" + auto_pad + "'");
  ctx.require(
      output_shape.empty() || output_shape.size() == spatial || output_shape.size() == x.size(),
      "output_shape needs one value per spatial axis");
  Shape out = {x[0], out_channels};
  for (size_t i = 0; i < spatial; ++i) {
    ctx.require(strides[i] >= 1 && dilations[i] >= 1 && kernel[i] >= 1,
                "kernel, strides and dilations must be positive");
    ctx.require(output_padding[i] >= 0 && output_padding[i] < std::max(strides[i], dilations[i]),
                "output_padding must be non-negative and below the stride or the dilation");
    const int64_t full =
        strides[i] * (x[i + 2] - 1) + output_padding[i] + dilations[i] * (kernel[i] - 1) + 1;
    int64_t target = -1;
    if (!output_shape.empty()) target = output_shape[output_shape.size() - spatial + i];
    else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") target = x[i + 2] * strides[i];
    if (auto_pad == "VALID") pads[i] = pads[i + spatial] = 0;
    int64_t extent = full;
    if (target >= 0) {
      const int64_t total = std::max<int64_t>(0, full - target);
      const int64_t small = total / 2, large = total - small;
      pads[i] = auto_pad == "SAME_UPPER" ? small : large;
      pads[i + spatial] = auto_pad == "SAME_UPPER" ? large : small;
      // An output_shape beyond the unpadded output adds rows that no input
      // reaches (ONNX Runtime's reading): more output padding.
      if (target > full) {
        output_padding[i] += target - full;
        extent = target;
      }
    }
    ctx.require(pads[i] >= 0 && pads[i + spatial] >= 0, "pads must be non-negative");
    out.push_back(extent - pads[i] - pads[i + spatial]);
    ctx.require(out.back() >= 1, "the padding removes the whole output");
  }
  ctx.node().attrs.set("pads", pads);
  ctx.node().attrs.set("output_padding", output_padding);
  for (const char* resolved : {"auto_pad", "output_shape"}) ctx.node().attrs.erase(resolved);
  return {out};
}

Shapes infer_pool(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  ctx.require(x.size() >= 3, "input must be N x C x spatial..., got " + shape_to_string(x));
  const auto kernel = ctx.attrs().get_ints("kernel_shape");
  ctx.require(kernel.size() == x.size() - 2, "kernel_shape must have one value per spatial axis");
  Shape out = window_output(ctx, x, kernel, true);
  out[1] = x[1];
  ctx.require(ctx.node().outputs.size() == 1, "the Indices output is not supported");
  return {out};
}

// GlobalAveragePool and GlobalMaxPool.
Shapes infer_global_pool(NodeContext& ctx) {
  Shape out = ctx.in(0);
  ctx.require(out.size() >= 3, "input must be N x C x spatial...");
  std::fill(out.begin() + 2, out.end(), 1);
  return {out};
}

Shapes infer_BatchNormalization(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  ctx.require(x.size() >= 2, "input must be N x C x ...");
  ctx.require(ctx.input_count() == 5, "needs scale, bias, mean and variance inputs");
  for (size_t slot = 1; slot < 5; ++slot)
    ctx.require(ctx.in(slot) == Shape{x[1]}, "parameter " + std::to_string(slot) + " is " +
                                                 shape_to_string(ctx.in(slot)) + ", expected " +
                                                 std::to_string(x[1]));
  ctx.require(ctx.node().outputs.size() == 1,
              "training-mode BatchNormalization (running-statistics outputs) is not supported");
  return {x};
}

Shapes infer_elementwise(NodeContext& ctx) {
  ctx.require(ctx.node().outputs.size() == 1, "only the first output is supported");
  return {ctx.in(0)};
}

Shapes infer_broadcast(NodeContext& ctx) { return {broadcast(ctx, ctx.in(0), ctx.in(1))}; }

Shapes infer_Concat(NodeContext& ctx) {
  ctx.require(ctx.input_count() >= 1, "needs at least one input");
  ctx.require(ctx.attrs().has("axis"), "attribute 'axis' is required");
  Shape out = ctx.in(0);
  const int64_t axis = ctx.axis(ctx.attrs().get_int("axis", 0), ctx.rank(0));
  for (size_t i = 1; i < ctx.input_count(); ++i) {
    const Shape& s = ctx.in(i);
    ctx.require(s.size() == out.size(), "inputs differ in rank");
    for (size_t d = 0; d < s.size(); ++d)
      if (static_cast<int64_t>(d) != axis)
        ctx.require(s[d] == out[d], "inputs differ outside the concatenation axis");
    out[axis] += s[axis];
  }
  return {out};
}

Shapes infer_Flatten(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  const int64_t rank = ctx.rank(0);
  int64_t axis = ctx.attrs().get_int("axis", 1);
  ctx.require(axis >= -rank && axis <= rank, "axis out of range");
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= x[d];
  return {{outer, inner}};
}

Shapes infer_Reshape(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  ctx.require(ctx.attrs().has("shape"), "the target shape is not a constant");
  Shape out = ctx.attrs().get_ints("shape");
  int infer_at = -1;
  int64_t known = 1;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 0) {
      ctx.require(d < x.size(), "a 0 in the target shape has no input dimension to copy");
      out[d] = x[d];
    }
    if (out[d] == -1) {
      ctx.require(infer_at < 0, "the target shape has more than one -1");
      infer_at = static_cast<int>(d);
    } else {
      ctx.require(out[d] > 0, "the target shape has a negative dimension");
      known *= out[d];
    }
  }
  const int64_t total = numel(x);
  if (infer_at >= 0) {
    ctx.require(known > 0 && total % known == 0, "cannot infer the -1 dimension");
    out[infer_at] = total / known;
  }
  ctx.require(numel(out) == total,
              "cannot reshape " + shape_to_string(x) + " to " + shape_to_string(out));
  return {out};
}

Shapes infer_Transpose(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  std::vector<int64_t> reversed(x.size());
  std::iota(reversed.rbegin(), reversed.rend(), 0);
  auto perm = ctx.attrs().get_ints("perm", reversed);
  ctx.require(perm.size() == x.size(), "perm length differs from the input rank");
  std::vector<bool> seen(x.size(), false);
  Shape out(x.size());
  for (size_t d = 0; d < perm.size(); ++d) {
    const int64_t p = ctx.axis(perm[d], ctx.rank(0));
    ctx.require(!seen[p], "perm repeats an axis");
    seen[p] = true;
    out[d] = x[p];
  }
  return {out};
}

Shapes infer_Gemm(NodeContext& ctx) {
  const Shape& a = ctx.in(0);
  const Shape& b = ctx.in(1);
  ctx.require(a.size() == 2 && b.size() == 2, "A and B must be matrices");
  const bool ta = ctx.attrs().get_int("transA", 0) != 0;
  const bool tb = ctx.attrs().get_int("transB", 0) != 0;
  const int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
  const int64_t kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
  ctx.require(k == kb, "A " + shape_to_string(a) + " and B " + shape_to_string(b) +
                           " disagree on the inner dimension");
  const Shape out = {m, n};
  if (ctx.has_input(2))
    ctx.require(broadcast(ctx, ctx.in(2), out) == out, "C does not broadcast to the output");
  return {out};
}

Shapes infer_MatMul(NodeContext& ctx) {
  Shape a = ctx.in(0), b = ctx.in(1);
  ctx.require(!a.empty() && !b.empty(), "inputs must have rank >= 1");
  const bool a_vector = a.size() == 1, b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (b_vector) b.push_back(1);
  ctx.require(a.back() == b[b.size() - 2],
              "inner dimensions differ: " + shape_to_string(a) + " and " + shape_to_string(b));
  Shape out = broadcast(ctx, Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!a_vector) out.push_back(a[a.size() - 2]);
  if (!b_vector) out.push_back(b.back());
  return {out};
}

Shapes infer_Softmax(NodeContext& ctx) {
  ctx.axis(ctx.attrs().get_int("axis", -1), ctx.rank(0));
  return {ctx.in(0)};
}

Shapes infer_Pad(NodeContext& ctx) {
  Shape out = ctx.in(0);
  const auto pads = ctx.attrs().get_ints("pads");
  ctx.require(pads.size() == 2 * out.size(), "pads needs two values per axis");
  const std::string mode = ctx.attrs().get_string("mode", "constant");
  ctx.require(mode == "constant" || mode == "reflect" || mode == "edge",
              "unknown mode '" + mode + "'");
  for (size_t d = 0; d < out.size(); ++d) {
    out[d] += pads[d] + pads[d + out.size()];
    ctx.require(out[d] >= 1, "padding removes the whole axis " + std::to_string(d));
  }
  return {out};
}

Shapes infer_Slice(NodeContext& ctx) {
  Shape out = ctx.in(0);
  const int64_t rank = ctx.rank(0);
  const auto starts = ctx.attrs().get_ints("starts");
  const auto ends = ctx.attrs().get_ints("ends");
  std::vector<int64_t> all_axes(starts.size());
  std::iota(all_axes.begin(), all_axes.end(), 0);
  const auto axes = ctx.attrs().get_ints("axes", all_axes);
  const auto steps = ctx.attrs().get_ints("steps", std::vector<int64_t>(starts.size(), 1));
  ctx.require(
      ends.size() == starts.size() && axes.size() == starts.size() && steps.size() == starts.size(),
      "starts, ends, axes and steps differ in length");
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t axis = ctx.axis(axes[i], rank);
    const int64_t dim = ctx.in(0)[axis], step = steps[i];
    ctx.require(step != 0, "step must not be 0");
    auto clamp = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v += dim;
      return std::clamp(v, lo, hi);
    };
    // ONNX: going backwards, starts clamp to [0, dim - 1] and ends to [-1, dim - 1].
    const int64_t start = step > 0 ? clamp(starts[i], 0, dim) : clamp(starts[i], 0, dim - 1);
    const int64_t end = step > 0 ? clamp(ends[i], 0, dim) : clamp(ends[i], -1, dim - 1);
    const int64_t count =
        step > 0 ? (end - start + step - 1) / step : (start - end - step - 1) / -step;
    out[axis] = std::max<int64_t>(0, count);
    ctx.require(out[axis] > 0, "the slice of axis " + std::to_string(axis) + " is empty");
  }
  return {out};
}

Shapes infer_Split(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  const int64_t axis = ctx.axis(ctx.attrs().get_int("axis", 0), ctx.rank(0));
  const size_t parts = ctx.node().outputs.size();
  auto sizes = ctx.attrs().get_ints("split");
  if (sizes.empty()) {
    ctx.require(x[axis] % static_cast<int64_t>(parts) == 0,
                "axis does not divide into " + std::to_string(parts) + " equal parts");
    sizes.assign(parts, x[axis] / static_cast<int64_t>(parts));
  }
  ctx.require(sizes.size() == parts, "split sizes do not match the number of outputs");
  ctx.require(std::accumulate(sizes.begin(), sizes.end(), int64_t{0}) == x[axis],
              "split sizes do not add up to the axis length");
  Shapes out;
  for (int64_t s : sizes) {
    ctx.require(s > 0, "split sizes must be positive");
    Shape part = x;
    part[axis] = s;
    out.push_back(part);
  }
  return out;
}

std::vector<bool> axis_mask(const NodeContext& ctx, const std::vector<int64_t>& axes,
                            int64_t rank) {
  std::vector<bool> mask(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    const int64_t axis = ctx.axis(a, rank);
    ctx.require(!mask[axis], "axes repeat an axis");
    mask[axis] = true;
  }
  return mask;
}

Shapes infer_ReduceMean(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  auto axes = ctx.attrs().get_ints("axes");
  if (axes.empty()) {  // ONNX: no axes reduces all of them
    axes.resize(x.size());
    std::iota(axes.begin(), axes.end(), 0);
  }
  const auto mask = axis_mask(ctx, axes, ctx.rank(0));
  const bool keep = ctx.attrs().get_int("keepdims", 1) != 0;
  Shape out;
  for (size_t d = 0; d < x.size(); ++d) {
    if (!mask[d]) out.push_back(x[d]);
    else if (keep) out.push_back(1);
  }
  return {out};
}

// Resize: the output extent is `sizes`, or floor(in * scale) per axis.
Shapes infer_Resize(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  const auto sizes = ctx.attrs().get_ints("sizes");
  const auto scales = ctx.attrs().get_floats("scales");
  ctx.require(sizes.empty() != scales.empty(), "needs either scales or sizes");
  ctx.require(std::max(sizes.size(), scales.size()) == x.size(),
              "scales or sizes need one value per axis of " + shape_to_string(x));
  const std::string mode = ctx.attrs().get_string("mode", "nearest");
  ctx.require(mode == "nearest" || mode == "linear" || mode == "cubic",
              "unknown mode '" + mode + "'");
  const std::string transform =
      ctx.attrs().get_string("coordinate_transformation_mode", "half_pixel");
  ctx.require(transform == "half_pixel" || transform == "pytorch_half_pixel" ||
                  transform == "align_corners" || transform == "asymmetric" ||
                  transform == "tf_half_pixel_for_nearest" || transform == "tf_half_pixel_for_nn",
              "coordinate_transformation_mode '" + transform +
                  "' is not supported (half_pixel, pytorch_half_pixel, align_corners, "
                  "asymmetric and tf_half_pixel_for_nearest are)");
  const std::string rounding = ctx.attrs().get_string("nearest_mode", "round_prefer_floor");
  ctx.require(rounding == "round_prefer_floor" || rounding == "round_prefer_ceil" ||
                  rounding == "floor" || rounding == "ceil",
              "unknown nearest_mode '" + rounding + "'");
  Shape out(x.size());
  for (size_t d = 0; d < x.size(); ++d) {
    if (!sizes.empty()) {
      out[d] = sizes[d];
    } else {
      ctx.require(scales[d] > 0.0f, "scales must be positive");
      const double extent = std::floor(static_cast<double>(x[d]) * scales[d]);
      ctx.require(extent < 1e9, "the output is too large");
      out[d] = static_cast<int64_t>(extent);
    }
    ctx.require(out[d] >= 1, "the output is empty along axis " + std::to_string(d));
  }
  return {out};
}

// Expand: the input broadcast against `shape`, both ways (NumPy's rule).
Shapes infer_Expand(NodeContext& ctx) {
  const auto shape = ctx.attrs().get_ints("shape");
  ctx.require(!shape.empty(), "attribute 'shape' is required");
  for (int64_t d : shape)
    ctx.require(d >= 1, "shape " + shape_to_string(shape) + " has an empty axis");
  return {broadcast(ctx, ctx.in(0), shape)};
}

// LayerNormalization: over the axes from `axis` on; Scale and B broadcast
// against them.
Shapes infer_LayerNormalization(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  const int64_t axis = ctx.axis(ctx.attrs().get_int("axis", -1), ctx.rank(0));
  const Shape normalized(x.begin() + axis, x.end());
  for (size_t slot = 1; slot < ctx.input_count(); ++slot)
    if (ctx.has_input(slot))
      ctx.require(broadcast(ctx, ctx.in(slot), normalized) == normalized,
                  "input " + std::to_string(slot) + " " + shape_to_string(ctx.in(slot)) +
                      " does not broadcast to the normalized axes " + shape_to_string(normalized));
  ctx.require(ctx.node().outputs.size() == 1, "the Mean and InvStdDev outputs are not supported");
  return {x};
}

Shapes infer_Squeeze(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  const auto axes = ctx.attrs().get_ints("axes");
  auto mask = axis_mask(ctx, axes, ctx.rank(0));
  Shape out;
  for (size_t d = 0; d < x.size(); ++d) {
    if (axes.empty()) mask[d] = x[d] == 1;
    if (mask[d])
      ctx.require(x[d] == 1,
                  "cannot squeeze axis " + std::to_string(d) + " of size " + std::to_string(x[d]));
    else out.push_back(x[d]);
  }
  return {out};
}

Shapes infer_Unsqueeze(NodeContext& ctx) {
  const Shape& x = ctx.in(0);
  const auto axes = ctx.attrs().get_ints("axes");
  ctx.require(!axes.empty(), "axes are required");
  const int64_t rank = static_cast<int64_t>(x.size() + axes.size());
  const auto mask = axis_mask(ctx, axes, rank);
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d) out.push_back(mask[d] ? 1 : x[next++]);
  return {out};
}

Shapes infer_node(NodeContext& ctx) {
  switch (ctx.node().op) {
    case OpType::Conv: return infer_Conv(ctx);
    case OpType::BatchNormalization: return infer_BatchNormalization(ctx);
    case OpType::Relu:
    case OpType::Clip:
    case OpType::LeakyRelu:
    case OpType::Sigmoid:
    case OpType::Tanh:
    case OpType::HardSigmoid:
    case OpType::HardSwish:
    case OpType::Sqrt:
    case OpType::Pow:
    case OpType::Erf:
    case OpType::Dropout:
    case OpType::Identity: return infer_elementwise(ctx);
    case OpType::MaxPool:
    case OpType::AveragePool: return infer_pool(ctx);
    case OpType::GlobalAveragePool:
    case OpType::GlobalMaxPool: return infer_global_pool(ctx);
    case OpType::Add:
    case OpType::Sub:
    case OpType::Mul:
    case OpType::Div: return infer_broadcast(ctx);
    case OpType::Concat: return infer_Concat(ctx);
    case OpType::Flatten: return infer_Flatten(ctx);
    case OpType::Reshape: return infer_Reshape(ctx);
    case OpType::Transpose: return infer_Transpose(ctx);
    case OpType::Gemm: return infer_Gemm(ctx);
    case OpType::MatMul: return infer_MatMul(ctx);
    case OpType::Softmax: return infer_Softmax(ctx);
    case OpType::Pad: return infer_Pad(ctx);
    case OpType::Slice: return infer_Slice(ctx);
    case OpType::Split: return infer_Split(ctx);
    case OpType::ReduceMean: return infer_ReduceMean(ctx);
    case OpType::Squeeze: return infer_Squeeze(ctx);
    case OpType::Unsqueeze: return infer_Unsqueeze(ctx);
    case OpType::Resize: return infer_Resize(ctx);
    case OpType::ConvTranspose: return infer_ConvTranspose(ctx);
    case OpType::Expand: return infer_Expand(ctx);
    case OpType::LayerNormalization: return infer_LayerNormalization(ctx);
  }
  ctx.error("has no shape rule");
}

void check_size(const Tensor& t, const std::string& owner) {
  if (!checked_product(t.shape, kMaxTensorElements))
    fail(ErrorKind::invalid_input, owner + "tensor '" + t.name + "' of shape " +
                                       shape_to_string(t.shape) +
                                       " is negative or larger than the limit of 2^30 elements");
}

}  // namespace

void infer_shapes(Graph& graph) {
  for (const Tensor& t : graph.tensors) {
    if (!t.is_initializer()) continue;
    if (!t.shape_known) fail(ErrorKind::invalid_input, "tensor '" + t.name + "' has no shape");
    check_size(t, "");
  }
  for (int id : graph.inputs) {
    const Tensor& t = graph.tensor(id);
    if (!t.shape_known) fail(ErrorKind::invalid_input, "graph input '" + t.name + "' has no shape");
    check_size(t, "graph input ");
    for (int64_t d : t.shape)
      if (d < 1)
        fail(ErrorKind::invalid_input, "graph input '" + t.name + "' has an empty dimension");
  }
  for (Node& node : graph.nodes) infer_node_shapes(graph, node);
}

void infer_node_shapes(Graph& graph, Node& node) {
  NodeContext ctx(graph, node);
  ctx.require(!node.outputs.empty(), "has no output");
  const Shapes shapes = infer_node(ctx);
  ctx.require(shapes.size() == node.outputs.size(), "has " + std::to_string(node.outputs.size()) +
                                                        " outputs, expected " +
                                                        std::to_string(shapes.size()));
  const DType dtype = graph.tensor(node.inputs.at(0)).dtype;
  for (size_t i = 0; i < shapes.size(); ++i) {
    Tensor& out = graph.tensor(node.outputs[i]);
    out.shape = shapes[i];
    out.dtype = dtype;
    out.shape_known = true;
    check_size(out, "node '" + node.name + "': output ");
  }
}

}  // namespace splitinfer
