#include "graph/tensor.h"

#include <cstring>

#include "common/error.h"

namespace splitinfer {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32: return 4;
    case DType::i64: return 8;
    case DType::i32: return 4;
    case DType::i8: return 1;
    case DType::u8: return 1;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "float32";
    case DType::i64: return "int64";
    case DType::i32: return "int32";
    case DType::i8: return "int8";
    case DType::u8: return "uint8";
  }
  return "?";
}

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s.empty() ? "scalar" : s;
}

namespace {

template <typename T>
std::span<const T> typed_view(const Tensor& t, DType expected) {
  if (!t.data) return {};
  if (t.dtype != expected)
    fail(ErrorKind::internal,
         "tensor '" + t.name + "' is " + dtype_name(t.dtype) + ", read as " + dtype_name(expected));
  return {reinterpret_cast<const T*>(t.data->data()), t.data->size() / sizeof(T)};
}

template <typename T>
TensorData copy_data(std::span<const T> values) {
  auto bytes = std::make_shared<std::vector<std::byte>>(values.size_bytes());
  if (!values.empty()) std::memcpy(bytes->data(), values.data(), values.size_bytes());
  return bytes;
}

}  // namespace

std::span<const float> Tensor::floats() const { return typed_view<float>(*this, DType::f32); }
std::span<const int64_t> Tensor::ints() const { return typed_view<int64_t>(*this, DType::i64); }

TensorData make_data(std::span<const float> values) { return copy_data(values); }
TensorData make_data(std::span<const int64_t> values) { return copy_data(values); }

}  // namespace splitinfer
