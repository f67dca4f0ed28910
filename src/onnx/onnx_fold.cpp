#include "onnx/onnx_fold.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <numeric>

#include "common/checked_math.h"

namespace splitinfer::onnx_detail {
namespace {

using Inputs = std::vector<const Value*>;
using FoldFn = Value (*)(const NodeRef&, const Inputs&);

// ---------------------------------------------------------------------------
// Reading inputs

const Value* optional_input(const Inputs& in, size_t slot) {
  return slot < in.size() ? in[slot] : nullptr;
}

const Value& input(const NodeRef& n, const Inputs& in, size_t slot) {
  const Value* v = optional_input(in, slot);
  if (!v) n.fail(ErrorKind::invalid_input, "input " + std::to_string(slot) + " is missing");
  return *v;
}

const Value& typed_input(const NodeRef& n, const Inputs& in, size_t slot, ValueType type) {
  const Value& v = input(n, in, slot);
  if (v.type != type)
    n.fail(ErrorKind::invalid_input, "input " + std::to_string(slot) + " is " +
                                         value_type_name(v.type) + ", expected " +
                                         value_type_name(type));
  return v;
}

std::vector<int64_t> int_list(const NodeRef& n, const Inputs& in, size_t slot) {
  const Value& v = typed_input(n, in, slot, ValueType::i64);
  if (v.shape.size() > 1)
    n.fail(ErrorKind::invalid_input, "input " + std::to_string(slot) + " must be a 1-D list");
  return {v.ints().begin(), v.ints().end()};
}

// A scalar operand; ONNX also accepts a one-element 1-D tensor here.
const Value& scalar_input(const NodeRef& n, const Inputs& in, size_t slot) {
  const Value& v = input(n, in, slot);
  if (v.count() != 1 || v.shape.size() > 1)
    n.fail(ErrorKind::invalid_input, "input " + std::to_string(slot) + " must be a scalar");
  return v;
}

// Axes from the attribute (before `input_opset`) or from input `slot`.
std::optional<std::vector<int64_t>> axes_of(const NodeRef& n, const Inputs& in, size_t slot,
                                            int input_opset) {
  if (n.opset() < input_opset) return n.find_ints("axes");
  if (!optional_input(in, slot)) return std::nullopt;
  return int_list(n, in, slot);
}

int64_t normalise_axis(const NodeRef& n, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    n.fail(ErrorKind::invalid_input,
           "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// ---------------------------------------------------------------------------
// Building results

void check_fold_size(const NodeRef& n, const Shape& shape) {
  if (!checked_product(shape, kMaxFoldElements))
    n.fail(ErrorKind::unsupported,
           "folding it at import would make a tensor of shape " + shape_to_string(shape) +
               ", more than the 2^24 elements splitinfer evaluates at import");
}

Shape row_major_strides(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

// The same elements under another shape: shares the bytes.
Value reshaped(const Value& v, Shape shape) {
  Value out = v;
  out.shape = std::move(shape);
  return out;
}

// Copies the view of `src` whose element at multi-index i sits at
// base + sum(i[d] * strides[d]) into a new contiguous value. Transpose,
// Slice and broadcasting are all such views.
Value strided_copy(const NodeRef& n, const Value& src, const Shape& out_shape,
                   const std::vector<int64_t>& strides, int64_t base) {
  check_fold_size(n, out_shape);
  const size_t es = value_type_size(src.type);
  const int64_t total = numel(out_shape);
  const int64_t available = static_cast<int64_t>(src.bytes->size() / es);
  std::vector<std::byte> out(static_cast<size_t>(total) * es);
  std::vector<int64_t> index(out_shape.size(), 0);
  int64_t offset = base;
  for (int64_t i = 0; i < total; ++i) {
    if (offset < 0 || offset >= available)
      n.fail(ErrorKind::internal, "folding read outside its input");
    std::memcpy(out.data() + i * es, src.bytes->data() + offset * es, es);
    for (size_t d = out_shape.size(); d-- > 0;) {
      if (++index[d] < out_shape[d]) {
        offset += strides[d];
        break;
      }
      offset -= strides[d] * (out_shape[d] - 1);
      index[d] = 0;
    }
  }
  return make_value(src.type, out_shape, std::move(out));
}

Shape broadcast_shape(const NodeRef& n, const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (da != db && da != 1 && db != 1)
      n.fail(ErrorKind::invalid_input,
             "shapes " + shape_to_string(a) + " and " + shape_to_string(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Value broadcast_to(const NodeRef& n, const Value& v, const Shape& shape) {
  if (v.shape == shape) return v;
  const Shape src_strides = row_major_strides(v.shape);
  std::vector<int64_t> strides(shape.size(), 0);
  const size_t lead = shape.size() - v.shape.size();
  for (size_t d = 0; d < v.shape.size(); ++d)
    strides[lead + d] = v.shape[d] == 1 ? 0 : src_strides[d];
  return strided_copy(n, v, shape, strides, 0);
}

template <typename T>
std::span<const T> elements(const Value& v) {
  if constexpr (std::is_same_v<T, float>) return v.floats();
  else if constexpr (std::is_same_v<T, int64_t>) return v.ints();
  else return v.bools();
}

template <typename T>
Value from_vector(std::vector<T> values, Shape shape) {
  if constexpr (std::is_same_v<T, float>) return make_floats(std::move(values), std::move(shape));
  else if constexpr (std::is_same_v<T, int64_t>)
    return make_ints(std::move(values), std::move(shape));
  else return make_bools(std::move(values), std::move(shape));
}

// ---------------------------------------------------------------------------
// Elementwise arithmetic and logic

enum class Binary {
  add,
  sub,
  mul,
  div,
  min,
  max,
  equal,
  less,
  greater,
  less_eq,
  greater_eq,
  logical_and,
  logical_or,
  logical_xor
};

const std::map<std::string_view, Binary>& binary_ops() {
  static const std::map<std::string_view, Binary> ops = {{"Add", Binary::add},
                                                         {"Sub", Binary::sub},
                                                         {"Mul", Binary::mul},
                                                         {"Div", Binary::div},
                                                         {"Min", Binary::min},
                                                         {"Max", Binary::max},
                                                         {"Equal", Binary::equal},
                                                         {"Less", Binary::less},
                                                         {"Greater", Binary::greater},
                                                         {"LessOrEqual", Binary::less_eq},
                                                         {"GreaterOrEqual", Binary::greater_eq},
                                                         {"And", Binary::logical_and},
                                                         {"Or", Binary::logical_or},
                                                         {"Xor", Binary::logical_xor}};
  return ops;
}

bool is_comparison(Binary op) {
  return op == Binary::equal || op == Binary::less || op == Binary::greater ||
         op == Binary::less_eq || op == Binary::greater_eq;
}
bool is_logical(Binary op) {
  return op == Binary::logical_and || op == Binary::logical_or || op == Binary::logical_xor;
}

template <typename T>
uint8_t compare(Binary op, T x, T y) {
  switch (op) {
    case Binary::equal: return x == y;
    case Binary::less: return x < y;
    case Binary::greater: return x > y;
    case Binary::less_eq: return x <= y;
    default: return x >= y;
  }
}

// Integer arithmetic of values from a file: overflow and division by zero
// are errors, never undefined behaviour.
int64_t int_arith(const NodeRef& n, Binary op, int64_t x, int64_t y) {
  int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case Binary::add: overflow = __builtin_add_overflow(x, y, &r); break;
    case Binary::sub: overflow = __builtin_sub_overflow(x, y, &r); break;
    case Binary::mul: overflow = __builtin_mul_overflow(x, y, &r); break;
    case Binary::div:
      if (y == 0) n.fail(ErrorKind::invalid_input, "integer division by zero");
      overflow = x == std::numeric_limits<int64_t>::min() && y == -1;
      if (!overflow) r = x / y;  // ONNX integer Div truncates, as C++ does
      break;
    case Binary::min: r = std::min(x, y); break;
    case Binary::max: r = std::max(x, y); break;
    default: n.fail(ErrorKind::internal, "not an arithmetic op");
  }
  if (overflow) n.fail(ErrorKind::invalid_input, "int64 overflow while folding constants");
  return r;
}

float float_arith(Binary op, float x, float y) {
  switch (op) {
    case Binary::add: return x + y;
    case Binary::sub: return x - y;
    case Binary::mul: return x * y;
    case Binary::div: return x / y;
    case Binary::min: return std::min(x, y);
    default: return std::max(x, y);
  }
}

template <typename T, typename R, typename F>
Value zip(const Value& a, const Value& b, F f) {
  const auto x = elements<T>(a);
  const auto y = elements<T>(b);
  std::vector<R> out(x.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = f(x[i], y[i]);
  return from_vector<R>(std::move(out), a.shape);
}

Value apply_binary(const NodeRef& n, Binary op, const Value& a0, const Value& b0) {
  if (a0.type != b0.type)
    n.fail(ErrorKind::invalid_input, std::string("inputs are ") + value_type_name(a0.type) +
                                         " and " + value_type_name(b0.type) +
                                         "; the op needs one element type");
  const Shape shape = broadcast_shape(n, a0.shape, b0.shape);
  check_fold_size(n, shape);
  const Value a = broadcast_to(n, a0, shape), b = broadcast_to(n, b0, shape);
  const ValueType type = a.type;
  if (is_logical(op)) {
    if (type != ValueType::boolean) n.fail(ErrorKind::invalid_input, "inputs must be bool");
    return zip<uint8_t, uint8_t>(a, b, [op](uint8_t x, uint8_t y) -> uint8_t {
      if (op == Binary::logical_and) return x && y;
      if (op == Binary::logical_or) return x || y;
      return x != y;
    });
  }
  if (is_comparison(op)) {
    if (type == ValueType::f32)
      return zip<float, uint8_t>(a, b, [op](float x, float y) { return compare(op, x, y); });
    if (type == ValueType::i64)
      return zip<int64_t, uint8_t>(a, b, [op](int64_t x, int64_t y) { return compare(op, x, y); });
    if (op != Binary::equal) n.fail(ErrorKind::invalid_input, "cannot order bool values");
    return zip<uint8_t, uint8_t>(a, b, [](uint8_t x, uint8_t y) -> uint8_t { return x == y; });
  }
  if (type == ValueType::f32)
    return zip<float, float>(a, b, [op](float x, float y) { return float_arith(op, x, y); });
  if (type == ValueType::i64)
    return zip<int64_t, int64_t>(a, b,
                                 [&n, op](int64_t x, int64_t y) { return int_arith(n, op, x, y); });
  n.fail(ErrorKind::invalid_input, "arithmetic on bool values");
}

Value fold_binary(const NodeRef& n, const Inputs& in) {
  const Binary op = binary_ops().at(n.op_type());
  const bool variadic = op == Binary::min || op == Binary::max;
  if (!variadic && in.size() != 2) n.fail(ErrorKind::invalid_input, "needs exactly two inputs");
  Value acc = input(n, in, 0);
  for (size_t slot = 1; slot < in.size(); ++slot)
    acc = apply_binary(n, op, acc, input(n, in, slot));
  return acc;
}

Value fold_unary(const NodeRef& n, const Inputs& in) {
  const Value& x = input(n, in, 0);
  const std::string& op = n.op_type();
  if (op == "Not") {
    if (x.type != ValueType::boolean) n.fail(ErrorKind::invalid_input, "input must be bool");
    std::vector<uint8_t> out;
    for (uint8_t v : x.bools()) out.push_back(!v);
    return make_bools(std::move(out), x.shape);
  }
  if (x.type == ValueType::f32) {
    std::vector<float> out;
    for (float v : x.floats())
      out.push_back(op == "Neg"     ? -v
                    : op == "Abs"   ? std::fabs(v)
                    : op == "Floor" ? std::floor(v)
                                    : std::ceil(v));
    return make_floats(std::move(out), x.shape);
  }
  if (x.type == ValueType::i64) {
    std::vector<int64_t> out;
    for (int64_t v : x.ints()) {
      if ((op == "Neg" || op == "Abs") && v == std::numeric_limits<int64_t>::min())
        n.fail(ErrorKind::invalid_input, "int64 overflow while folding constants");
      out.push_back(op == "Neg" ? -v : op == "Abs" ? std::abs(v) : v);  // Floor/Ceil: exact
    }
    return make_ints(std::move(out), x.shape);
  }
  n.fail(ErrorKind::invalid_input, "input must be numeric");
}

Value fold_Where(const NodeRef& n, const Inputs& in) {
  const Value& c0 = input(n, in, 0);
  const Value& x0 = input(n, in, 1);
  const Value& y0 = input(n, in, 2);
  if (x0.type != y0.type) n.fail(ErrorKind::invalid_input, "X and Y differ in element type");
  if (c0.type != ValueType::boolean) n.fail(ErrorKind::invalid_input, "the condition must be bool");
  const Shape shape = broadcast_shape(n, broadcast_shape(n, c0.shape, x0.shape), y0.shape);
  check_fold_size(n, shape);
  const Value c = broadcast_to(n, c0, shape), x = broadcast_to(n, x0, shape),
              y = broadcast_to(n, y0, shape);
  const size_t es = value_type_size(x.type);
  std::vector<std::byte> out(x.bytes->size());
  for (size_t i = 0; i < c.bools().size(); ++i)
    std::memcpy(out.data() + i * es, (c.bools()[i] ? x : y).bytes->data() + i * es, es);
  return make_value(x.type, shape, std::move(out));
}

// ---------------------------------------------------------------------------
// Shapes and layout

Value fold_Shape(const NodeRef& n, const Inputs& in) {
  const Shape& shape = input(n, in, 0).shape;
  const int64_t rank = static_cast<int64_t>(shape.size());
  auto clamp = [rank](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank); };
  const int64_t start = n.opset() >= 15 ? clamp(n.get_int("start", 0)) : 0;
  const int64_t end = n.opset() >= 15 ? clamp(n.get_int("end", rank)) : rank;
  std::vector<int64_t> dims(shape.begin() + start, shape.begin() + std::max(start, end));
  const int64_t count = static_cast<int64_t>(dims.size());
  return make_ints(std::move(dims), {count});
}

Value fold_Size(const NodeRef& n, const Inputs& in) {
  return make_ints({input(n, in, 0).count()}, {});
}

Value fold_Identity(const NodeRef& n, const Inputs& in) { return input(n, in, 0); }

Value fold_Constant(const NodeRef& n, const Inputs&) {
  if (const onnx::TensorProto* t = n.find_tensor("value"))
    return decode_tensor(*t, n.describe("attribute 'value'"));
  if (n.attr("value_float")) return make_floats({n.get_float("value_float", 0.0f)}, {});
  if (n.attr("value_int")) return make_ints({n.get_int("value_int", 0)}, {});
  if (auto floats = n.find_floats("value_floats")) {
    const int64_t count = static_cast<int64_t>(floats->size());
    return make_floats(std::move(*floats), {count});
  }
  if (auto ints = n.find_ints("value_ints")) {
    const int64_t count = static_cast<int64_t>(ints->size());
    return make_ints(std::move(*ints), {count});
  }
  n.fail(ErrorKind::unsupported,
         "only tensor, float and int values are supported (not strings or sparse tensors)");
}

Value fold_ConstantOfShape(const NodeRef& n, const Inputs& in) {
  const std::vector<int64_t> dims = int_list(n, in, 0);
  const Shape shape(dims.begin(), dims.end());
  check_fold_size(n, shape);
  Value fill = make_floats({0.0f}, {1});
  if (const onnx::TensorProto* t = n.find_tensor("value"))
    fill = decode_tensor(*t, n.describe("attribute 'value'"));
  if (fill.count() != 1) n.fail(ErrorKind::invalid_input, "'value' must hold one element");
  return strided_copy(n, fill, shape, std::vector<int64_t>(shape.size(), 0), 0);
}

Value fold_Cast(const NodeRef& n, const Inputs& in) {
  const Value& x = input(n, in, 0);
  const int64_t to = n.get_int("to", 0);
  if (to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE) {
    if (x.type == ValueType::f32) return x;
    std::vector<float> out;
    if (x.type == ValueType::i64) {
      for (int64_t v : x.ints()) out.push_back(static_cast<float>(v));
    } else {
      for (uint8_t v : x.bools()) out.push_back(v);
    }
    return make_floats(std::move(out), x.shape);
  }
  if (to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32) {
    const bool narrow = to == onnx::TensorProto::INT32;
    std::vector<int64_t> out;
    if (x.type == ValueType::f32) {
      for (float v : x.floats()) {
        // Out-of-range float-to-int conversion is undefined in C++.
        if (!std::isfinite(v) || std::fabs(v) >= 9.2e18f)
          n.fail(ErrorKind::invalid_input, "cannot cast " + std::to_string(v) + " to an integer");
        out.push_back(static_cast<int64_t>(v));
      }
    } else if (x.type == ValueType::i64) {
      out.assign(x.ints().begin(), x.ints().end());
    } else {
      for (uint8_t v : x.bools()) out.push_back(v);
    }
    if (narrow)
      for (int64_t& v : out) v = static_cast<int32_t>(static_cast<uint32_t>(v));
    return make_ints(std::move(out), x.shape);
  }
  if (to == onnx::TensorProto::BOOL) {
    if (x.type == ValueType::boolean) return x;
    std::vector<uint8_t> out;
    if (x.type == ValueType::f32) {
      for (float v : x.floats()) out.push_back(v != 0.0f);
    } else {
      for (int64_t v : x.ints()) out.push_back(v != 0);
    }
    return make_bools(std::move(out), x.shape);
  }
  n.fail(ErrorKind::unsupported,
         std::string("cast to ") + onnx_type_name(static_cast<int32_t>(to)) + " is not supported");
}

Value fold_Reshape(const NodeRef& n, const Inputs& in) {
  const Value& x = input(n, in, 0);
  const std::vector<int64_t> target = int_list(n, in, 1);
  const bool allow_zero = n.get_int("allowzero", 0) != 0;
  Shape out(target.begin(), target.end());
  int infer_at = -1;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 0 && !allow_zero) {
      if (d >= x.shape.size()) n.fail(ErrorKind::invalid_input, "a 0 has no dimension to copy");
      out[d] = x.shape[d];
    } else if (out[d] == -1) {
      if (infer_at >= 0) n.fail(ErrorKind::invalid_input, "the shape has more than one -1");
      infer_at = static_cast<int>(d);
    } else if (out[d] < 0) {
      n.fail(ErrorKind::invalid_input, "the shape has a negative dimension");
    }
  }
  Shape known = out;
  if (infer_at >= 0) known[infer_at] = 1;
  const auto known_count = checked_product(known, kMaxFoldElements);
  if (!known_count)
    n.fail(ErrorKind::unsupported, "the target shape " + shape_to_string(out) +
                                       " has more than the 2^24 elements folded at import");
  if (infer_at >= 0) {
    if (*known_count == 0 || x.count() % *known_count != 0)
      n.fail(ErrorKind::invalid_input, "cannot infer the -1 dimension");
    out[infer_at] = x.count() / *known_count;
  }
  if (numel(out) != x.count())
    n.fail(ErrorKind::invalid_input,
           "cannot reshape " + shape_to_string(x.shape) + " to " + shape_to_string(out));
  return reshaped(x, out);
}

Value fold_Flatten(const NodeRef& n, const Inputs& in) {
  const Value& x = input(n, in, 0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  int64_t axis = n.get_int("axis", 1);
  if (axis < -rank || axis > rank) n.fail(ErrorKind::invalid_input, "axis out of range");
  if (axis < 0) axis += rank;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  return reshaped(x, {outer, outer == 0 ? 0 : x.count() / outer});
}

std::vector<bool> axis_mask(const NodeRef& n, const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<bool> mask(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    const int64_t axis = normalise_axis(n, a, rank);
    if (mask[axis]) n.fail(ErrorKind::invalid_input, "axes repeat an axis");
    mask[axis] = true;
  }
  return mask;
}

Value fold_Squeeze(const NodeRef& n, const Inputs& in) {
  const Value& x = input(n, in, 0);
  const auto axes = axes_of(n, in, 1, 13);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const auto mask = axis_mask(n, axes.value_or(std::vector<int64_t>{}), rank);
  Shape out;
  for (int64_t d = 0; d < rank; ++d) {
    const bool squeeze = axes ? mask[d] : x.shape[d] == 1;
    if (squeeze && x.shape[d] != 1)
      n.fail(ErrorKind::invalid_input,
             "cannot squeeze axis " + std::to_string(d) + " of size " + std::to_string(x.shape[d]));
    if (!squeeze) out.push_back(x.shape[d]);
  }
  return reshaped(x, out);
}

Value fold_Unsqueeze(const NodeRef& n, const Inputs& in) {
  const Value& x = input(n, in, 0);
  const auto axes = axes_of(n, in, 1, 13);
  if (!axes || axes->empty()) n.fail(ErrorKind::invalid_input, "axes are required");
  if (axes->size() > 64) n.fail(ErrorKind::invalid_input, "too many axes");
  const int64_t rank = static_cast<int64_t>(x.shape.size() + axes->size());
  const auto mask = axis_mask(n, *axes, rank);
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d) out.push_back(mask[d] ? 1 : x.shape[next++]);
  return reshaped(x, out);
}

Value fold_Expand(const NodeRef& n, const Inputs& in) {
  const Value& x = input(n, in, 0);
  const std::vector<int64_t> dims = int_list(n, in, 1);
  const Shape shape = broadcast_shape(n, x.shape, Shape(dims.begin(), dims.end()));
  return broadcast_to(n, x, shape);
}

Value fold_Transpose(const NodeRef& n, const Inputs& in) {
  const Value& x = input(n, in, 0);
  const size_t rank = x.shape.size();
  std::vector<int64_t> perm(rank);
  std::iota(perm.rbegin(), perm.rend(), 0);
  perm = n.find_ints("perm").value_or(perm);
  if (perm.size() != rank) n.fail(ErrorKind::invalid_input, "perm length differs from the rank");
  axis_mask(n, perm, static_cast<int64_t>(rank));  // a permutation: no repeats, in range
  const Shape src_strides = row_major_strides(x.shape);
  Shape out(rank);
  std::vector<int64_t> strides(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t p = normalise_axis(n, perm[d], static_cast<int64_t>(rank));
    out[d] = x.shape[p];
    strides[d] = src_strides[p];
  }
  return strided_copy(n, x, out, strides, 0);
}

Value fold_Slice(const NodeRef& n, const Inputs& in) {
  const Value& x = input(n, in, 0);
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  const auto starts = int_list(n, in, 1);
  const auto ends = int_list(n, in, 2);
  std::vector<int64_t> axes(starts.size());
  std::iota(axes.begin(), axes.end(), 0);
  if (optional_input(in, 3)) axes = int_list(n, in, 3);
  std::vector<int64_t> steps(starts.size(), 1);
  if (optional_input(in, 4)) steps = int_list(n, in, 4);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    n.fail(ErrorKind::invalid_input, "starts, ends, axes and steps differ in length");
  axis_mask(n, axes, rank);

  const Shape src_strides = row_major_strides(x.shape);
  Shape out = x.shape;
  std::vector<int64_t> strides = src_strides;
  int64_t base = 0;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t axis = normalise_axis(n, axes[i], rank);
    const int64_t dim = x.shape[axis], step = steps[i];
    if (step == 0) n.fail(ErrorKind::invalid_input, "a step is 0");
    auto wrap = [dim](int64_t v) { return v < 0 ? v + dim : v; };  // cannot overflow
    int64_t start, count;
    if (step > 0) {
      start = std::clamp(wrap(starts[i]), int64_t{0}, dim);
      const int64_t end = std::clamp(wrap(ends[i]), int64_t{0}, dim);
      count = end > start ? 1 + (end - start - 1) / step : 0;
    } else {
      start = std::clamp(wrap(starts[i]), int64_t{0}, dim - 1);
      const int64_t end = std::clamp(wrap(ends[i]), int64_t{-1}, dim - 1);
      const uint64_t magnitude = uint64_t{0} - static_cast<uint64_t>(step);
      count = start > end
                  ? 1 + static_cast<int64_t>(static_cast<uint64_t>(start - end - 1) / magnitude)
                  : 0;
    }
    out[axis] = count;
    if (count > 0) base += start * src_strides[axis];
    // With at most one element the step is never taken (and may be huge).
    strides[axis] = count > 1 ? step * src_strides[axis] : 0;
  }
  if (numel(out) == 0) return make_value(x.type, out, {});
  return strided_copy(n, x, out, strides, base);
}

Value fold_Concat(const NodeRef& n, const Inputs& in) {
  if (in.empty()) n.fail(ErrorKind::invalid_input, "needs at least one input");
  const Value& first = input(n, in, 0);
  const int64_t rank = static_cast<int64_t>(first.shape.size());
  if (!n.attr("axis")) n.fail(ErrorKind::invalid_input, "attribute 'axis' is required");
  const int64_t axis = normalise_axis(n, n.get_int("axis", 0), rank);
  Shape out = first.shape;
  out[axis] = 0;
  for (size_t slot = 0; slot < in.size(); ++slot) {
    const Value& v = input(n, in, slot);
    if (v.type != first.type || v.shape.size() != first.shape.size())
      n.fail(ErrorKind::invalid_input, "inputs differ in element type or rank");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && v.shape[d] != first.shape[d])
        n.fail(ErrorKind::invalid_input, "inputs differ outside the concatenation axis");
    out[axis] += v.shape[axis];
    check_fold_size(n, out);
  }
  const size_t es = value_type_size(first.type);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out[d];
  std::vector<std::byte> bytes;
  bytes.reserve(static_cast<size_t>(numel(out)) * es);
  for (int64_t o = 0; o < outer; ++o) {
    for (const Value* v : in) {
      const size_t block = static_cast<size_t>(v->count() / std::max<int64_t>(outer, 1)) * es;
      const std::byte* src = v->bytes->data() + static_cast<size_t>(o) * block;
      bytes.insert(bytes.end(), src, src + block);
    }
  }
  return make_value(first.type, out, std::move(bytes));
}

Value fold_Gather(const NodeRef& n, const Inputs& in) {
  const Value& data = input(n, in, 0);
  const Value& indices = typed_input(n, in, 1, ValueType::i64);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  if (rank == 0) n.fail(ErrorKind::invalid_input, "cannot gather from a scalar");
  const int64_t axis = normalise_axis(n, n.get_int("axis", 0), rank);
  Shape out(data.shape.begin(), data.shape.begin() + axis);
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), data.shape.begin() + axis + 1, data.shape.end());
  check_fold_size(n, out);

