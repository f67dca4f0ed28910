// Tensors of the IR: a name, an element type, a static shape and, for weights
// and constants, the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace splitinfer {

enum class DType : uint8_t { f32, i64, i32, i8, u8 };

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& shape);
std::string shape_to_string(const Shape& shape);  // "1x3x224x224"

// Why a tensor exists; decides what counts as a trainable parameter.
enum class TensorRole : uint8_t {
  activation,  // produced by a node or fed as a graph input
  param,       // trainable weight or bias (counted as PyTorch counts parameters)
  stat,        // BatchNorm running mean / variance: stored, not trained
  constant,    // any other fixed data (folded shape chains, scalar operands)
};

// Immutable element storage shared between copies of a graph.
using TensorData = std::shared_ptr<const std::vector<std::byte>>;

struct Tensor {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
  bool shape_known = false;
  TensorRole role = TensorRole::activation;
  TensorData data;  // null for activations and for weights built shape-only

  // Weights and constants; their values may be absent in shape-only graphs.
  bool is_initializer() const { return role != TensorRole::activation; }
  bool has_data() const { return data != nullptr; }
  std::span<const float> floats() const;
  std::span<const int64_t> ints() const;
};

TensorData make_data(std::span<const float> values);
TensorData make_data(std::span<const int64_t> values);

}  // namespace splitinfer
