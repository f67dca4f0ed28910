// A tensor whose contents are known at import time: an initializer, the value
// of a Constant node, or the result of folding a shape computation. Internal
// to src/onnx.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "graph/tensor.h"

namespace splitinfer::onnx_detail {

// Folding needs booleans (Equal, Where) besides the IR's float and int64;
// every integer ONNX type is widened to int64 when read.
enum class ValueType : uint8_t { f32, i64, boolean };

size_t value_type_size(ValueType type);
const char* value_type_name(ValueType type);
DType value_type_dtype(ValueType type);  // booleans become u8 in the IR

struct Value {
  ValueType type = ValueType::f32;
  Shape shape;
  // Element bytes, shared with the IR tensor made from the value so that
  // weights are never copied. Null for the shape-only stand-in that `Shape`
  // receives for an activation.
  TensorData bytes;

  int64_t count() const { return numel(shape); }
  std::span<const float> floats() const { return view<float>(); }
  std::span<const int64_t> ints() const { return view<int64_t>(); }
  std::span<const uint8_t> bools() const { return view<uint8_t>(); }

 private:
  template <typename T>
  std::span<const T> view() const {
    if (!bytes) return {};
    return {reinterpret_cast<const T*>(bytes->data()), bytes->size() / sizeof(T)};
  }
};

Value make_value(ValueType type, Shape shape, std::vector<std::byte> bytes);
Value make_ints(std::vector<int64_t> values, Shape shape);
Value make_floats(std::vector<float> values, Shape shape);
Value make_bools(std::vector<uint8_t> values, Shape shape);

}  // namespace splitinfer::onnx_detail