  const int64_t dim = data.shape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= data.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d) inner *= data.shape[d];
  const size_t es = value_type_size(data.type);
  const size_t block = static_cast<size_t>(inner) * es;
  std::vector<std::byte> bytes;
  bytes.reserve(static_cast<size_t>(numel(out)) * es);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : indices.ints()) {
      if (index < -dim || index >= dim)
        n.fail(ErrorKind::invalid_input, "index " + std::to_string(index) +
                                             " is out of range for a dimension of " +
                                             std::to_string(dim));
      if (index < 0) index += dim;
      const std::byte* src = data.bytes->data() + static_cast<size_t>(o * dim + index) * block;
      bytes.insert(bytes.end(), src, src + block);
    }
  }
  return make_value(data.type, out, std::move(bytes));
}

Value fold_Range(const NodeRef& n, const Inputs& in) {
  const Value& start = scalar_input(n, in, 0);
  const Value& limit = scalar_input(n, in, 1);
  const Value& delta = scalar_input(n, in, 2);
  if (start.type != limit.type || start.type != delta.type || start.type == ValueType::boolean)
    n.fail(ErrorKind::invalid_input, "start, limit and delta must share a numeric type");
  auto too_many = [&] {
    n.fail(ErrorKind::unsupported,
           "the range has more than the 2^24 elements splitinfer "
           "evaluates at import");
  };
  if (start.type == ValueType::i64) {
    const __int128 s = start.ints()[0], l = limit.ints()[0], d = delta.ints()[0];
    if (d == 0) n.fail(ErrorKind::invalid_input, "delta is 0");
    const __int128 span = l - s;
    const __int128 count =
        span == 0 || (span > 0) != (d > 0) ? 0 : (span + d - (d > 0 ? 1 : -1)) / d;
    if (count > kMaxFoldElements) too_many();
    std::vector<int64_t> out;
    for (__int128 i = 0; i < count; ++i) out.push_back(static_cast<int64_t>(s + i * d));
    const int64_t size = static_cast<int64_t>(out.size());
    return make_ints(std::move(out), {size});
  }
  const double s = start.floats()[0], l = limit.floats()[0], d = delta.floats()[0];
  const double count = std::ceil((l - s) / d);
  if (!std::isfinite(count)) n.fail(ErrorKind::invalid_input, "the range is not finite");
  if (count > static_cast<double>(kMaxFoldElements)) too_many();
  std::vector<float> out;
  if (count <= 0) return make_floats({}, {0});
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i)
    out.push_back(static_cast<float>(s + static_cast<double>(i) * d));
  const int64_t size = static_cast<int64_t>(out.size());
  return make_floats(std::move(out), {size});
}

