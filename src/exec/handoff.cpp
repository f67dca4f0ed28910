#include "exec/handoff.h"

#include <bit>

#include "common/error.h"
#include "common/precision.h"

namespace splitinfer {

namespace {

// `stored` values (`what`: "floats", "codes", ...) must fill the shape in
// the layout.
void check_storage(const Shape& shape, HandoffLayout layout, size_t stored, const char* what) {
  if (static_cast<int64_t>(stored) != numel(shape))
    fail(ErrorKind::internal, "hand-off holds " + std::to_string(stored) + " " + what + " for " +
                                  std::to_string(numel(shape)) + " elements");
  if (layout == HandoffLayout::channels_last && shape.size() != 4)
    fail(ErrorKind::internal,
         "a channels-last hand-off must be 4-D, not " + shape_to_string(shape));
}

// Index into a channels-last buffer of the element at plain index i.
struct ChannelsLast {
  int64_t c, h, w;
  explicit ChannelsLast(const Shape& s) : c(s[1]), h(s[2]), w(s[3]) {}
  int64_t at(int64_t i) const {
    const int64_t x = i % w, y = i / w % h, ch = i / (w * h) % c, n = i / (w * h * c);
    return ((n * h + y) * w + x) * c + ch;
  }
};

float bf16_to_float(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

}  // namespace

Handoff Handoff::from_floats(Shape shape, std::vector<float> values, HandoffLayout layout) {
  check_storage(shape, layout, values.size(), "floats");
  Handoff h;
  h.shape_ = std::move(shape);
  h.layout_ = layout;
  h.values_ = std::move(values);
  return h;
}

Handoff Handoff::borrowing_floats(Shape shape, std::span<const float> values,
                                  std::shared_ptr<const void> owner) {
  check_storage(shape, HandoffLayout::plain, values.size(), "floats");
  if (!owner) fail(ErrorKind::internal, "borrowed floats need an owner");
  Handoff h;
  h.shape_ = std::move(shape);
  h.owner_ = std::move(owner);
  h.borrowed_ = values;
  return h;
}

Handoff Handoff::from_bf16(Shape shape, std::vector<uint16_t> bits, HandoffLayout layout) {
  check_storage(shape, layout, bits.size(), "bfloat16 values");
  Handoff h;
  h.shape_ = std::move(shape);
  h.type_ = HandoffType::bf16;
  h.layout_ = layout;
  h.bf16_ = std::move(bits);
  return h;
}

Handoff Handoff::from_codes(Shape shape, HandoffType type, std::vector<uint8_t> codes, float scale,
                            int32_t zero_point, HandoffLayout layout) {
  if (type != HandoffType::s8 && type != HandoffType::u8)
    fail(ErrorKind::internal, "codes need an integer type");
  check_storage(shape, layout, codes.size(), "codes");
  Handoff h;
  h.shape_ = std::move(shape);
  h.type_ = type;
  h.layout_ = layout;
  h.codes_ = std::move(codes);
  h.scale_ = scale;
  h.zero_point_ = zero_point;
  return h;
}

std::span<std::byte> Handoff::refill(HandoffType type, const Shape& shape, HandoffLayout layout,
                                     float scale, int32_t zero_point) {
  if (layout == HandoffLayout::channels_last && shape.size() != 4)
    fail(ErrorKind::internal,
         "a channels-last hand-off must be 4-D, not " + shape_to_string(shape));
  owner_.reset();
  borrowed_ = {};
  shape_ = shape;
  type_ = type;
  layout_ = layout;
  scale_ = is_quantized() ? scale : 1.0f;
  zero_point_ = is_quantized() ? zero_point : 0;
  const auto n = static_cast<size_t>(numel(shape));
  values_.resize(type == HandoffType::f32 ? n : 0);
  bf16_.resize(type == HandoffType::bf16 ? n : 0);
  codes_.resize(is_quantized() ? n : 0);
  switch (type) {
    case HandoffType::f32: return std::as_writable_bytes(std::span(values_));
    case HandoffType::bf16: return std::as_writable_bytes(std::span(bf16_));
    case HandoffType::s8:
    case HandoffType::u8: break;
  }
  return std::as_writable_bytes(std::span(codes_));
}

int64_t Handoff::elements() const { return numel(shape_); }

int64_t Handoff::bytes() const {
  switch (type_) {
    case HandoffType::f32: return handoff_bytes(Precision::fp32, elements());
    case HandoffType::bf16: return handoff_bytes(Precision::bf16, elements());
    case HandoffType::s8:
    case HandoffType::u8: break;
  }
  return handoff_bytes(Precision::int8, elements());
}

float Handoff::value_at(int64_t stored) const {
  const auto i = static_cast<size_t>(stored);
  if (type_ == HandoffType::f32) return floats()[i];
  if (type_ == HandoffType::bf16) return bf16_to_float(bf16_[i]);
  const int32_t code = type_ == HandoffType::s8 ? static_cast<int8_t>(codes_[i]) : codes_[i];
  return scale_ * static_cast<float>(code - zero_point_);
}

std::vector<float> Handoff::to_floats() const {
  if (layout_ == HandoffLayout::plain) return stored_floats();
  const int64_t n = elements();
  std::vector<float> out(static_cast<size_t>(n));
  const ChannelsLast order(shape_);
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = value_at(order.at(i));
  return out;
}

std::vector<float> Handoff::stored_floats() const {
  if (type_ == HandoffType::f32) return {floats().begin(), floats().end()};
  const int64_t n = elements();
  std::vector<float> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = value_at(i);
  return out;
}

}  // namespace splitinfer
