#include "onnx/onnx_value.h"

#include <cstring>
#include <memory>

namespace splitinfer::onnx_detail {
namespace {

template <typename T>
std::vector<std::byte> to_bytes(const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

size_t value_type_size(ValueType type) {
  switch (type) {
    case ValueType::f32: return 4;
    case ValueType::i64: return 8;
    case ValueType::boolean: return 1;
  }
  return 1;
}

const char* value_type_name(ValueType type) {
  switch (type) {
    case ValueType::f32: return "float32";
    case ValueType::i64: return "int64";
    case ValueType::boolean: return "bool";
  }
  return "?";
}

DType value_type_dtype(ValueType type) {
  switch (type) {
    case ValueType::f32: return DType::f32;
    case ValueType::i64: return DType::i64;
    case ValueType::boolean: return DType::u8;
  }
  return DType::u8;
}

Value make_value(ValueType type, Shape shape, std::vector<std::byte> bytes) {
  Value v;
  v.type = type;
  v.shape = std::move(shape);
  v.bytes = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  return v;
}

Value make_ints(std::vector<int64_t> values, Shape shape) {
  return make_value(ValueType::i64, std::move(shape), to_bytes(values));
}
Value make_floats(std::vector<float> values, Shape shape) {
  return make_value(ValueType::f32, std::move(shape), to_bytes(values));
}
Value make_bools(std::vector<uint8_t> values, Shape shape) {
  return make_value(ValueType::boolean, std::move(shape), to_bytes(values));
}

}  // namespace splitinfer::onnx_detail