const std::map<std::string_view, FoldFn>& fold_table() {
  static const std::map<std::string_view, FoldFn> table = [] {
    std::map<std::string_view, FoldFn> t = {
        {"Constant", fold_Constant}, {"ConstantOfShape", fold_ConstantOfShape},
        {"Identity", fold_Identity}, {"Shape", fold_Shape},
        {"Size", fold_Size},         {"Cast", fold_Cast},
        {"Reshape", fold_Reshape},   {"Flatten", fold_Flatten},
        {"Squeeze", fold_Squeeze},   {"Unsqueeze", fold_Unsqueeze},
        {"Expand", fold_Expand},     {"Transpose", fold_Transpose},
        {"Slice", fold_Slice},       {"Concat", fold_Concat},
        {"Gather", fold_Gather},     {"Range", fold_Range},
        {"Where", fold_Where},       {"Not", fold_unary},
        {"Neg", fold_unary},         {"Abs", fold_unary},
        {"Floor", fold_unary},       {"Ceil", fold_unary},
    };
    for (const auto& [name, op] : binary_ops()) t.emplace(name, fold_binary);
    return t;
  }();
  return table;
}

}  // namespace

bool is_foldable(std::string_view op_type) { return fold_table().count(op_type) != 0; }

bool reads_only_shape(std::string_view op_type) { return op_type == "Shape" || op_type == "Size"; }

Value fold_node(const NodeRef& node, const std::vector<const Value*>& inputs) {
  const auto it = fold_table().find(node.op_type());
  if (it == fold_table().end()) node.fail(ErrorKind::internal, "is not foldable");
  if (!reads_only_shape(node.op_type()))
    for (const Value* v : inputs)
      if (v && !v->bytes) node.fail(ErrorKind::internal, "folding needs input data");
  Value out = it->second(node, inputs);
  check_fold_size(node, out.shape);
  return out;
}

}  // namespace splitinfer::onnx_detail
