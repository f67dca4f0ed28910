// The tensor that crosses a cut between two partitions. A float32 partition
// hands over float32 values, a BF16 partition bfloat16 values (the upper
// half of a float32's bits); an INT8 partition hands over int8 (or uint8)
// codes plus the scale and zero point that give them meaning, which is what
// travels over the link (the paper's INT8 tensor and its scale).
//
// A 4-D hand-off may be channels-last (NHWC): the CPU kernels compute in
// that order, so a cut between two of them costs no transposes. to_floats()
// always answers in plain NCHW order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "graph/tensor.h"

namespace splitinfer {

enum class HandoffType { f32, s8, u8, bf16 };
enum class HandoffLayout { plain, channels_last };

class Handoff {
 public:
  Handoff() = default;
  static Handoff from_floats(Shape shape, std::vector<float> values,
                             HandoffLayout layout = HandoffLayout::plain);
  // value = scale * (code - zero_point)
  static Handoff from_codes(Shape shape, HandoffType type, std::vector<uint8_t> codes, float scale,
                            int32_t zero_point, HandoffLayout layout = HandoffLayout::plain);
  static Handoff from_bf16(Shape shape, std::vector<uint16_t> bits,
                           HandoffLayout layout = HandoffLayout::plain);
  // Float32 values this hand-off reads where they lie, without a copy:
  // `owner` keeps them alive and unchanged for as long as the hand-off, or
  // a copy of it, holds them (copying such a hand-off copies the pointer).
  // How a frame the application submits reaches the first stage.
  static Handoff borrowing_floats(Shape shape, std::span<const float> values,
                                  std::shared_ptr<const void> owner);

  // Makes this a hand-off of `type`, `shape` and `layout` (codes: `scale`
  // and `zero_point`) and returns its stored bytes, uninitialised, for the
  // caller to fill. The storage it has is kept when large enough, so
  // refilling a hand-off of the same size allocates nothing.
  std::span<std::byte> refill(HandoffType type, const Shape& shape, HandoffLayout layout,
                              float scale = 1.0f, int32_t zero_point = 0);

  const Shape& shape() const { return shape_; }
  HandoffType type() const { return type_; }
  HandoffLayout layout() const { return layout_; }
  bool is_quantized() const { return type_ == HandoffType::s8 || type_ == HandoffType::u8; }
  int64_t elements() const;
  // Bytes on the link: 4 per float32, 2 per bfloat16, or 1 per code plus a
  // float32 scale and an int32 zero point (kInt8HandoffHeaderBytes).
  int64_t bytes() const;

  // The stored values in layout() order.
  std::span<const float> floats() const {  // f32 only
    return owner_ ? borrowed_ : std::span<const float>(values_);
  }
  std::span<const uint8_t> codes() const { return codes_; }      // s8/u8 only, raw bytes
  std::span<const uint16_t> bf16_bits() const { return bf16_; }  // bf16 only
  float scale() const { return scale_; }
  int32_t zero_point() const { return zero_point_; }

  // The values as float32 in plain order: a copy for f32, widened bfloat16,
  // dequantized codes.
  std::vector<float> to_floats() const;
  // The same in layout() order, as stored.
  std::vector<float> stored_floats() const;

 private:
  float value_at(int64_t stored) const;  // the stored value at an index, as float32

  Shape shape_;
  HandoffType type_ = HandoffType::f32;
  HandoffLayout layout_ = HandoffLayout::plain;
  std::vector<float> values_;
  std::shared_ptr<const void> owner_;  // set: the floats are borrowed_, not values_
  std::span<const float> borrowed_;
  std::vector<uint8_t> codes_;
  std::vector<uint16_t> bf16_;
  float scale_ = 1.0f;
  int32_t zero_point_ = 0;
};

}  // namespace splitinfer
