// The hand-off tensor: sizes on the link, dequantization and the
// channels-last order, which to_floats() must undo.
#include "exec/handoff.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "common/error.h"

namespace splitinfer {
namespace {

TEST(Handoff, BytesOnTheLink) {
  EXPECT_EQ(Handoff::from_floats({2, 3}, std::vector<float>(6)).bytes(), 24);
  EXPECT_EQ(Handoff::from_codes({2, 3}, HandoffType::s8, std::vector<uint8_t>(6), 0.5f, 0).bytes(),
            6 + 8);
}

TEST(Handoff, DequantizesSignedAndUnsignedCodes) {
  const Handoff s8 = Handoff::from_codes({3}, HandoffType::s8, {0x81, 0x00, 0x7f}, 0.5f, 0);
  EXPECT_EQ(s8.to_floats(), (std::vector<float>{-63.5f, 0.0f, 63.5f}));
  const Handoff u8 = Handoff::from_codes({3}, HandoffType::u8, {0, 10, 255}, 0.25f, 10);
  EXPECT_EQ(u8.to_floats(), (std::vector<float>{-2.5f, 0.0f, 61.25f}));
}

TEST(Handoff, ChannelsLastReadsBackInPlainOrder) {
  // N=2, C=3, H=1, W=2; stored value = 1000n + 100c + 10h + w in NHWC order.
  const Shape shape{2, 3, 1, 2};
  std::vector<float> nhwc, nchw;
  for (int n = 0; n < 2; ++n)
    for (int w = 0; w < 2; ++w)
      for (int c = 0; c < 3; ++c) nhwc.push_back(1000.0f * n + 100.0f * c + w);
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int w = 0; w < 2; ++w) nchw.push_back(1000.0f * n + 100.0f * c + w);
  const Handoff h = Handoff::from_floats(shape, nhwc, HandoffLayout::channels_last);
  EXPECT_EQ(h.to_floats(), nchw);
  std::vector<uint8_t> codes;
  for (float v : nhwc) codes.push_back(static_cast<uint8_t>(static_cast<int>(v) % 251));
  std::vector<float> want;
  for (float v : nchw) want.push_back(static_cast<float>(static_cast<int>(v) % 251) * 2.0f);
  EXPECT_EQ(
      Handoff::from_codes(shape, HandoffType::u8, codes, 2.0f, 0, HandoffLayout::channels_last)
          .to_floats(),
      want);
}

// A borrowed frame is read where it lies, its owner kept by the hand-off
// and by every copy of it, and let go when the hand-off is refilled.
TEST(Handoff, BorrowedFloatsAreReadInPlaceAndKeepTheirOwner) {
  auto frame = std::make_shared<const std::vector<float>>(std::vector<float>{1, 2, 3, 4, 5, 6});
  Handoff h = Handoff::borrowing_floats({2, 3}, *frame, frame);
  EXPECT_EQ(h.floats().data(), frame->data());
  EXPECT_EQ(h.to_floats(), *frame);
  EXPECT_EQ(h.bytes(), 24);
  Handoff copy;
  copy = h;
  EXPECT_EQ(copy.floats().data(), frame->data());
  EXPECT_EQ(frame.use_count(), 3);
  h.refill(HandoffType::f32, {2}, HandoffLayout::plain);
  EXPECT_EQ(h.floats().size(), 2u);
  EXPECT_NE(h.floats().data(), frame->data());
  copy = Handoff();
  EXPECT_EQ(frame.use_count(), 1);
  EXPECT_THROW(Handoff::borrowing_floats({2, 2}, *frame, frame), Error);
  EXPECT_THROW(Handoff::borrowing_floats({2, 3}, *frame, nullptr), Error);
}

TEST(Handoff, RejectsMismatchedSizesAndLayouts) {
  EXPECT_THROW(Handoff::from_floats({2, 3}, std::vector<float>(5)), Error);
  EXPECT_THROW(Handoff::from_floats({6}, std::vector<float>(6), HandoffLayout::channels_last),
               Error);
  EXPECT_THROW(Handoff::from_codes({2}, HandoffType::f32, {1, 2}, 1.0f, 0), Error);
}

}  // namespace
}  // namespace splitinfer
