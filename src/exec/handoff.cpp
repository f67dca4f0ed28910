#include "exec/handoff.h"

#include "common/error.h"
#include "graph/units.h"

namespace splitinfer {

Handoff Handoff::from_floats(Shape shape, std::vector<float> values) {
  if (static_cast<int64_t>(values.size()) != numel(shape))
    fail(ErrorKind::internal, "hand-off holds " + std::to_string(values.size()) +
                                  " floats for " + std::to_string(numel(shape)) +
                                  " elements");
  Handoff h;
  h.shape_ = std::move(shape);
  h.values_ = std::move(values);
  return h;
}

Handoff Handoff::from_codes(Shape shape, HandoffType type, std::vector<uint8_t> codes,
                            float scale, int32_t zero_point) {
  if (type == HandoffType::f32) fail(ErrorKind::internal, "codes need an integer type");
  if (static_cast<int64_t>(codes.size()) != numel(shape))
    fail(ErrorKind::internal, "hand-off holds " + std::to_string(codes.size()) + " codes for " +
                                  std::to_string(numel(shape)) + " elements");
  Handoff h;
  h.shape_ = std::move(shape);
  h.type_ = type;
  h.codes_ = std::move(codes);
  h.scale_ = scale;
  h.zero_point_ = zero_point;
  return h;
}

int64_t Handoff::elements() const { return numel(shape_); }

int64_t Handoff::bytes() const {
  return is_quantized() ? elements() + kInt8HandoffHeaderBytes
                        : elements() * static_cast<int64_t>(sizeof(float));
}

std::vector<float> Handoff::to_floats() const {
  if (!is_quantized()) return values_;
  std::vector<float> out(codes_.size());
  for (size_t i = 0; i < codes_.size(); ++i) {
    const int32_t code = type_ == HandoffType::s8 ? static_cast<int8_t>(codes_[i]) : codes_[i];
    out[i] = scale_ * static_cast<float>(code - zero_point_);
  }
  return out;
}

}  // namespace splitinfer
